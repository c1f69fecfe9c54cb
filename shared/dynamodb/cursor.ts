import { BadRequestError } from '../errors.js';

/** Page cursors are opaque to clients: the last evaluated key, as base64url JSON. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

/**
 * Decodes a cursor and lets the adapter accept only a key it could have produced for this listing
 * (`accept` returns the key to pass to DynamoDB, or undefined). Anything else is the client's mistake:
 * a 400, never a DynamoDB validation error surfacing as a 500.
 */
export function decodeCursor<Key extends Record<string, unknown>>(
  cursor: string | undefined,
  // biome-ignore lint/suspicious/noExplicitAny: the decoded JSON is untrusted until `accept` checks it
  accept: (candidate: any) => Key | undefined,
): Key | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let accepted: Key | undefined;
  try {
    accepted = accept(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    accepted = undefined;
  }
  if (accepted) return accepted;
  throw new BadRequestError('The cursor is not valid: pass the nextCursor of a previous page unchanged.');
}
