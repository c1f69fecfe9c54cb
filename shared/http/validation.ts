import type * as z from 'zod';
import { type FieldError, ValidationError } from '../errors.js';

/** Validates input against a schema and reports every offending field, with dotted paths (`items.0.quantity`). */
export function parseOrThrow<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  location: 'body' | 'path' | 'query',
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.flatMap((issue) => {
    const base = issue.path.map(String);
    // An unknown key is reported at the key itself, which is where a client has to look.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...base, key].join('.'),
        message: 'is not an allowed field',
      }));
    }
    return [{ path: base.length ? base.join('.') : location, message: issue.message }];
  });
  throw new ValidationError(errors, `The request ${location} is not valid: ${errors.length} problem(s).`);
}
