import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

// One logger, tracer and metrics instance per execution environment; Powertools reads the
// service name, namespace and log level from POWERTOOLS_* variables set by the stack.

/** The structured logger: JSON lines with the correlation id appended per invocation or record. */
export const logger = new Logger();

/** X-Ray tracer; SDK clients are wrapped with it in shared/clients. */
export const tracer = new Tracer();

/** CloudWatch metrics in Embedded Metric Format. */
export const metrics = new Metrics();
