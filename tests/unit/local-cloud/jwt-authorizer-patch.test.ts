/**
 * The audience and issuer checks of the patched serverless-offline httpApi JWT authorizer
 * (patches/serverless-offline+14.8.2.patch), against an in-process dev issuer: fast enough for the unit
 * project, so switching either check off fails `npm test` at once. The integration suite
 * (tests/integration/local-cloud/jwt-authorizer.test.ts) covers the rest of the patch: signatures,
 * algorithms, expiry, an unreachable issuer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importJWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevKeys, PROJECT_ROOT, startDevIssuer } from '../../../scripts/local-cloud/dev-issuer.mjs';

const SCHEME_FILE = join(
  PROJECT_ROOT,
  'node_modules/serverless-offline/src/events/http/createJWTAuthScheme.js',
);
const AUDIENCE = 'commerce-local';

type Outcome = { isBoom?: boolean; output?: { statusCode: number }; credentials?: { claims: JWTPayload } };
type Scheme = (options: {
  name: string;
  identitySource: string;
  issuerUrl: string;
  audience: string[];
}) => () => {
  authenticate: (
    request: { method: string; path: string; raw: { req: { headers: Record<string, string> } } },
    h: { authenticated: (result: Outcome) => Outcome },
  ) => Promise<Outcome>;
};

let createJWTAuthScheme: Scheme;
let keysDir: string;
let issuer: Awaited<ReturnType<typeof startDevIssuer>>;

beforeAll(async () => {
  ({ default: createJWTAuthScheme } = (await import(pathToFileURL(SCHEME_FILE).href)) as { default: Scheme });
  keysDir = await mkdtemp(join(tmpdir(), 'jwt-authorizer-patch-'));
  issuer = await startDevIssuer({ port: 0, keysDir });
});

afterAll(async () => {
  await issuer?.stop();
  if (keysDir) await rm(keysDir, { recursive: true, force: true });
});

/** A token signed with the issuer's own key: only the claims under test can make it fail. */
async function token(claims: JWTPayload): Promise<string> {
  const { privateJwk, kid } = await ensureDevKeys(keysDir);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    sub: 'mallory',
    iss: issuer.issuer,
    aud: AUDIENCE,
    iat: now,
    exp: now + 600,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid })
    .sign(await importJWK(privateJwk, 'RS256'));
}

/** Runs `authenticate` as hapi does, with only what the scheme reads; the answer's status or 200. */
async function statusFor(claims: JWTPayload): Promise<number> {
  const scheme = createJWTAuthScheme({
    name: 'cognito',
    identitySource: '$request.header.Authorization',
    issuerUrl: issuer.issuer,
    audience: [AUDIENCE],
  })();
  const outcome = await scheme.authenticate(
    {
      method: 'get',
      path: '/me',
      raw: { req: { headers: { authorization: `Bearer ${await token(claims)}` } } },
    },
    { authenticated: (result) => result },
  );
  return outcome.isBoom ? (outcome.output?.statusCode ?? 0) : 200;
}

describe('patched serverless-offline JWT authorizer: audience and issuer', () => {
  it('accepts a token of the configured issuer for the configured audience', async () => {
    expect(await statusFor({})).toBe(200);
    expect(await statusFor({ aud: ['someone-else', AUDIENCE] })).toBe(200);
    expect(await statusFor({ aud: undefined, client_id: AUDIENCE })).toBe(200);
  });

  it('rejects a token for another audience, even with a matching client_id', async () => {
    expect(await statusFor({ aud: 'commerce-test' })).toBe(401);
    expect(await statusFor({ aud: 'commerce-test', client_id: AUDIENCE })).toBe(401);
    expect(await statusFor({ aud: undefined, client_id: 'commerce-test' })).toBe(401);
    expect(await statusFor({ aud: undefined })).toBe(401);
  });

  it('rejects a token from another issuer, although signed with the configured issuer’s key', async () => {
    expect(await statusFor({ iss: 'http://127.0.0.1:1' })).toBe(401);
    expect(await statusFor({ iss: `${issuer.issuer}/` })).toBe(401);
    expect(await statusFor({ iss: undefined })).toBe(401);
  });
});
