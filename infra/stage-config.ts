// Per-stage settings of the stack, chosen with `-c stage=dev|prod`. Everything that differs
// between a throwaway development stack and production lives here, nowhere else.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export const STAGES = ['dev', 'prod'] as const;
export type StageName = (typeof STAGES)[number];

export type NotificationSender = 'recording' | 'aws';

export interface StageConfig {
  readonly stage: StageName;
  /** Dev stages get the drone simulator and the demo data seeding. */
  readonly isDev: boolean;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly pointInTimeRecovery: boolean;
  readonly logRetention: RetentionDays;
  readonly archiveRetention: Duration;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly droneSimulator: boolean;
  readonly simulatorSpeedFactor: number;
  readonly simulatorTickMs: number;
  readonly seedDemoData: boolean;
  readonly notificationSender: NotificationSender;
  /** SES sender address; only used when the sender is `aws`. */
  readonly notificationFromAddress: string | undefined;
  /** Steady-state requests per second and burst of the public API's default stage. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly internalThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Alarm destinations: an existing topic, or a new one with an email subscription. */
  readonly alarmTopicArn: string | undefined;
  readonly alarmEmail: string | undefined;
}

/** Reads one context value, whatever form the CLI (`-c k=v`, always a string) or cdk.json gave it. */
export type ContextReader = (key: string) => unknown;

const BASE: Record<
  StageName,
  Omit<StageConfig, 'notificationFromAddress' | 'alarmTopicArn' | 'alarmEmail'>
> = {
  dev: {
    stage: 'dev',
    isDev: true,
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    pointInTimeRecovery: false,
    logRetention: RetentionDays.ONE_WEEK,
    archiveRetention: Duration.days(7),
    logLevel: 'DEBUG',
    droneSimulator: true,
    // A 14 km trip at 15 m/s takes about 16 minutes; at 60x it takes about 15 s of real time,
    // so a delivery completes well within a minute of being scheduled (the local cloud's promise).
    simulatorSpeedFactor: 60,
    simulatorTickMs: 1000,
    seedDemoData: true,
    notificationSender: 'recording',
    throttle: { rateLimit: 50, burstLimit: 100 },
    internalThrottle: { rateLimit: 200, burstLimit: 400 },
  },
  prod: {
    stage: 'prod',
    isDev: false,
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    pointInTimeRecovery: true,
    logRetention: RetentionDays.THREE_MONTHS,
    archiveRetention: Duration.days(90),
    logLevel: 'INFO',
    droneSimulator: false,
    simulatorSpeedFactor: 1,
    simulatorTickMs: 5000,
    seedDemoData: false,
    notificationSender: 'aws',
    throttle: { rateLimit: 500, burstLimit: 1000 },
    internalThrottle: { rateLimit: 2000, burstLimit: 4000 },
  },
};

function isStageName(value: string): value is StageName {
  return (STAGES as readonly string[]).includes(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The stage's settings from the app context (`stage`, `droneSimulator`, `notificationFromAddress`, `alarmEmail`, `alarmTopicArn`). */
export function resolveStageConfig(context: ContextReader): StageConfig {
  const stage = String(context('stage') ?? 'dev');
  if (!isStageName(stage)) {
    throw new Error(`Unknown stage "${stage}": use -c stage=${STAGES.join('|')}`);
  }
  const base = BASE[stage];
  // `npm start` passes -c droneSimulator=false when DRONE_SIMULATOR=off; the CLI hands it over as a string.
  const simulatorSwitch = context('droneSimulator');
  const simulatorOff = simulatorSwitch === false || String(simulatorSwitch).toLowerCase() === 'false';
  const notificationFromAddress = optionalString(context('notificationFromAddress'));
  if (base.notificationSender === 'aws' && notificationFromAddress === undefined) {
    throw new Error(
      `Stage "${stage}" sends real notifications: pass -c notificationFromAddress=<SES identity>`,
    );
  }
  return {
    ...base,
    droneSimulator: base.droneSimulator && !simulatorOff,
    notificationFromAddress,
    alarmTopicArn: optionalString(context('alarmTopicArn')),
    alarmEmail: optionalString(context('alarmEmail')),
  };
}
