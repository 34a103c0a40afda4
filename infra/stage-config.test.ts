import { RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { resolveStageConfig } from './stage-config.ts';

function reader(context: Record<string, unknown>): (key: string) => unknown {
  return (key) => context[key];
}

describe('resolveStageConfig', () => {
  it('defaults to the dev stage with the simulator, seeding and the recording sender', () => {
    const config = resolveStageConfig(reader({}));

    expect(config).toMatchObject({
      stage: 'dev',
      droneSimulator: true,
      seedDemoData: true,
      notificationSender: 'recording',
      removalPolicy: RemovalPolicy.DESTROY,
    });
  });

  it('switches the simulator off when the CLI passes droneSimulator=false as a string', () => {
    const config = resolveStageConfig(reader({ stage: 'dev', droneSimulator: 'false' }));

    expect(config.droneSimulator).toBe(false);
  });

  it('keeps prod data: retain, deletion protection and PITR, real notifications', () => {
    const config = resolveStageConfig(
      reader({ stage: 'prod', notificationFromAddress: 'noreply@example.com' }),
    );

    expect(config).toMatchObject({
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
      pointInTimeRecovery: true,
      droneSimulator: false,
      seedDemoData: false,
      notificationSender: 'aws',
      notificationFromAddress: 'noreply@example.com',
    });
  });

  it('refuses prod without a sender address', () => {
    const resolve = () => resolveStageConfig(reader({ stage: 'prod' }));

    expect(resolve).toThrow(/notificationFromAddress/);
  });

  it('refuses an unknown stage', () => {
    const resolve = () => resolveStageConfig(reader({ stage: 'staging' }));

    expect(resolve).toThrow(/Unknown stage "staging"/);
  });
});
