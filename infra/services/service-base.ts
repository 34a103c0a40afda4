// What every service construct shares: the stage, the APIs, the stateful resources, and a
// helper that builds a function with the defaults and puts it on the service's dashboard.
import { Duration, Stack } from 'aws-cdk-lib';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { InternalApi, PublicApi } from '../constructs/http-apis.ts';
import { ServiceMonitoring } from '../constructs/monitoring.ts';
import type { WorkQueue } from '../constructs/queues.ts';
import {
  type FunctionDefaults,
  ServiceFunction,
  type ServiceFunctionProps,
} from '../constructs/service-function.ts';
import type { StatefulResources } from '../constructs/stateful.ts';
import type { StageConfig } from '../stage-config.ts';

export interface ServiceProps {
  readonly config: StageConfig;
  readonly stateful: StatefulResources;
  readonly publicApi: PublicApi;
  readonly internalApi: InternalApi;
  readonly alarmAction?: IAlarmAction | undefined;
}

/** Base of the per-service constructs. */
export abstract class ServiceConstruct extends Construct {
  readonly monitoring: ServiceMonitoring;
  readonly functions: ServiceFunction[] = [];
  protected readonly props: ServiceProps;
  protected readonly defaults: FunctionDefaults;
  protected readonly service: string;

  constructor(scope: Construct, id: string, service: string, props: ServiceProps) {
    super(scope, id);
    this.props = props;
    this.service = service;
    this.defaults = {
      logLevel: props.config.logLevel,
      logRetention: props.config.logRetention,
      removalPolicy: props.config.removalPolicy,
    };
    this.monitoring = new ServiceMonitoring(this, 'Monitoring', {
      service,
      dashboardName: `${Stack.of(this).stackName}-${service}`,
      alarmAction: props.alarmAction,
    });
  }

  /** A function of this service, with alarms on its errors and throttles. */
  protected createFunction(
    id: string,
    props: Omit<ServiceFunctionProps, 'service' | 'defaults'> & { monitored?: boolean },
  ): ServiceFunction {
    const fn = new ServiceFunction(this, id, { ...props, service: this.service, defaults: this.defaults });
    if (props.monitored ?? true) {
      this.monitoring.monitorFunction(id, fn);
    }
    this.functions.push(fn);
    return fn;
  }

  /** Puts a work queue and its dead-letter queue under alarm. */
  protected monitorWorkQueue(id: string, queue: WorkQueue, maxAge: Duration = Duration.minutes(15)): void {
    this.monitoring.monitorQueue(id, queue.queue, maxAge);
    this.monitoring.monitorDeadLetterQueue(`${id}Dlq`, queue.deadLetterQueue);
  }
}
