import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ensureDevKeys,
  issuerUrlForStage,
  keysDirForStage,
  PROJECT_ROOT,
  signDevToken,
  startDevIssuer,
} from '../../../scripts/local-cloud/dev-issuer.mjs';
import { stageOf } from '../../../scripts/local-cloud/stages.mjs';

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dev-issuer-'));
  tempDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('stage helpers', () => {
  it('derive the issuer URL and the keys dir of a stage from stages.json', () => {
    expect(issuerUrlForStage('local')).toBe('http://127.0.0.1:3005');
    expect(issuerUrlForStage('test')).toBe('http://127.0.0.1:4005');
    expect(stageOf('test').audience).toBe('commerce-test');
    expect(keysDirForStage('test', '/somewhere/.local')).toBe('/somewhere/.local/test/auth');
    const previous = process.env.LOCAL_CLOUD_DIR;
    delete process.env.LOCAL_CLOUD_DIR;
    try {
      expect(keysDirForStage('local')).toBe(join(PROJECT_ROOT, '.local', 'local', 'auth'));
    } finally {
      if (previous !== undefined) process.env.LOCAL_CLOUD_DIR = previous;
    }
  });

  it('reject unknown or malformed stages', () => {
    expect(() => issuerUrlForStage('prod')).toThrow(
      /Unknown stage "prod" \(known: local, test, bench, drill\)/,
    );
    expect(() => keysDirForStage('../etc', '/tmp')).toThrow(/Invalid stage name/);
  });
});

describe('ensureDevKeys', () => {
  it('generates an RS256 key once, stores it with mode 0600 and reuses it', async () => {
    const keysDir = join(await tempDir(), 'nested', 'auth');
    const first = await ensureDevKeys(keysDir);
    const file = join(keysDir, 'dev-issuer.private.jwk.json');

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(first.privateJwk);
    expect(first.privateJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', kid: first.kid });
    expect(first.privateJwk.d).toBeTypeOf('string');
    expect(first.publicJwk).toEqual({
      kty: 'RSA',
      n: first.privateJwk.n,
      e: first.privateJwk.e,
      kid: first.kid,
      alg: 'RS256',
      use: 'sig',
    });

    const second = await ensureDevKeys(keysDir);
    expect(second).toEqual(first);
  });

  it('agrees on one key when called concurrently on an empty dir', async () => {
    const keysDir = await tempDir();
    const results = await Promise.all(Array.from({ length: 5 }, () => ensureDevKeys(keysDir)));
    expect(new Set(results.map((r) => r.kid)).size).toBe(1);
    expect((await ensureDevKeys(keysDir)).kid).toBe(results[0]?.kid);
  });
});

describe('startDevIssuer', () => {
  let keysDir: string;
  let issuer: Awaited<ReturnType<typeof startDevIssuer>>;

  beforeAll(async () => {
    keysDir = await tempDir();
    issuer = await startDevIssuer({ port: 0, keysDir });
  });
  afterAll(async () => {
    await issuer?.stop();
  });

  it('serves an OpenID discovery document and the JWKS', async () => {
    expect(issuer.issuer).toBe(`http://127.0.0.1:${issuer.port}`);

    const discovery = await fetch(`${issuer.issuer}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(await discovery.json()).toMatchObject({
      issuer: issuer.issuer,
      jwks_uri: `${issuer.issuer}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ['RS256'],
    });

    const jwks = await fetch(`${issuer.issuer}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    const { publicJwk } = await ensureDevKeys(keysDir);
    expect(await jwks.json()).toEqual({ keys: [publicJwk] });

    expect((await fetch(`${issuer.issuer}/nope`)).status).toBe(404);
    expect((await fetch(`${issuer.issuer}/.well-known/jwks.json`, { method: 'POST' })).status).toBe(405);
  });

  it('advertises the issuer it was given, whatever port it listens on', async () => {
    const other = await startDevIssuer({ port: 0, keysDir, issuer: 'http://127.0.0.1:4005/' });
    try {
      const res = await fetch(`http://127.0.0.1:${other.port}/.well-known/openid-configuration`);
      expect(other.issuer).toBe('http://127.0.0.1:4005');
      expect(await res.json()).toMatchObject({
        issuer: 'http://127.0.0.1:4005',
        jwks_uri: 'http://127.0.0.1:4005/.well-known/jwks.json',
      });
    } finally {
      await other.stop();
    }
  });

  it('throws an error naming the port when it is busy', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      await expect(startDevIssuer({ port, keysDir })).rejects.toThrow(`port ${port} is already in use`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('signs Cognito-shaped ID tokens that verify against its JWKS', async () => {
    const token = await signDevToken({
      keysDir,
      issuer: issuer.issuer,
      audience: 'commerce-local',
      userId: 'user-1',
      email: 'user-1@example.com',
    });
    const jwks = createRemoteJWKSet(new URL(`${issuer.issuer}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: issuer.issuer,
      audience: 'commerce-local',
      algorithms: ['RS256'],
    });

    expect(protectedHeader).toEqual({ alg: 'RS256', kid: (await ensureDevKeys(keysDir)).kid });
    expect(payload).toMatchObject({
      sub: 'user-1',
      aud: 'commerce-local',
      iss: issuer.issuer,
      token_use: 'id',
      'cognito:username': 'user-1',
      email: 'user-1@example.com',
    });
    expect(payload).not.toHaveProperty('cognito:groups');
    expect(Number(payload.exp) - Number(payload.iat)).toBe(3600);
    expect(Math.abs(Number(payload.iat) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('adds the admin group and honours expiresIn', async () => {
    const token = await signDevToken({
      keysDir,
      issuer: issuer.issuer,
      audience: 'commerce-local',
      userId: 'boss',
      admin: true,
      expiresIn: 900,
    });
    const { payload } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(`${issuer.issuer}/.well-known/jwks.json`)),
    );
    expect(payload['cognito:groups']).toEqual(['admin']);
    expect(Number(payload.exp) - Number(payload.iat)).toBe(900);
    expect(decodeProtectedHeader(token).alg).toBe('RS256');
  });

  it('refuses an empty user id', async () => {
    await expect(
      signDevToken({ keysDir, issuer: issuer.issuer, audience: 'commerce-local', userId: ' ' }),
    ).rejects.toThrow(/userId/);
  });
});

describe('signDevToken at the end of a second', () => {
  it('lives exactly the span asked, when the clock moves on to the next second while the token is built', async () => {
    // given keys, and a clock at 800 ms into a second that moves 400 ms each time the code reads Date.now()
    const keysDir = await tempDir();
    await ensureDevKeys(keysDir);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date(Date.UTC(2026, 11, 3, 12, 0, 0, 800)));
      const read = Date.now.bind(Date);
      vi.spyOn(Date, 'now').mockImplementation(() => {
        const now = read();
        vi.setSystemTime(now + 400);
        return now;
      });

      // when a one-hour token is signed (jose reads a span like '1h' against the clock as it is then)
      const token = await signDevToken({ keysDir, issuer: 'http://issuer', audience: 'a', userId: 'u' });

      // then it expires one hour after it was issued, not one hour and a second
      const { iat, exp } = decodeJwt(token);
      expect(Number(exp) - Number(iat)).toBe(3600);
    } finally {
      vi.restoreAllMocks();
      vi.useRealTimers();
    }
  });
});
