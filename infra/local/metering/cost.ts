// The meters priced: one line per billed quantity, grouped by service, and the table that shows them
// with the cost per million units of work (deliveries, orders, …) the caller counted. Pure functions,
// so any tool that holds the meters (the cost CLI, a chaos or load run) prints the same table.
import type { Meters } from './meter.ts';
import type { Price, Prices } from './prices-us-east-1.ts';

/** One priced quantity. */
export interface CostLine {
  service: string;
  item: string;
  quantity: number;
  unit: string;
  usd: number;
  /**
   * Whether it grows with the work done. Receives that find an idle queue grow with time and pollers,
   * not with the work: they are shown, and left out of the cost per unit of work.
   */
  perWork: boolean;
}

const GB = 1024 ** 3;

function priced(
  service: string,
  item: string,
  quantity: number,
  price: Price,
  options: { perWork?: boolean; shown?: boolean } = {},
): CostLine & { shown: boolean } {
  return {
    service,
    item,
    quantity,
    unit: price.unit,
    usd: (quantity / price.per) * price.usd,
    perWork: options.perWork ?? true,
    shown: options.shown ?? quantity > 0,
  };
}

function sum<T>(values: Record<string, T>, read: (value: T) => number): number {
  return Object.values(values).reduce((total, value) => total + read(value), 0);
}

/** Prices the meters: every service's lines, in a fixed order; optional lines only when used. */
export function priceMeters(meters: Meters, prices: Prices): CostLine[] {
  const functions = Object.values(meters.lambda);
  const compute = (architecture: string) =>
    functions.filter((fn) => fn.architecture === architecture).reduce((total, fn) => total + fn.gbSeconds, 0);
  const queues = Object.values(meters.sqs);
  const sqs = (fifo: boolean, read: (queue: (typeof queues)[number]) => number) =>
    queues.filter((queue) => queue.fifo === fifo).reduce((total, queue) => total + read(queue), 0);
  const billed = (queue: (typeof queues)[number]) => queue.requests - queue.emptyReceives;
  const idle = (queue: (typeof queues)[number]) => queue.emptyReceives;
  const invocations = sum(meters.lambda, (fn) => fn.requests);
  const writeUnits = sum(meters.dynamodb, (table) => table.writeUnits);
  const readUnits = sum(meters.dynamodb, (table) => table.readUnits);
  const events = sum(meters.eventbridge, (bus) => bus.events);
  const apiRequests = sum(meters.apigateway, (api) => api.requests);
  const logGb = sum(meters.logs, (group) => group.bytes) / GB;
  const always = { shown: true };
  const notWork = { perWork: false };
  const lines = [
    priced('Lambda', 'requests', invocations, prices.lambdaRequests, always),
    priced('Lambda', 'compute arm64', compute('arm64'), prices.lambdaGbSecondArm64),
    priced('Lambda', 'compute x86_64', compute('x86_64'), prices.lambdaGbSecondX86),
    priced('DynamoDB', 'write request units', writeUnits, prices.dynamodbWriteRequestUnits, always),
    priced('DynamoDB', 'read request units', readUnits, prices.dynamodbReadRequestUnits, always),
    priced('EventBridge', 'custom events', events, prices.eventbridgeCustomEvents, always),
    priced('SQS', 'standard requests', sqs(false, billed), prices.sqsStandardRequests, always),
    priced('SQS', 'FIFO requests', sqs(true, billed), prices.sqsFifoRequests),
    priced('SQS', 'standard empty receives', sqs(false, idle), prices.sqsStandardRequests, notWork),
    priced('SQS', 'FIFO empty receives', sqs(true, idle), prices.sqsFifoRequests, notWork),
    priced('API Gateway', 'HTTP API requests', apiRequests, prices.httpApiRequests, always),
    priced('CloudWatch Logs', 'ingestion', logGb, prices.logsIngestion, always),
  ];
  return lines.filter((line) => line.shown).map(({ shown: _shown, ...line }) => line);
}

/** Requests an HTTP API answered with a 2xx on a route (`POST /v1/items`), over every API of the meters. */
export function successfulRequests(meters: Meters, routeKey: string): number {
  let count = 0;
  for (const api of Object.values(meters.apigateway)) {
    for (const [status, answered] of Object.entries(api.routes[routeKey] ?? {})) {
      if (status.startsWith('2')) count += answered;
    }
  }
  return count;
}

/** USD per million units of work: what grows with the work, divided by the work done. */
export function usdPerMillion(lines: CostLine[], count: number): number {
  const usd = lines.filter((line) => line.perWork).reduce((total, line) => total + line.usd, 0);
  return (usd / count) * 1_000_000;
}

function quantityText(quantity: number): string {
  if (Number.isInteger(quantity)) return quantity.toLocaleString('en-US');
  if (quantity >= 1) return quantity.toLocaleString('en-US', { maximumFractionDigits: 3 });
  return quantity.toPrecision(3);
}

const usdText = (usd: number) => usd.toFixed(6);

/**
 * The table of priced lines: a heading per service with its subtotal, then quantity, unit and USD per
 * line, the total,
 * what does not grow with the work, and with `per` the line `USD per 1M <noun>: <n>`.
 */
export function formatCostTable(lines: CostLine[], per?: { count: number; noun: string }): string {
  const itemWidth = Math.max(24, ...lines.map((line) => line.item.length + 2));
  const quantityWidth = Math.max(8, ...lines.map((line) => quantityText(line.quantity).length));
  const unitWidth = Math.max(8, ...lines.map((line) => line.unit.length));
  const row = (item: string, quantity: string, unit: string, usd: string) =>
    `${item.padEnd(itemWidth)}  ${quantity.padStart(quantityWidth)}  ${unit.padEnd(unitWidth)}  ${usd.padStart(12)}`;
  const out = [row('', 'quantity', 'unit', 'USD')];
  let service: string | undefined;
  for (const line of lines) {
    if (line.service !== service) {
      service = line.service;
      const subtotal = lines.filter((other) => other.service === service).reduce((sum, l) => sum + l.usd, 0);
      out.push(row(service, '', '', usdText(subtotal)));
    }
    out.push(row(`  ${line.item}`, quantityText(line.quantity), line.unit, usdText(line.usd)));
  }
  const total = lines.reduce((sum, line) => sum + line.usd, 0);
  out.push(row('Total', '', '', usdText(total)));
  const idle = lines.filter((line) => !line.perWork).reduce((sum, line) => sum + line.usd, 0);
  if (idle > 0) out.push(`of which not growing with the work (idle polling): ${usdText(idle)} USD`);
  if (per && per.count > 0) {
    out.push(`${per.noun}: ${per.count}`);
    out.push(`USD per 1M ${per.noun}: ${usdPerMillion(lines, per.count).toFixed(2)}`);
  }
  return `${out.join('\n')}\n`;
}
