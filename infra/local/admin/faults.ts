// Fault injection settings (AWS FIS's Lambda actions: an error rate and an added latency per function,
// plus the SQS duplicate-delivery rate), read from the environment at start and changed while running.
import * as z from 'zod';
import type { FunctionFault } from '../lambda/host.ts';

const functionFaultSchema = z
  .object({
    function: z.string().min(1, 'function must name a logical id or a part of a function name'),
    errorRate: z.number().min(0).max(1).optional(),
    latencyMs: z.number().int().min(0).optional(),
  })
  .strict()
  .refine((fault) => fault.errorRate !== undefined || fault.latencyMs !== undefined, {
    message: 'a fault needs errorRate or latencyMs',
  });

const rateSchema = z.number().min(0).max(1);

/** A settings change: the function faults replace the current ones, the rate replaces the current rate. */
export interface FaultSettings {
  functions?: FunctionFault[];
  sqsDuplicateRate?: number;
}

/** A fault setting that cannot be used, with the reason. */
export class FaultSettingsError extends Error {
  override readonly name = 'FaultSettingsError';
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return error.message;
  const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  return `${where}${issue.message}`;
}

function plain(fault: z.infer<typeof functionFaultSchema>): FunctionFault {
  return {
    function: fault.function,
    ...(fault.errorRate !== undefined ? { errorRate: fault.errorRate } : {}),
    ...(fault.latencyMs !== undefined ? { latencyMs: fault.latencyMs } : {}),
  };
}

/** Validates one fault (`{function, errorRate?, latencyMs?}`); throws FaultSettingsError. */
export function parseFault(value: unknown): FunctionFault {
  const parsed = functionFaultSchema.safeParse(value);
  if (!parsed.success) throw new FaultSettingsError(`invalid fault: ${describe(parsed.error)}`);
  return plain(parsed.data);
}

/** Validates a list of faults; throws FaultSettingsError naming the first bad entry. */
export function parseFaults(value: unknown): FunctionFault[] {
  const parsed = z.array(functionFaultSchema).safeParse(value);
  if (!parsed.success) throw new FaultSettingsError(`invalid faults: ${describe(parsed.error)}`);
  return parsed.data.map(plain);
}

/** Validates a duplicate-delivery rate (0..1); throws FaultSettingsError. */
export function parseRate(value: unknown, name = 'sqsDuplicateRate'): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  const parsed = rateSchema.safeParse(number);
  if (!parsed.success)
    throw new FaultSettingsError(`${name} must be a number from 0 to 1, got ${String(value)}`);
  return parsed.data;
}

/** Validates a settings change: a list of faults, or `{functions?, sqsDuplicateRate?}`. */
export function parseFaultSettings(value: unknown): FaultSettings {
  if (Array.isArray(value)) return { functions: parseFaults(value) };
  if (typeof value !== 'object' || value === null) {
    throw new FaultSettingsError('expected a list of faults or {"functions": [...], "sqsDuplicateRate": n}');
  }
  const { functions, sqsDuplicateRate, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new FaultSettingsError(`unknown field ${unknown[0]}`);
  return {
    ...(functions !== undefined ? { functions: parseFaults(functions) } : {}),
    ...(sqsDuplicateRate !== undefined ? { sqsDuplicateRate: parseRate(sqsDuplicateRate) } : {}),
  };
}

/** The faults the environment asks for at start: `LOCAL_FAULTS` (JSON list) and `LOCAL_SQS_DUPLICATE_RATE`. */
export function faultsFromEnv(env: NodeJS.ProcessEnv): {
  functions: FunctionFault[];
  sqsDuplicateRate: number;
} {
  let functions: FunctionFault[] = [];
  const text = env.LOCAL_FAULTS;
  if (text !== undefined && text.trim() !== '') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new FaultSettingsError(`LOCAL_FAULTS is not JSON: ${(error as Error).message}`);
    }
    try {
      functions = parseFaults(value);
    } catch (error) {
      throw new FaultSettingsError(`LOCAL_FAULTS: ${(error as Error).message}`);
    }
  }
  const rate = env.LOCAL_SQS_DUPLICATE_RATE;
  const sqsDuplicateRate =
    rate === undefined || rate.trim() === '' ? 0 : parseRate(rate, 'LOCAL_SQS_DUPLICATE_RATE');
  return { functions, sqsDuplicateRate };
}

/** The faults that match no function (by logical id, or as a part of its name), as the host matches them. */
export function unmatchedFaults(
  faults: FunctionFault[],
  functions: { logicalId: string; name: string }[],
): FunctionFault[] {
  return faults.filter(
    (fault) => !functions.some((fn) => fn.logicalId === fault.function || fn.name.includes(fault.function)),
  );
}
