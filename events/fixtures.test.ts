import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FixtureError, listFixtures, loadFixture, toPutEventsEntry } from './fixtures.ts';

const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));
const invalidFixture = `${fixturesDir}invalid/missing-delivery-id.json`;

describe('loadFixture', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fixtures-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns a file holding one envelope as a list of one', () => {
    const file = `${fixturesDir}DeliveryCreated.json`;

    const events = loadFixture(file);

    expect(events.map((e) => e['detail-type'])).toEqual(['DeliveryCreated']);
  });

  it('returns the envelopes of an array in file order', () => {
    const file = `${fixturesDir}scenarios/delivery-completed.json`;

    const events = loadFixture(file);

    expect(events[0]?.['detail-type']).toBe('DeliveryCreated');
    expect(events.at(-1)?.detail).toMatchObject({ status: 'Idle' });
  });

  it('refuses the malformed fixture naming the file, the index and the missing field', () => {
    const load = () => loadFixture(invalidFixture);

    expect(load).toThrow(FixtureError);
    expect(load).toThrow(
      expect.objectContaining({ file: invalidFixture, index: 0, issuePath: 'detail.deliveryId' }),
    );
    expect(load).toThrow(/missing-delivery-id\.json \[0\] at detail\.deliveryId: /);
  });

  it('names the index of the bad envelope inside an array', () => {
    const [good] = loadFixture(`${fixturesDir}DeliveryCancelled.json`);
    const file = join(dir, 'mixed.json');
    writeFileSync(file, JSON.stringify([good, good, { ...good, time: 'yesterday' }]));

    const load = () => loadFixture(file);

    expect(load).toThrow(expect.objectContaining({ index: 2, issuePath: 'time' }));
  });

  it('names the envelope itself when an array entry is not an object', () => {
    const file = join(dir, 'scalar.json');
    writeFileSync(file, '[42]');

    const load = () => loadFixture(file);

    expect(load).toThrow(expect.objectContaining({ index: 0, issuePath: '(envelope)' }));
  });

  it('refuses a file that is not JSON, naming it', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "version": ');

    const load = () => loadFixture(file);

    expect(load).toThrow(expect.objectContaining({ name: 'FixtureError', file, index: undefined }));
  });

  it('refuses a file that does not exist, naming it', () => {
    const file = join(dir, 'absent.json');

    const load = () => loadFixture(file);

    expect(load).toThrow(/absent\.json: cannot read fixture/);
  });
});

describe('listFixtures', () => {
  it('loads the JSON files directly inside a folder, sorted, ignoring subfolders', () => {
    const fixtures = listFixtures(fixturesDir);

    const names = fixtures.map(({ file }) => file.slice(fixturesDir.length));

    expect(names).toEqual(names.toSorted());
    expect(names.every((name) => !name.includes('/'))).toBe(true);
    expect(names).not.toContain('missing-delivery-id.json');
  });

  it('refuses a folder holding a malformed fixture', () => {
    const list = () => listFixtures(`${fixturesDir}invalid`);

    expect(list).toThrow(FixtureError);
  });
});

describe('toPutEventsEntry', () => {
  it('keeps the source, detail-type, detail, time and resources of the envelope', () => {
    const [envelope] = loadFixture(`${fixturesDir}DroneStatusChanged.json`);
    if (envelope === undefined) throw new Error('empty fixture');

    const entry = toPutEventsEntry(envelope, 'drone-delivery-bus');

    expect(entry).toEqual({
      EventBusName: 'drone-delivery-bus',
      Source: 'drone-delivery.drones',
      DetailType: 'DroneStatusChanged',
      Detail: JSON.stringify(envelope.detail),
      Time: new Date(envelope.time),
      Resources: envelope.resources,
    });
  });
});
