// Shared types of the local cloud's parts. The local cloud is generic: nothing here names a domain.

/** A template resource after every intrinsic function has been resolved to local values. */
export interface ResolvedResource {
  logicalId: string;
  type: string;
  /** Properties with all intrinsics resolved (plain JSON). */
  properties: Record<string, unknown>;
  /** The physical name (the resource's own name property if set, else its logical id). */
  physicalName: string;
  /** What `Ref` resolves to. */
  ref: string;
  /** The resolved `Fn::GetAtt` attributes this resource offers (Arn, QueueName, ApiEndpoint, ...). */
  attributes: Record<string, string>;
  dependsOn: string[];
}

/** One synthesized stack, resolved for this machine. */
export interface ResolvedStack {
  stackName: string;
  region: string;
  accountId: string;
  /** Absolute path of the cdk.out folder the stack came from. */
  cloudAssemblyDir: string;
  resources: Map<string, ResolvedResource>;
  /** Absolute folder of each Lambda function's bundled code, by function logical id. */
  functionCode: Map<string, string>;
}

/** The outcome of one Lambda invocation. */
export type InvokeResult =
  | { ok: true; payload: unknown }
  | { ok: false; errorType: string; errorMessage: string; timedOut?: boolean };

export interface InvokeOptions {
  /** `Event` queues the invocation and retries it as AWS does; `RequestResponse` waits for it. */
  invocationType?: 'RequestResponse' | 'Event';
}

/** Invokes a local function by name, ARN, or logical id. */
export interface LambdaInvoker {
  invoke(functionRef: string, event: unknown, options?: InvokeOptions): Promise<InvokeResult>;
}

/** Sends a message to a local queue identified by its ARN. */
export interface QueueSender {
  sendMessage(
    queueArn: string,
    body: string,
    options?: {
      messageGroupId?: string;
      messageDeduplicationId?: string;
      messageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
    },
  ): Promise<void>;
}

/** An IAM policy statement as the template writes it (after resolution). */
export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, unknown>;
}

/** Who signed a request: one of the template's functions (with its role's policies) or an administrator. */
export type CallerIdentity =
  | { kind: 'function'; functionName: string; roleArn: string; statements: PolicyStatement[] }
  | { kind: 'admin'; accessKeyId: string };

/** The local cloud's own log output (not the functions'). */
export interface LocalLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
