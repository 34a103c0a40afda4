import * as z from 'zod';

// Response bodies the public API shares across routes, described for the OpenAPI document.

/** RFC 9457 problem body of every error answer (shared/middleware/problem.ts produces it). */
export const Problem = z
  .object({
    type: z.url(),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string(),
    instance: z.string(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('Validation failures, one per field (JSON Pointer path).'),
  })
  .meta({ id: 'Problem' });
