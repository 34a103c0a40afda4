import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the test server treats a request. */
export type Behaviour = 'never-answer' | 'stall-body' | 'answer';

/** A server on 127.0.0.1 (port chosen by the system) that counts requests and answers as told. */
export async function startTestServer(behaviour: Behaviour) {
  let requests = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests++;
    request.resume();
    if (behaviour === 'never-answer') return;
    if (behaviour === 'stall-body') {
      // Headers and a first chunk, then silence: the rest of the promised length never comes.
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '64' });
      response.write('{"partial":');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
