/**
 * The patched serverless-offline httpApi JWT authorizer (patches/serverless-offline+14.8.2.patch) must
 * reject what API Gateway rejects, against the local dev issuer; and `npm run token` must print a token
 * that the issuer's keys verify.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  base64url,
  createRemoteJWKSet,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureDevKeys,
  issuerUrlForStage,
  keysDirForStage,
  PROJECT_ROOT,
  signDevToken,
  startDevIssuer,
} from '../../../scripts/local-cloud/dev-issuer.mjs';

const SCHEME_FILE = join(
  PROJECT_ROOT,
  'node_modules/serverless-offline/src/events/http/createJWTAuthScheme.js',
);
const TOKEN_SCRIPT = join(PROJECT_ROOT, 'scripts/token.mjs');
const AUDIENCE = 'commerce-local';

type SigningKey = Parameters<SignJWT['sign']>[0];
type Boom = Error & { isBoom: true; output: { statusCode: number } };
type Authenticated = { credentials: { claims: JWTPayload; scopes: string[] | null } };
type FakeRequest = { method: string; path: string; raw: { req: { headers: Record<string, string> } } };
type FakeToolkit = { authenticated: (result: Authenticated) => Authenticated };
type CreateJWTAuthScheme = (options: {
  name: string;
  identitySource: string;
  issuerUrl: string;
  audience: string | string[];
  scopes?: string[];
}) => () => { authenticate: (request: FakeRequest, h: FakeToolkit) => Promise<Authenticated | Boom> };

function isBoom(value: unknown): value is Boom {
  return value instanceof Error && (value as Partial<Boom>).isBoom === true;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

let createJWTAuthScheme: CreateJWTAuthScheme;
let keysDir: string;
let issuer: Awaited<ReturnType<typeof startDevIssuer>>;
const tempDirs: string[] = [];

beforeAll(async () => {
  ({ default: createJWTAuthScheme } = (await import(pathToFileURL(SCHEME_FILE).href)) as {
    default: CreateJWTAuthScheme;
  });
  keysDir = await mkdtemp(join(tmpdir(), 'jwt-authorizer-'));
  tempDirs.push(keysDir);
  issuer = await startDevIssuer({ port: 0, keysDir });
});

afterAll(async () => {
  await issuer?.stop();
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Runs the patched scheme's `authenticate` the way hapi does, with only what it reads. */
async function authenticate(
  authorization: string | undefined,
  options: { issuerUrl?: string; audience?: string | string[] } = {},
): Promise<Authenticated | Boom> {
  const scheme = createJWTAuthScheme({
    name: 'cognito',
    identitySource: '$request.header.Authorization',
    issuerUrl: options.issuerUrl ?? issuer.issuer,
    audience: options.audience ?? [AUDIENCE],
  })();
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
  return scheme.authenticate(
    { method: 'get', path: '/me', raw: { req: { headers } } },
    { authenticated: (result) => result },
  );
}

async function expect401(authorization: string | undefined, options?: Parameters<typeof authenticate>[1]) {
  const result = await authenticate(authorization, options);
  expect(isBoom(result), `expected a Boom, got ${JSON.stringify(result)}`).toBe(true);
  expect((result as Boom).output.statusCode).toBe(401);
}

/** Signs arbitrary claims with the dev issuer's own key (or another one). */
async function signWith(
  claims: JWTPayload,
  { header, key }: { header?: Record<string, unknown>; key?: SigningKey } = {},
): Promise<string> {
  const { privateJwk, kid } = await ensureDevKeys(keysDir);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    sub: 'user-1',
    iss: issuer.issuer,
    aud: AUDIENCE,
    iat: now,
    exp: now + 3600,
    token_use: 'id',
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid, ...header })
    .sign(key ?? (await importJWK(privateJwk, 'RS256')));
}

describe('patched serverless-offline JWT authorizer', () => {
  it('is the patched file', async () => {
    const source = await readFile(SCHEME_FILE, 'utf8');
    expect(source).toContain('jwtVerify');
    expect(source).not.toMatch(/decodeJwt\(/);
  });

  it('authenticates a valid dev token, with or without "Bearer", and exposes its claims', async () => {
    const token = await signDevToken({
      keysDir,
      issuer: issuer.issuer,
      audience: AUDIENCE,
      userId: 'alice',
      admin: true,
    });
    for (const header of [`Bearer ${token}`, token]) {
      const result = await authenticate(header);
      expect(isBoom(result)).toBe(false);
      expect((result as Authenticated).credentials.claims).toMatchObject({
        sub: 'alice',
        aud: AUDIENCE,
        iss: issuer.issuer,
        token_use: 'id',
        'cognito:username': 'alice',
        'cognito:groups': ['admin'],
      });
      expect((result as Authenticated).credentials.scopes).toBeNull();
    }
  });

  it('accepts client_id when the token has no aud (access-token style)', async () => {
    const result = await authenticate(`Bearer ${await signWith({ aud: undefined, client_id: AUDIENCE })}`);
    expect(isBoom(result)).toBe(false);
  });

  it('rejects a missing or empty Authorization header', async () => {
    await expect401(undefined);
    await expect401('');
    await expect401('Bearer ');
    await expect401('Bearer not-a-jwt');
  });

  it('rejects an expired token, with no leeway', async () => {
    await expect401(
      `Bearer ${await signDevToken({ keysDir, issuer: issuer.issuer, audience: AUDIENCE, userId: 'u', expiresIn: -60 })}`,
    );
    const now = Math.floor(Date.now() / 1000);
    await expect401(`Bearer ${await signWith({ iat: now - 10, exp: now })}`);
  });

  it('rejects a token without exp, not yet valid (nbf), or issued in the future (iat)', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect401(`Bearer ${await signWith({ exp: undefined })}`);
    await expect401(`Bearer ${await signWith({ nbf: now + 30 })}`);
    await expect401(`Bearer ${await signWith({ iat: now + 30 })}`);
  });

  it('rejects a token whose payload was tampered with', async () => {
    const token = await signDevToken({
      keysDir,
      issuer: issuer.issuer,
      audience: AUDIENCE,
      userId: 'mallory',
    });
    const [header, , signature] = token.split('.');
    const forged = base64url.encode(JSON.stringify({ ...decodeJwt(token), 'cognito:groups': ['admin'] }));
    await expect401(`Bearer ${header}.${forged}.${signature}`);
  });

  it('rejects a token signed by another key, even under the issuer kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    await expect401(`Bearer ${await signWith({}, { key: privateKey })}`);
    await expect401(`Bearer ${await signWith({}, { key: privateKey, header: { kid: 'someone-else' } })}`);
  });

  it('rejects alg "none" and non-RSA algorithms', async () => {
    const { kid } = await ensureDevKeys(keysDir);
    const now = Math.floor(Date.now() / 1000);
    const unsecured = new UnsecuredJWT({
      sub: 'u',
      iss: issuer.issuer,
      aud: AUDIENCE,
      iat: now,
      exp: now + 3600,
    }).encode();
    await expect401(`Bearer ${unsecured}`);
    // Same, with a kid that exists in the JWKS.
    const [, payload] = unsecured.split('.');
    await expect401(`Bearer ${base64url.encode(JSON.stringify({ alg: 'none', kid }))}.${payload}.`);

    // HS256 keyed with the (public) RSA modulus: the classic algorithm-confusion forgery.
    const { publicJwk } = await ensureDevKeys(keysDir);
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    await expect401(`Bearer ${await signWith({}, { header: { alg: 'HS256' }, key: secret })}`);

    // ES256 from an attacker key that is not in the JWKS.
    const ec = await generateKeyPair('ES256');
    await expect401(`Bearer ${await signWith({}, { header: { alg: 'ES256' }, key: ec.privateKey })}`);
  });

  it('rejects a token without kid', async () => {
    const { privateJwk } = await ensureDevKeys(keysDir);
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sub: 'u', iss: issuer.issuer, aud: AUDIENCE, iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(await importJWK(privateJwk, 'RS256'));
    await expect401(`Bearer ${token}`);
  });

  it('rejects a token for another audience (client_id does not rescue a wrong aud)', async () => {
    await expect401(
      `Bearer ${await signDevToken({ keysDir, issuer: issuer.issuer, audience: 'commerce-test', userId: 'u' })}`,
    );
    await expect401(`Bearer ${await signWith({ aud: 'other', client_id: AUDIENCE })}`);
    await expect401(`Bearer ${await signWith({ aud: undefined, client_id: 'other' })}`);
    await expect401(`Bearer ${await signWith({ aud: undefined })}`);
  });

  it('rejects a token from another issuer, even one signed with the right key', async () => {
    await expect401(
      `Bearer ${await signDevToken({ keysDir, issuer: 'http://127.0.0.1:1', audience: AUDIENCE, userId: 'u' })}`,
    );
    await expect401(`Bearer ${await signWith({ iss: `${issuer.issuer}/` })}`);
  });

  it('rejects every token when the issuer cannot be reached', async () => {
    const deadIssuer = `http://127.0.0.1:${await freePort()}`;
    const token = await signDevToken({ keysDir, issuer: deadIssuer, audience: AUDIENCE, userId: 'u' });
    await expect401(`Bearer ${token}`, { issuerUrl: deadIssuer });
  });

  it('uses the JWKS of the configured issuer, not a key the token brings along', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const token = await signWith({}, { key: privateKey, header: { jwk: await exportJWK(publicKey) } });
    await expect401(`Bearer ${token}`);
  });
});

type RunResult = { code: number; stdout: string; stderr: string };
function runTokenScript(args: string[], localDir: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TOKEN_SCRIPT, ...args],
      { env: { ...process.env, LOCAL_CLOUD_DIR: localDir }, cwd: PROJECT_ROOT },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('scripts/token.mjs', () => {
  let localDir: string;
  let testIssuer: Awaited<ReturnType<typeof startDevIssuer>>;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  beforeAll(async () => {
    localDir = await mkdtemp(join(tmpdir(), 'token-script-'));
    tempDirs.push(localDir);
    // The test stage's issuer URL is fixed (port 4005, maybe in use): serve its keys on a free port.
    testIssuer = await startDevIssuer({
      port: 0,
      keysDir: keysDirForStage('test', localDir),
      issuer: issuerUrlForStage('test'),
    });
    jwks = createRemoteJWKSet(new URL(`http://127.0.0.1:${testIssuer.port}/.well-known/jwks.json`));
  });
  afterAll(async () => {
    await testIssuer?.stop();
  });

  it('prints exactly one JWT line that verifies against the stage issuer', async () => {
    const { code, stdout, stderr } = await runTokenScript(['alice', '--stage', 'test'], localDir);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);

    const { payload } = await jwtVerify(stdout.trim(), jwks, {
      issuer: 'http://127.0.0.1:4005',
      audience: 'commerce-test',
      algorithms: ['RS256'],
    });
    expect(payload).toMatchObject({ sub: 'alice', 'cognito:username': 'alice', token_use: 'id' });
    expect(payload).not.toHaveProperty('cognito:groups');
    expect(Number(payload.exp) - Number(payload.iat)).toBe(3600);
  });

  it('--admin adds the admin group; --expires-in sets the lifetime', async () => {
    const { code, stdout } = await runTokenScript(
      ['boss', '--admin', '--stage', 'test', '--expires-in', '15m'],
      localDir,
    );
    expect(code).toBe(0);
    const { payload } = await jwtVerify(stdout.trim(), jwks, { issuer: 'http://127.0.0.1:4005' });
    expect(payload['cognito:groups']).toEqual(['admin']);
    expect(Number(payload.exp) - Number(payload.iat)).toBe(900);
  });

  it('defaults to the local stage', async () => {
    const { code, stdout } = await runTokenScript(['carol'], localDir);
    expect(code).toBe(0);
    expect(decodeJwt(stdout.trim())).toMatchObject({ iss: 'http://127.0.0.1:3005', aud: 'commerce-local' });
  });

  it.each([
    [[], /missing <userId>/],
    [['--admin'], /missing <userId>/],
    [['alice', 'bob'], /unexpected arguments/],
    [['alice', '--stage', 'prod'], /unknown stage "prod"/],
    [['alice', '--expires-in', 'soon'], /time period/i],
    [['alice', '--bogus'], /bogus/],
  ])('exits 2 with a usage line on stderr for %j', async (args, message) => {
    const { code, stdout, stderr } = await runTokenScript(args, localDir);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/^usage: npm run --silent token -- <userId>/m);
  });
});
