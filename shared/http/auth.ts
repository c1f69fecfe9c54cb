import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { ForbiddenError, UnauthorizedError } from '../errors.js';

export type Access = 'public' | 'customer' | 'admin';

export interface Caller {
  userId: string;
  groups: string[];
  isAdmin: boolean;
}

export const ADMIN_GROUP = 'admin';

/**
 * API Gateway passes `cognito:groups` as a JSON array locally but flattens it to a string such as
 * "[admin staff]" in AWS; both mean the same groups.
 */
export function parseGroups(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== 'string' || claim.trim() === '') return [];
  return claim
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .map((group) => group.replace(/^"|"$/g, ''))
    .filter(Boolean);
}

/** The signature was verified by the gateway's JWT authorizer; here we only read who is calling. */
export function callerFrom(event: APIGatewayProxyEventV2WithJWTAuthorizer): Caller | undefined {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const userId = claims?.sub;
  if (typeof userId !== 'string' || userId === '') return undefined;
  const groups = parseGroups(claims?.['cognito:groups']);
  return { userId, groups, isAdmin: groups.includes(ADMIN_GROUP) };
}

export function authorize(access: Access, caller: Caller | undefined): void {
  if (access === 'public') return;
  if (!caller) throw new UnauthorizedError('A valid bearer token is required.');
  if (access === 'admin' && !caller.isAdmin) {
    throw new ForbiddenError('This operation requires the admin group.');
  }
}
