// Lambda's Invoke through the edge (REST protocol, `POST /2015-03-31/functions/<name>/invocations`):
// RequestResponse, Event and DryRun invocations of the local functions, with a function caller's
// `lambda:InvokeFunction` checked.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IdentityRegistry } from '../auth/identities.ts';
import type { CallerIdentity, LambdaInvoker } from '../model.ts';
import type { Enforce } from './access.ts';
import { EdgeError } from './aws-protocol.ts';
import { sendJson } from './http.ts';

export interface LambdaInvoking {
  identities: IdentityRegistry;
  lambda: LambdaInvoker;
  enforce: Enforce;
}

/** Answers one Invoke request. */
export async function handleLambdaInvoke(
  options: LambdaInvoking,
  functionName: string,
  caller: CallerIdentity,
  incoming: IncomingMessage,
  body: Buffer,
  outgoing: ServerResponse,
): Promise<void> {
  const { identities, lambda } = options;
  const fn = identities.findFunction(functionName);
  if (!fn) {
    const arn = functionName.startsWith('arn:')
      ? functionName
      : `arn:aws:lambda:${identities.region}:${identities.accountId}:function:${functionName}`;
    throw new EdgeError(404, 'ResourceNotFoundException', `Function not found: ${arn}`);
  }
  options.enforce(caller, 'lambda', [{ action: 'lambda:InvokeFunction', resource: fn.arn }]);
  const invocationType = String(incoming.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  let event: unknown;
  try {
    event = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    throw new EdgeError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
  }
  const versionHeader = { 'x-amz-executed-version': '$LATEST' };
  if (invocationType === 'DryRun') {
    outgoing.writeHead(204, versionHeader);
    outgoing.end();
    return;
  }
  if (invocationType === 'Event') {
    await lambda.invoke(fn.functionName, event, { invocationType: 'Event' });
    outgoing.writeHead(202, { 'content-length': '0' });
    outgoing.end();
    return;
  }
  if (invocationType !== 'RequestResponse') {
    throw new EdgeError(
      400,
      'InvalidParameterValueException',
      `Unsupported invocation type ${invocationType}`,
    );
  }
  const result = await lambda.invoke(fn.functionName, event, { invocationType: 'RequestResponse' });
  if (result.ok) {
    sendJson(outgoing, 200, result.payload ?? null, versionHeader);
    return;
  }
  sendJson(
    outgoing,
    200,
    { errorType: result.errorType, errorMessage: result.errorMessage, trace: [] },
    { ...versionHeader, 'x-amz-function-error': 'Unhandled' },
  );
}
