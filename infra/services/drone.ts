// Drone Management: books drones in time for deliveries and releases them, ingests telemetry and
// turns it into drone events (through an outbox on the drone item, swept every minute); in dev
// stages a simulator flies the booked drones at their departure time and the fleet is seeded.
import { Duration } from 'aws-cdk-lib';
import { HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Trigger } from 'aws-cdk-lib/triggers';
import type { Construct } from 'constructs';
import { createTargetDeadLetterQueue } from '../constructs/queues.ts';
import { bindBus, bindInternalApi, bindTable, type ServiceFunction } from '../constructs/service-function.ts';
import { DRONE_DISPATCH_INDEX, OUTBOX_INDEX } from '../constructs/stateful.ts';
import { ServiceConstruct, type ServiceProps } from './service-base.ts';

/** The Drone Management service. */
export class DroneService extends ServiceConstruct {
  /** `PUT|DELETE /drones/assignments/{deliveryId}`: the scheduler's routes. */
  readonly schedulerRoutes: readonly HttpRoute[];
  /** `POST /drones/{droneId}/telemetry`: the drones' (and the simulator's) route. */
  readonly telemetryRoute: HttpRoute;
  /** Publishes the drone events a telemetry call stored but did not publish, every minute. */
  readonly outboxSweeper: ServiceFunction;
  /** Flies the booked drones at their departure time (dev stages with the simulator on). */
  readonly simulator: ServiceFunction | undefined;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id, 'drone', props);
    const { config, stateful, internalApi } = props;
    const table = stateful.tables.drone;
    // In dev stages the simulator flies the drones `simulatorSpeedFactor` times faster than their
    // nominal speed: bookings (and the seeded drones' charging) are sized to the flights that happen.
    const flightTimeScale = String(config.isDev && config.droneSimulator ? config.simulatorSpeedFactor : 1);

    const assignDrone = this.createFunction('AssignDrone', {
      entry: 'functions/drone/assign-drone.ts',
      description: 'Drone: book a drone for a delivery (internal API)',
      environment: { FLIGHT_TIME_SCALE: flightTimeScale },
    });
    // Candidates near the pickup come from the dispatch index, their bookings from a Query of their
    // partition: no Scan of the fleet.
    bindTable(assignDrone, table, { indexes: [DRONE_DISPATCH_INDEX] });
    const releaseDrone = this.createFunction('ReleaseDrone', {
      entry: 'functions/drone/release-drone.ts',
      description: 'Drone: release the drone of a delivery (internal API)',
    });
    bindTable(releaseDrone, table);
    const ingestTelemetry = this.createFunction('IngestTelemetry', {
      entry: 'functions/drone/ingest-telemetry.ts',
      description: 'Drone: ingest telemetry and emit drone events (internal API)',
    });
    bindTable(ingestTelemetry, table);
    bindBus(ingestTelemetry, stateful.bus);

    this.schedulerRoutes = [
      internalApi.addRoute(
        this,
        'AssignDroneRoute',
        HttpMethod.PUT,
        '/drones/assignments/{deliveryId}',
        assignDrone,
      ),
      internalApi.addRoute(
        this,
        'ReleaseDroneRoute',
        HttpMethod.DELETE,
        '/drones/assignments/{deliveryId}',
        releaseDrone,
      ),
    ];
    this.telemetryRoute = internalApi.addRoute(
      this,
      'IngestTelemetryRoute',
      HttpMethod.POST,
      '/drones/{droneId}/telemetry',
      ingestTelemetry,
    );

    this.outboxSweeper = this.addOutboxSweeper(props, ingestTelemetry);

    if (config.isDev && config.droneSimulator) {
      this.simulator = this.addSimulator(props);
    }
    if (config.seedDemoData) {
      const seed = this.createFunction('SeedFleet', {
        entry: 'functions/drone/seed-fleet.ts',
        description: 'Drone: seed the drone fleet (runs once per deployment, dev stages)',
        timeout: Duration.minutes(1),
        environment: { FLIGHT_TIME_SCALE: flightTimeScale },
      });
      bindTable(seed, table);
      new Trigger(this, 'SeedFleetTrigger', {
        handler: seed,
        executeAfter: [table],
        timeout: Duration.minutes(2),
      });
    }
  }

  /**
   * The drone outbox sweeper (functions/drone/core/outbox-sweeper.ts). Its grace period is three
   * times the telemetry function's timeout, so it never takes a batch whose writer may still publish it.
   */
  private addOutboxSweeper(props: ServiceProps, writer: ServiceFunction): ServiceFunction {
    const sweeper = this.createFunction('SweepOutboxes', {
      entry: 'functions/drone/sweep-outboxes.ts',
      description: 'Drone: publish the drone events that failed telemetry calls left behind (every minute)',
      // Shorter than the schedule's period, so two runs rarely overlap (when they do, consumers see
      // the same eventIds twice and keep one).
      timeout: Duration.seconds(50),
      environment: { OUTBOX_GRACE_SECONDS: String(3 * (writer.timeout?.toSeconds() ?? 10)) },
    });
    // Item reads and the clearing update on the table, Query on the outbox index only: no Scan.
    bindTable(sweeper, props.stateful.tables.drone, { indexes: [OUTBOX_INDEX] });
    bindBus(sweeper, props.stateful.bus);
    // A failed run is not retried: the next minute's run takes what it left.
    sweeper.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });
    const deadLetterQueue = createTargetDeadLetterQueue(
      this,
      'OutboxSweepScheduleDeadLetterQueue',
      'drone-outbox-sweep-schedule-dlq',
      props.config.removalPolicy,
    );
    new Rule(this, 'OutboxSweepSchedule', {
      description: 'Runs the Drone outbox sweeper every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [
        new LambdaFunction(sweeper, { deadLetterQueue, retryAttempts: 2, maxEventAge: Duration.minutes(1) }),
      ],
    });
    this.monitoring.monitorDeadLetterQueue('OutboxSweepScheduleDlq', deadLetterQueue);
    return sweeper;
  }

  private addSimulator(props: ServiceProps): ServiceFunction {
    const simulator = this.createFunction('Simulator', {
      entry: 'functions/drone/simulator.ts',
      description:
        'Drone: fly the booked drones at their departure time and post their telemetry (dev stages)',
      // It loops until 5 s before its timeout; 58 s keeps one run from overlapping the next
      // minute's run (two runs would fly the same drones twice) without reserving concurrency.
      timeout: Duration.seconds(58),
      // It runs all day in dev stages; a small size keeps that near 8 USD a month.
      memorySize: 256,
      environment: {
        SIMULATOR_SPEED_FACTOR: String(props.config.simulatorSpeedFactor),
        SIMULATOR_TICK_MS: String(props.config.simulatorTickMs),
      },
    });
    // It finds due departures and drones in flight in the dispatch index (no Scan), reads each drone,
    // and reports like a real drone would.
    bindTable(simulator, props.stateful.tables.drone, { access: 'read', indexes: [DRONE_DISPATCH_INDEX] });
    bindInternalApi(simulator, props.internalApi, [this.telemetryRoute]);
    // A failed run is not retried: the next minute's run continues the flights.
    simulator.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });

    const deadLetterQueue = createTargetDeadLetterQueue(
      this,
      'SimulatorScheduleDeadLetterQueue',
      'drone-simulator-schedule-dlq',
      props.config.removalPolicy,
    );
    new Rule(this, 'SimulatorSchedule', {
      description: 'Runs the drone simulator every minute (dev stages)',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [
        new LambdaFunction(simulator, {
          deadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });
    this.monitoring.monitorDeadLetterQueue('SimulatorScheduleDlq', deadLetterQueue);
    return simulator;
  }
}
