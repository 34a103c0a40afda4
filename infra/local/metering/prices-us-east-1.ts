// AWS list prices in us-east-1 (N. Virginia) for what the meter counts: the first tier of each price,
// without free tiers, savings plans or volume discounts. Looked up on 2026-12-02; each price names the
// official pricing page and the pages its figure was read from that day. Update the date and the
// figures together.

/** One price: `usd` per `per` of `unit`. */
export interface Price {
  usd: number;
  per: number;
  unit: string;
  sources: string[];
}

/** The prices cost.ts applies to the meters. */
export interface Prices {
  region: string;
  /** The day the prices were looked up (ISO date). */
  retrieved: string;
  lambdaRequests: Price;
  lambdaGbSecondArm64: Price;
  lambdaGbSecondX86: Price;
  dynamodbWriteRequestUnits: Price;
  dynamodbReadRequestUnits: Price;
  eventbridgeCustomEvents: Price;
  sqsStandardRequests: Price;
  sqsFifoRequests: Price;
  httpApiRequests: Price;
  logsIngestion: Price;
}

const MILLION = 1_000_000;
const LAMBDA = [
  'https://aws.amazon.com/lambda/pricing/',
  'https://cloudchipr.com/blog/aws-lambda-pricing',
  // Init phase billed for every runtime since 2025-08-01.
  'https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/',
];
const DYNAMODB = [
  'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  // On-demand throughput halved on 2024-11-01.
  'https://airbyte.com/data-engineering-resources/dynamodb-pricing',
];
const SQS = [
  'https://aws.amazon.com/sqs/pricing/',
  'https://cloudburn.io/blog/amazon-sqs-pricing',
  'https://www.factualminds.com/blog/amazon-sqs-pricing-64kb-rule-fifo-vs-standard/',
];

/** us-east-1 list prices, looked up on 2026-12-02. */
export const PRICES_US_EAST_1: Prices = {
  region: 'us-east-1',
  retrieved: '2026-12-02',
  lambdaRequests: { usd: 0.2, per: MILLION, unit: 'requests', sources: LAMBDA },
  lambdaGbSecondArm64: { usd: 0.0000133334, per: 1, unit: 'GB-s', sources: LAMBDA },
  lambdaGbSecondX86: { usd: 0.0000166667, per: 1, unit: 'GB-s', sources: LAMBDA },
  dynamodbWriteRequestUnits: { usd: 0.625, per: MILLION, unit: 'WRU', sources: DYNAMODB },
  dynamodbReadRequestUnits: { usd: 0.125, per: MILLION, unit: 'RRU', sources: DYNAMODB },
  eventbridgeCustomEvents: {
    usd: 1,
    per: MILLION,
    unit: 'events',
    sources: [
      'https://aws.amazon.com/eventbridge/pricing/',
      'https://cloudburn.io/blog/amazon-eventbridge-pricing',
    ],
  },
  sqsStandardRequests: { usd: 0.4, per: MILLION, unit: 'requests', sources: SQS },
  sqsFifoRequests: { usd: 0.5, per: MILLION, unit: 'requests', sources: SQS },
  httpApiRequests: {
    usd: 1,
    per: MILLION,
    unit: 'requests',
    sources: [
      'https://aws.amazon.com/api-gateway/pricing/',
      'https://awsforengineers.com/blog/aws-api-gateway-pricing-explained',
      // HTTP API requests metered in 512 KB increments.
      'https://www.stormit.cloud/blog/amazon-api-gateway-pricing',
    ],
  },
  logsIngestion: {
    usd: 0.5,
    per: 1,
    unit: 'GB',
    sources: [
      'https://aws.amazon.com/cloudwatch/pricing/',
      'https://c3x.dev/blog/cloudwatch-logs-cost-optimization',
      'https://hykell.com/kb/platform-specific-guides/aws-cloudwatch-logs-pricing',
    ],
  },
};
