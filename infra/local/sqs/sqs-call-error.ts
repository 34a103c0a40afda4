// The error of an SQS call, with the code and status SQS answers it with.
/** An SQS error answer (`QueueDoesNotExist`, `InvalidParameterValue`, ...). */
export class SqsCallError extends Error {
  override readonly name = 'SqsCallError';
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(`${code}: ${message}`);
  }
}
