// The error the EventBridge API answers in AWS's JSON error shape.

/** An error answered as `{"__type": type, "message": message}`. */
export class EventBridgeApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}
