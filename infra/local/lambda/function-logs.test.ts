import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { coalesce, createFunctionLog } from './function-logs.ts';

/** A stream that records each write it is handed. */
function recordingStream() {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk.toString());
      callback();
    },
  });
  return { stream, writes };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesce', () => {
  it('hands the writes of one event-loop turn to the stream as one write, in order', async () => {
    const { stream, writes } = recordingStream();
    const output = coalesce(stream);

    output.write('a\n');
    output.write('b\n');
    output.write('c\n');
    expect(writes).toEqual([]);
    await nextTurn();
    output.write('d\n');
    await nextTurn();

    expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('hands what is pending over at once on flush, and nothing twice', async () => {
    const { stream, writes } = recordingStream();
    const output = coalesce(stream);

    output.write('a\n');
    output.flush();
    const atOnce = [...writes];
    await nextTurn();

    expect(atOnce).toEqual(['a\n']);
    expect(writes).toEqual(['a\n']);
  });
});

describe('createFunctionLog', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("writes an invocation's lines to its file and the shared output in one write each on flush", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'function-logs-'));
    dirs.push(dir);
    const { stream, writes } = recordingStream();
    const counted: Array<[number, number]> = [];
    const log = createFunctionLog('Fn', dir, coalesce(stream), (bytes, lines) =>
      counted.push([bytes, lines]),
    );

    log.emit('START RequestId: 1');
    log.emit('hello\nworld');
    log.emit('END RequestId: 1');
    log.flush();
    await log.close();

    expect(writes).toEqual(['[Fn] START RequestId: 1\n[Fn] hello\n[Fn] world\n[Fn] END RequestId: 1\n']);
    expect(readFileSync(join(dir, 'Fn.log'), 'utf8')).toBe(
      'START RequestId: 1\nhello\nworld\nEND RequestId: 1\n',
    );
    // Bytes and lines per emit, as the log-ingestion meter counts them.
    expect(counted).toEqual([
      [18, 1],
      [10, 2],
      [16, 1],
    ]);
  });
});
