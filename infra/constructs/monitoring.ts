// Alarms and one dashboard per service. Every dead-letter queue alarms on its first message,
// because a message there is a delivery request or an event that nobody processed.
import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarmAction,
  type IWidget,
  MathExpression,
  type Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

const PERIOD = Duration.minutes(5);

export interface ServiceMonitoringProps {
  readonly service: string;
  /** The dashboard name, unique in the account and region. */
  readonly dashboardName: string;
  readonly alarmAction?: IAlarmAction | undefined;
}

/** Collects a service's alarms and widgets into its dashboard. */
export class ServiceMonitoring extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  private readonly alarmAction: IAlarmAction | undefined;
  private readonly service: string;

  constructor(scope: Construct, id: string, props: ServiceMonitoringProps) {
    super(scope, id);
    this.service = props.service;
    this.alarmAction = props.alarmAction;
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });
    this.dashboard.addWidgets(new TextWidget({ markdown: `# ${props.service}`, width: 24, height: 1 }));
  }

  /** Alarms on the function's errors and throttles and charts invocations, errors and duration. */
  monitorFunction(id: string, fn: IFunction): void {
    this.alarm(`${id}Errors`, fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), {
      threshold: 1,
      description: `${this.service}: ${id} reported errors`,
    });
    this.alarm(`${id}Throttles`, fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }), {
      threshold: 1,
      description: `${this.service}: ${id} was throttled`,
    });
    this.widgets(
      new GraphWidget({
        title: `${id}: invocations and errors`,
        left: [fn.metricInvocations({ period: PERIOD }), fn.metricErrors({ period: PERIOD })],
        right: [fn.metricThrottles({ period: PERIOD })],
        width: 12,
      }),
      new GraphWidget({
        title: `${id}: duration`,
        left: [
          fn.metricDuration({ period: PERIOD, statistic: 'p50' }),
          fn.metricDuration({ period: PERIOD, statistic: 'p99' }),
        ],
        width: 12,
      }),
    );
  }

  /** Alarms when the oldest message of a work queue waits longer than it should. */
  monitorQueue(id: string, queue: IQueue, maxAge: Duration): void {
    this.alarm(
      `${id}OldestMessage`,
      queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
      {
        threshold: maxAge.toSeconds(),
        description: `${this.service}: ${id} has a message older than ${maxAge}`,
      },
    );
    this.widgets(
      new GraphWidget({
        title: `${id}: depth and age of oldest message`,
        left: [queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' })],
        right: [queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' })],
        width: 12,
      }),
    );
  }

  /** Alarms as soon as a dead-letter queue holds a message, and on the age of its oldest one. */
  monitorDeadLetterQueue(id: string, queue: IQueue): void {
    this.alarm(
      `${id}Depth`,
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      { threshold: 1, description: `${this.service}: ${id} holds messages nobody processed` },
    );
    this.widgets(
      new GraphWidget({
        title: `${id}: dead letters`,
        left: [queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' })],
        right: [queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' })],
        width: 12,
      }),
    );
  }

  /** Alarms on an HTTP API's 5xx rate (percent of requests) and p99 latency. */
  monitorHttpApi(
    id: string,
    api: HttpApi,
    limits: { serverErrorPercent: number; p99LatencyMs: number },
  ): void {
    const serverErrorRate = new MathExpression({
      expression: '100 * errors / IF(requests > 0, requests, 1)',
      usingMetrics: {
        errors: api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
        requests: api.metricCount({ period: PERIOD, statistic: 'Sum' }),
      },
      label: `${id} 5xx %`,
      period: PERIOD,
    });
    this.alarm(`${id}ServerErrorRate`, serverErrorRate, {
      threshold: limits.serverErrorPercent,
      description: `${id}: more than ${limits.serverErrorPercent}% of requests failed with 5xx`,
    });
    const p99 = api.metricLatency({ period: PERIOD, statistic: 'p99' });
    this.alarm(`${id}LatencyP99`, p99, {
      threshold: limits.p99LatencyMs,
      evaluationPeriods: 3,
      description: `${id}: p99 latency above ${limits.p99LatencyMs} ms`,
    });
    this.widgets(
      new GraphWidget({
        title: `${id}: requests and errors`,
        left: [api.metricCount({ period: PERIOD, statistic: 'Sum' })],
        right: [
          api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
          api.metricClientError({ period: PERIOD, statistic: 'Sum' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: `${id}: latency`,
        left: [api.metricLatency({ period: PERIOD, statistic: 'p50' }), p99],
        width: 12,
      }),
    );
  }

  private alarm(
    id: string,
    metric: Metric | MathExpression,
    options: { threshold: number; description: string; evaluationPeriods?: number },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means no traffic (or an empty queue), which is healthy.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    if (this.alarmAction !== undefined) {
      alarm.addAlarmAction(this.alarmAction);
      alarm.addOkAction(this.alarmAction);
    }
    this.alarms.push(alarm);
    return alarm;
  }

  private widgets(...widgets: IWidget[]): void {
    this.dashboard.addWidgets(...widgets);
  }
}
