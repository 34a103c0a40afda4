import * as z from 'zod';

/** Raised at cold start when the environment lacks a variable the function needs. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates environment variables once; throws naming every missing or invalid one. */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    return env[name] === undefined ? `${name} is not set` : `${name}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}

/** A non-empty environment variable. */
export const requiredString = () => z.string().min(1);
