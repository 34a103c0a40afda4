// The local cloud's Lambda service: the function host and the SQS event source mappings.
export {
  createEventSourceMappings,
  type EventSourceMappingInfo,
  type EventSourceMappings,
  type EventSourceMappingsOptions,
  failedItems,
} from './event-source-mappings.ts';
export {
  createLambdaHost,
  type FunctionFault,
  type LambdaFunctionInfo,
  type LambdaHost,
  type LambdaHostOptions,
} from './host.ts';
