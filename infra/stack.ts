// The Drone Delivery stack, and the app around it (used by infra/app.ts and by the tests).
import { App, type AppProps, CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { InternalApi, PublicApi } from './constructs/http-apis.ts';
import { ServiceMonitoring } from './constructs/monitoring.ts';
import { StatefulResources } from './constructs/stateful.ts';
import { AccountsService } from './services/accounts.ts';
import { DeliveryService } from './services/delivery.ts';
import { DroneService } from './services/drone.ts';
import { HistoryService } from './services/history.ts';
import { NotificationsService } from './services/notifications.ts';
import { OpenApiService } from './services/openapi.ts';
import { PackageService } from './services/package.ts';
import { SchedulerService } from './services/scheduler.ts';
import type { ServiceProps } from './services/service-base.ts';
import { resolveStageConfig, type StageConfig } from './stage-config.ts';

export interface DroneDeliveryStackProps extends StackProps {
  readonly config: StageConfig;
}

/** Every resource of the system for one stage. */
export class DroneDeliveryStack extends Stack {
  readonly stateful: StatefulResources;
  readonly publicApi: PublicApi;
  readonly internalApi: InternalApi;
  readonly services: {
    readonly scheduler: SchedulerService;
    readonly accounts: AccountsService;
    readonly package: PackageService;
    readonly drone: DroneService;
    readonly delivery: DeliveryService;
    readonly history: HistoryService;
    readonly notifications: NotificationsService;
    readonly openapi: OpenApiService;
  };

  constructor(scope: Construct, id: string, props: DroneDeliveryStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.stateful = new StatefulResources(this, 'Stateful', config);

    // Template order matters to the local cloud, which serves APIs on ports in that order:
    // the public API first (3000), then the internal one.
    this.publicApi = new PublicApi(this, 'PublicApi', {
      name: `${this.stackName}-public`,
      logRetention: config.logRetention,
      removalPolicy: config.removalPolicy,
      throttle: config.throttle,
    });
    this.internalApi = new InternalApi(this, 'InternalApi', {
      name: `${this.stackName}-internal`,
      logRetention: config.logRetention,
      removalPolicy: config.removalPolicy,
      throttle: config.internalThrottle,
    });

    const alarmAction = this.alarmAction(config);
    const serviceProps: ServiceProps = {
      config,
      stateful: this.stateful,
      publicApi: this.publicApi,
      internalApi: this.internalApi,
      alarmAction,
    };
    // Services that own internal routes come before their callers, which are granted those routes.
    const accounts = new AccountsService(this, 'Accounts', serviceProps);
    const packages = new PackageService(this, 'Package', serviceProps);
    const drone = new DroneService(this, 'Drone', serviceProps);
    const delivery = new DeliveryService(this, 'Delivery', serviceProps);
    const scheduler = new SchedulerService(this, 'Scheduler', {
      ...serviceProps,
      downstreamRoutes: [
        ...accounts.schedulerRoutes,
        ...packages.schedulerRoutes,
        ...drone.schedulerRoutes,
        ...delivery.schedulerRoutes,
      ],
    });
    // Public reads of a delivery accepted but not created yet ask the Scheduler for its stored request.
    delivery.allowRequestLookup(scheduler.requestLookupRoute);
    const history = new HistoryService(this, 'History', serviceProps);
    history.allowRequestLookup(scheduler.requestLookupRoute);
    const notifications = new NotificationsService(this, 'Notifications', {
      ...serviceProps,
      subscriptionsRoute: delivery.subscriptionsRoute,
    });
    const openapi = new OpenApiService(this, 'OpenApi', serviceProps);
    this.services = {
      scheduler,
      accounts,
      package: packages,
      drone,
      delivery,
      history,
      notifications,
      openapi,
    };

    const platform = new ServiceMonitoring(this, 'PlatformMonitoring', {
      service: 'apis',
      dashboardName: `${this.stackName}-apis`,
      alarmAction,
    });
    platform.monitorHttpApi('PublicApi', this.publicApi.api, { serverErrorPercent: 1, p99LatencyMs: 3000 });
    platform.monitorHttpApi('InternalApi', this.internalApi.api, {
      serverErrorPercent: 1,
      p99LatencyMs: 2000,
    });

    this.publicApi.addOutputs(this);
    new CfnOutput(this, 'InternalApiUrl', {
      value: this.internalApi.url,
      description: 'Base URL of the internal API',
    });
    new CfnOutput(this, 'EventBusName', { value: this.stateful.bus.eventBusName });
  }

  private alarmAction(config: StageConfig): IAlarmAction | undefined {
    if (config.alarmTopicArn !== undefined) {
      return new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', config.alarmTopicArn));
    }
    if (config.alarmEmail !== undefined) {
      const topic = new Topic(this, 'AlarmTopic', {
        enforceSSL: true,
        displayName: `${this.stackName} alarms`,
      });
      topic.addSubscription(new EmailSubscription(config.alarmEmail));
      return new SnsAction(topic);
    }
    return undefined;
  }
}

export interface CreateAppOptions {
  /** Context values, as `-c key=value` would give them (`stage`, `droneSimulator`, ...). */
  readonly context?: Record<string, unknown>;
  readonly outdir?: string;
  /** Skip esbuild bundling (assertion tests only: the template is the same, the code is a stub). */
  readonly skipBundling?: boolean;
}

/** Builds the CDK app: the stage's stack, cdk-nag's AwsSolutions checks and CDK's template validation. */
export function createApp(options: CreateAppOptions = {}): { app: App; stack: DroneDeliveryStack } {
  const appProps: AppProps = {
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
    context: {
      // CDK's built-in CloudFormation validation fails the synth on findings instead of warning.
      '@aws-cdk/core:validateAgainstDefaultRules': true,
      ...options.context,
    },
    // After the CLI's context, whose own `aws:cdk:bundling-stacks` (every stack) would otherwise win;
    // and never written out at exit as the CLI's assembly, whose code it lacks.
    ...(options.skipBundling === true
      ? { postCliContext: { 'aws:cdk:bundling-stacks': [] }, autoSynth: false }
      : {}),
    builtinCloudFormationValidation: true,
  };
  const app = new App(appProps);
  const config = resolveStageConfig((key) => app.node.tryGetContext(key));
  const stack = new DroneDeliveryStack(app, `DroneDelivery-${config.stage}`, {
    config,
    description: `Drone delivery backend (${config.stage})`,
    // Environment-agnostic unless the CLI knows the account: synth works offline, without credentials.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    tags: { application: 'drone-delivery', stage: config.stage },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
