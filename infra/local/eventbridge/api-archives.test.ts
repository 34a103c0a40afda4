// The archive and replay operations of the API: describing and listing, StartReplay and its refusals.
import { describe, expect, it } from 'vitest';
import { admin, archiveArn, useApiBridges } from './test-support/api.ts';
import { BUS_ARN, DEFAULT_BUS_ARN, entry } from './test-support/fixtures.ts';

const setup = useApiBridges();

describe('archives and replays', () => {
  it('describes an archive with its event count', async () => {
    // Prepare
    const { bridge } = setup();
    await bridge.putEvents([entry(), entry()]);
    // Act
    const response = await bridge.handle('DescribeArchive', { ArchiveName: 'orders-archive' }, admin);
    // Assess
    expect(response.body).toMatchObject({
      ArchiveArn: archiveArn,
      ArchiveName: 'orders-archive',
      EventSourceArn: BUS_ARN,
      State: 'ENABLED',
      RetentionDays: 7,
      EventCount: 2,
      SizeBytes: expect.any(Number),
      CreationTime: expect.any(Number),
    });
  });

  it('lists archives by event source', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('ListArchives', { EventSourceArn: DEFAULT_BUS_ARN }, admin);
    // Assess
    expect(response.body).toEqual({ Archives: [] });
  });

  it('answers StartReplay with the replay ARN and state STARTING', async () => {
    // Prepare
    const { bridge } = setup();
    const params = {
      ReplayName: 'r1',
      EventSourceArn: archiveArn,
      EventStartTime: 0,
      EventEndTime: Date.now() / 1000,
      Destination: { Arn: BUS_ARN },
    };
    // Act
    const response = await bridge.handle('StartReplay', params, admin);
    // Assess
    expect(response.body).toEqual({
      ReplayArn: 'arn:aws:events:us-east-1:000000000000:replay/r1',
      State: 'STARTING',
      ReplayStartTime: expect.any(Number),
    });
  });

  it('lists replays with their state', async () => {
    // Prepare
    const { bridge } = setup();
    await bridge.handle(
      'StartReplay',
      {
        ReplayName: 'r1',
        EventSourceArn: archiveArn,
        EventStartTime: 0,
        EventEndTime: 10,
        Destination: { Arn: BUS_ARN },
      },
      admin,
    );
    await bridge.settled();
    // Act
    const response = await bridge.handle('ListReplays', {}, admin);
    // Assess
    expect(response.body).toEqual({
      Replays: [
        expect.objectContaining({ ReplayName: 'r1', EventSourceArn: archiveArn, State: 'COMPLETED' }),
      ],
    });
  });

  it.each([
    [
      'a replay to another bus',
      {
        ReplayName: 'x',
        EventSourceArn: archiveArn,
        EventStartTime: 0,
        EventEndTime: 10,
        Destination: { Arn: DEFAULT_BUS_ARN },
      },
      'ValidationException',
    ],
    [
      'a start after the end',
      {
        ReplayName: 'x',
        EventSourceArn: archiveArn,
        EventStartTime: 10,
        EventEndTime: 0,
        Destination: { Arn: BUS_ARN },
      },
      'ValidationException',
    ],
    [
      'an unknown archive',
      {
        ReplayName: 'x',
        EventSourceArn: `${archiveArn}-nope`,
        EventStartTime: 0,
        EventEndTime: 10,
        Destination: { Arn: BUS_ARN },
      },
      'ResourceNotFoundException',
    ],
  ])('refuses %s', async (_name, params, type) => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('StartReplay', params, admin);
    // Assess
    expect(response).toMatchObject({ status: 400, body: { __type: type } });
  });

  it('refuses a second replay with the same name', async () => {
    // Prepare
    const { bridge } = setup();
    const params = {
      ReplayName: 'dup',
      EventSourceArn: archiveArn,
      EventStartTime: 0,
      EventEndTime: 10,
      Destination: { Arn: BUS_ARN },
    };
    await bridge.handle('StartReplay', params, admin);
    // Act
    const response = await bridge.handle('StartReplay', params, admin);
    // Assess
    expect(response.body).toMatchObject({ __type: 'ResourceAlreadyExistsException' });
  });

  it('answers ResourceNotFoundException for an unknown replay', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('DescribeReplay', { ReplayName: 'nope' }, admin);
    // Assess
    expect(response.body).toMatchObject({ __type: 'ResourceNotFoundException' });
  });
});
