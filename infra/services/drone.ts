// Drone Management: assigns and releases drones, ingests telemetry and turns it into drone
// events; in dev stages a simulator flies the assigned drones and the fleet is seeded.
import { Duration } from 'aws-cdk-lib';
import { HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Trigger } from 'aws-cdk-lib/triggers';
import type { Construct } from 'constructs';
import { createTargetDeadLetterQueue } from '../constructs/queues.ts';
import { bindBus, bindInternalApi, bindTable } from '../constructs/service-function.ts';
import { ServiceConstruct, type ServiceProps } from './service-base.ts';

/** The Drone Management service. */
export class DroneService extends ServiceConstruct {
  /** `PUT|DELETE /drones/assignments/{deliveryId}`: the scheduler's routes. */
  readonly schedulerRoutes: readonly HttpRoute[];
  /** `POST /drones/{droneId}/telemetry`: the drones' (and the simulator's) route. */
  readonly telemetryRoute: HttpRoute;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id, 'drone', props);
    const { config, stateful, internalApi } = props;
    const table = stateful.tables.drone;

    const assignDrone = this.createFunction('AssignDrone', {
      entry: 'functions/drone/assign-drone.ts',
      description: 'Drone: assign a drone to a delivery (internal API)',
    });
    // Picking the nearest capable drone reads the whole (small) fleet.
    bindTable(assignDrone, table, { scan: true });
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

    if (config.isDev && config.droneSimulator) {
      this.addSimulator(props);
    }
    if (config.seedDemoData) {
      const seed = this.createFunction('SeedFleet', {
        entry: 'functions/drone/seed-fleet.ts',
        description: 'Drone: seed the drone fleet (runs once per deployment, dev stages)',
        timeout: Duration.minutes(1),
      });
      bindTable(seed, table);
      new Trigger(this, 'SeedFleetTrigger', {
        handler: seed,
        executeAfter: [table],
        timeout: Duration.minutes(2),
      });
    }
  }

  private addSimulator(props: ServiceProps): void {
    const simulator = this.createFunction('Simulator', {
      entry: 'functions/drone/simulator.ts',
      description: 'Drone: fly the assigned drones and post their telemetry (dev stages)',
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
    // It reads where the assigned drones are headed and reports like a real drone would.
    bindTable(simulator, props.stateful.tables.drone, { access: 'read', scan: true });
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
  }
}
