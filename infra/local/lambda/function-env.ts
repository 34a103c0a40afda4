// The environment variables of a function's execution environment, as Lambda's Node.js runtime sets them.

/** What a function's environment is made of. */
export interface FunctionEnvironmentInput {
  /** The template's `Environment.Variables`. */
  variables: Record<string, string>;
  name: string;
  handler: string;
  runtime: string;
  memoryMb: number;
  codeDir: string | undefined;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The local AWS endpoint the function's SDK clients talk to. */
  edgeUrl: string;
}

/** The variables every execution environment of the function starts with (the log stream name aside). */
export function functionEnvironment(input: FunctionEnvironmentInput): Record<string, string> {
  const { name, runtime, region, edgeUrl } = input;
  return {
    ...input.variables,
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    // The bundles target Lambda's newer Node.js; the SDK's warning about this host's Node.js
    // version says nothing about the function and would start every cold start's log.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    _HANDLER: input.handler,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(input.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: input.codeDir ?? '',
    AWS_ACCESS_KEY_ID: input.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: input.credentials.secretAccessKey,
    AWS_ENDPOINT_URL: edgeUrl,
    AWS_ENDPOINT_URL_DYNAMODB: edgeUrl,
    AWS_ENDPOINT_URL_SQS: edgeUrl,
    AWS_ENDPOINT_URL_EVENTBRIDGE: edgeUrl,
    AWS_ENDPOINT_URL_LAMBDA: edgeUrl,
  };
}
