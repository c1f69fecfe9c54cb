import type * as z from '../../events/zod.js';
import { type FieldError, ValidationError } from '../errors.js';

/** Validates input against a schema and reports every offending field, with dotted paths (`items.0.quantity`). */
export function parseOrThrow<Schema extends z.ZodMiniType>(
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

/** A request header a route reads: its schema, whether it must be sent, and what a client sends in it. */
export interface DeclaredHeader {
  required: boolean;
  description: string;
  schema: z.ZodMiniType;
}

/**
 * Reads the headers a route declares, by their canonical name, matched in any case (HTTP header names are
 * case-insensitive; API Gateway lower-cases them). Each value is trimmed and checked against its schema;
 * every missing required or invalid header is reported as `headers.<Name>`, in one 400.
 */
export function parseHeadersOrThrow(
  declared: Record<string, DeclaredHeader>,
  received: Record<string, string | undefined>,
): Record<string, unknown> {
  const byLowerCaseName = new Map(
    Object.entries(received).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const parsed: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const [name, header] of Object.entries(declared)) {
    const value = byLowerCaseName.get(name.toLowerCase())?.trim();
    if (!value) {
      if (header.required)
        errors.push({ path: `headers.${name}`, message: `is required (${header.description})` });
      continue;
    }
    const result = header.schema.safeParse(value);
    if (result.success) parsed[name] = result.data;
    else errors.push({ path: `headers.${name}`, message: result.error.issues[0]?.message ?? 'is not valid' });
  }
  if (errors.length > 0) {
    const names = errors.map((error) => error.path.slice('headers.'.length)).join(', ');
    throw new ValidationError(errors, `Missing or invalid request header(s): ${names}.`);
  }
  return parsed;
}
