// A function's output, as CloudWatch Logs would hold it: appended to `<logDir>/<name>.log` and echoed
// to the host's output with each line prefixed by `[name]`.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface FunctionLog {
  /** Writes text as lines (one write to the file and one to the output for all of them). */
  emit(text: string): void;
  /** Writes a stream's complete lines as they come, and the rest when it ends. */
  pipe(stream: Readable): void;
  /** Closes the log file. */
  close(): Promise<void>;
}

/** Opens the log of one function (the folder must exist); `onWrite` hears the bytes and lines of each write. */
export function createFunctionLog(
  name: string,
  logDir: string,
  output: NodeJS.WritableStream,
  onWrite?: (bytes: number, lines: number) => void,
): FunctionLog {
  const file = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });

  function emit(text: string): void {
    // Output can still drain from a terminated worker after stop() closed the log file.
    if (file.writableEnded) return;
    // One write per destination, whatever the number of lines: each write costs a system call.
    const lines = text.split(/\r\n|\r|\n/);
    const joined = lines.join('\n');
    file.write(`${joined}\n`);
    // The messages' bytes: the line breaks between them are not part of any log event.
    onWrite?.(Buffer.byteLength(joined) - (lines.length - 1), lines.length);
    output.write(`[${name}] ${lines.join(`\n[${name}] `)}\n`);
  }

  return {
    emit,
    pipe(stream) {
      let buffer = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffer += chunk;
        const end = buffer.lastIndexOf('\n');
        if (end < 0) return;
        emit(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
      });
      stream.on('end', () => {
        if (buffer) emit(buffer);
        buffer = '';
      });
    },
    close: () => new Promise<void>((resolve) => file.end(() => resolve())),
  };
}
