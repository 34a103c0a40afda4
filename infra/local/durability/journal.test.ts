import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../log.ts';
import { type Journal, JournalFileError, type JournalOptions, openJournal } from './journal.ts';

const opened: Journal[] = [];

function journalAt(base: string, options: Partial<JournalOptions> = {}): Journal {
  const journal = openJournal({ path: base, describes: 'test entries', log: silentLogger, ...options });
  opened.push(journal);
  return journal;
}

function freshBase(): string {
  return join(mkdtempSync(join(tmpdir(), 'journal-test-')), 'entries');
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((journal) => journal.close()));
});

describe('a journal on disk', () => {
  it('starts empty when nothing was saved', () => {
    // Prepare
    const base = freshBase();
    // Act
    const journal = journalAt(base);
    // Assess
    expect(journal.durable).toBe(true);
    expect([...journal.restored]).toEqual([]);
  });

  it('gives the next run every value set and not deleted, in the order of last change', async () => {
    // Prepare
    const base = freshBase();
    const first = journalAt(base);
    first.set('a', { n: 1 });
    first.set('b', { n: 2 });
    first.set('c', { n: 3 });
    first.delete('b');
    first.set('a', { n: 4 });
    // Act
    await first.commit();
    const second = journalAt(base);
    // Assess
    expect([...second.restored]).toEqual([
      ['c', { n: 3 }],
      ['a', { n: 4 }],
    ]);
  });

  it('has a committed change on disk without being closed, as after kill -9', async () => {
    // Prepare
    const base = freshBase();
    const crashed = openJournal({ path: base, describes: 'test entries', log: silentLogger });
    crashed.set('accepted', 'yes');
    // Act
    await crashed.commit();
    const restarted = journalAt(base);
    // Assess
    expect(restarted.restored.get('accepted')).toBe('yes');
    await crashed.close();
  });

  it('makes the commits of one tick share a write', () => {
    // Prepare
    const journal = journalAt(freshBase());
    // Act
    const commits = ['a', 'b', 'c'].map((key) => {
      journal.set(key, key);
      return journal.commit();
    });
    // Assess
    expect(new Set(commits).size).toBe(1);
  });

  it('makes a commit that comes during a write wait for the next write, which holds its change', async () => {
    // Prepare
    const base = freshBase();
    const journal = journalAt(base);
    journal.set('first', 1);
    const firstCommit = journal.commit();
    await new Promise((resolve) => setImmediate(resolve));
    // Act
    journal.set('second', 2);
    const secondCommit = journal.commit();
    await secondCommit;
    // Assess
    expect(secondCommit).not.toBe(firstCommit);
    expect(journalAt(base).restored.get('second')).toBe(2);
  });

  it('resolves a commit at once when nothing is waiting to be written', async () => {
    // Prepare
    const journal = journalAt(freshBase());
    journal.set('a', 1);
    await journal.commit();
    // Act
    const again = journal.commit();
    // Assess
    await expect(again).resolves.toBeUndefined();
  });

  it('writes a change nobody commits within the lazy delay', async () => {
    // Prepare
    const base = freshBase();
    const journal = journalAt(base, { lazyDelayMs: 10 });
    // Act
    journal.set('lazy', true);
    // Assess
    await vi.waitFor(() => {
      const logs = readdirSync(join(base, '..')).filter((file) => file.endsWith('.log'));
      expect(logs.map((file) => readFileSync(join(base, '..', file), 'utf8')).join('')).toContain('"lazy"');
    });
  });

  it('writes what is still owed when closed', async () => {
    // Prepare
    const base = freshBase();
    const journal = openJournal({
      path: base,
      describes: 'test entries',
      log: silentLogger,
      lazyDelayMs: 60_000,
    });
    journal.set('late', 1);
    // Act
    await journal.close();
    // Assess
    expect(journalAt(base).restored.get('late')).toBe(1);
  });

  it('forgets an entry whose expiry passed before the next start', async () => {
    // Prepare
    const base = freshBase();
    const first = journalAt(base, { now: () => 1_000 });
    first.set('window', 'open', 2_000);
    first.set('forever', 'kept');
    await first.commit();
    // Act
    const beforeExpiry = journalAt(base, { now: () => 1_500 });
    const afterExpiry = journalAt(base, { now: () => 2_000 });
    // Assess
    expect(beforeExpiry.restored.get('window')).toBe('open');
    expect([...afterExpiry.restored.keys()]).toEqual(['forever']);
  });

  it('keeps every change across rewrites of the snapshot, and one log after them', async () => {
    // Prepare
    const base = freshBase();
    const journal = openJournal({
      path: base,
      describes: 'test entries',
      log: silentLogger,
      compactAfterBytes: 200,
    });
    // Act
    for (let round = 0; round < 20; round++) {
      journal.set(`key-${round % 5}`, { round, padding: 'x'.repeat(50) });
      if (round === 18) journal.delete('key-0');
      await journal.commit();
    }
    await journal.close();
    const rewrittenAt = JSON.parse(readFileSync(`${base}.json`, 'utf8')).generation;
    const logs = readdirSync(join(base, '..')).filter((file) => file.endsWith('.log'));
    const restarted = journalAt(base);
    // Assess
    const rounds = [...restarted.restored].map(([key, value]) => [key, (value as { round: number }).round]);
    expect(Object.fromEntries(rounds)).toEqual({ 'key-1': 16, 'key-2': 17, 'key-3': 18, 'key-4': 19 });
    expect(rewrittenAt).toBeGreaterThan(2);
    expect(logs).toEqual([`entries.${rewrittenAt}.log`]);
  });
});

describe('reading what a crash left', () => {
  it('replays the logs that follow the snapshot, including one a rewrite had not yet removed', () => {
    // Prepare
    const base = freshBase();
    writeFileSync(
      `${base}.json`,
      JSON.stringify({ format: 1, generation: 2, entries: { a: 1, b: 1 }, expires: {} }),
    );
    writeFileSync(`${base}.1.log`, '["s","stale",1]\n');
    writeFileSync(`${base}.2.log`, '["s","a",2]\n["d","b"]\n');
    writeFileSync(`${base}.3.log`, '["s","c",3]\n');
    // Act
    const journal = journalAt(base);
    // Assess
    expect(Object.fromEntries(journal.restored)).toEqual({ a: 2, c: 3 });
    expect(existsSync(`${base}.1.log`)).toBe(false);
  });

  it('ignores a last line cut short, which no caller was told was saved', () => {
    // Prepare
    const base = freshBase();
    writeFileSync(`${base}.1.log`, '["s","whole",1]\n["s","cut",');
    // Act
    const journal = journalAt(base);
    // Assess
    expect(Object.fromEntries(journal.restored)).toEqual({ whole: 1 });
  });

  it('appends after a cut line without mixing them up', async () => {
    // Prepare
    const base = freshBase();
    writeFileSync(`${base}.1.log`, '["s","whole",1]\n["s","cut",');
    const journal = journalAt(base);
    // Act
    journal.set('next', 2);
    await journal.commit();
    // Assess
    expect(Object.fromEntries(journalAt(base).restored)).toEqual({ whole: 1, next: 2 });
  });

  it('removes a temporary snapshot left by a write cut short', () => {
    // Prepare
    const base = freshBase();
    writeFileSync(`${base}.json.4242.tmp`, '{"format":1,"gener');
    // Act
    journalAt(base);
    // Assess
    expect(existsSync(`${base}.json.4242.tmp`)).toBe(false);
  });

  it('refuses a snapshot that is not JSON, naming the file and how to start without it', () => {
    // Prepare
    const base = freshBase();
    writeFileSync(`${base}.json`, 'not json');
    // Act
    const open = () => journalAt(base);
    // Assess
    expect(open).toThrow(JournalFileError);
    expect(open).toThrow(`${base}.json holds test entries but cannot be read`);
    expect(open).toThrow('delete it');
  });

  it('refuses a log with a damaged line before its end', () => {
    // Prepare
    const base = freshBase();
    writeFileSync(`${base}.1.log`, '["s","a",1]\n{oops\n["s","b",2]\n');
    // Act
    const open = () => journalAt(base);
    // Assess
    expect(open).toThrow(/entries\.1\.log holds test entries but cannot be read \(line 2/);
  });

  it('refuses a snapshot of another format', () => {
    // Prepare
    const base = freshBase();
    writeFileSync(`${base}.json`, JSON.stringify({ format: 99, generation: 1, entries: {} }));
    // Act
    const open = () => journalAt(base);
    // Assess
    expect(open).toThrow('not a format 1 snapshot');
  });
});

describe('a journal without a path', () => {
  it('keeps nothing and commits at once', async () => {
    // Prepare
    const journal = openJournal({ describes: 'test entries', log: silentLogger });
    // Act
    journal.set('a', 1);
    // Assess
    await expect(journal.commit()).resolves.toBeUndefined();
    expect(journal.durable).toBe(false);
    expect(journal.restored.size).toBe(0);
  });
});
