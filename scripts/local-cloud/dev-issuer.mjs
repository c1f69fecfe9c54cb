/**
 * Local OIDC-style token issuer standing in for the Cognito user pool of a stage.
 *
 * API Gateway's JWT authorizer discovers `jwks_uri` from `<issuer>/.well-known/openid-configuration`
 * and verifies RS256 signatures against it; the patched serverless-offline authorizer does the same
 * locally against this server. The key pair is generated on first use and kept (mode 0600) in a
 * git-ignored directory under `.local/<stage>/auth/`.
 *
 * Plain ESM + JSDoc: loaded by the Serverless CLI without a TypeScript compiler.
 */
import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import { stageOf } from './stages.mjs';

const ALG = 'RS256';
const PRIVATE_KEY_FILE = 'dev-issuer.private.jwk.json';

/** Repository root (this file lives in `<root>/scripts/local-cloud/`). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * @typedef {object} DevKeys
 * @property {import('jose').JWK} privateJwk  includes `kid`, `alg`, `use`
 * @property {import('jose').JWK} publicJwk   `kty`, `n`, `e`, `kid`, `alg`, `use` only
 * @property {string} kid                     RFC 7638 thumbprint of the public key
 */

/**
 * Issuer URL of a stage (`iss` claim, JWT authorizer `issuerUrl`): `http://127.0.0.1:<issuerPort>`.
 * @param {string} stage
 * @returns {string}
 */
export function issuerUrlForStage(stage) {
  return `http://127.0.0.1:${stageOf(stage).issuerPort}`;
}

/**
 * Directory holding the dev issuer key of a stage: `<localDir>/<stage>/auth`, where `localDir` is
 * `$LOCAL_CLOUD_DIR` when set (tests) and `<repo>/.local` otherwise.
 * @param {string} stage
 * @param {string} [localDir]
 * @returns {string}
 */
export function keysDirForStage(
  stage,
  localDir = process.env.LOCAL_CLOUD_DIR || join(PROJECT_ROOT, '.local'),
) {
  if (!/^[\w-]+$/.test(stage)) throw new Error(`Invalid stage name "${stage}"`);
  return resolve(localDir, stage, 'auth');
}

/**
 * @param {import('jose').JWK} privateJwk
 * @param {string} file
 * @returns {DevKeys}
 */
function toDevKeys(privateJwk, file) {
  const { kty, n, e, kid } = privateJwk;
  if (kty !== 'RSA' || !n || !e || !kid || !privateJwk.d) {
    throw new Error(`${file} is not an RSA private JWK with a kid; delete it to generate a new key`);
  }
  return { privateJwk, publicJwk: { kty, n, e, kid, alg: ALG, use: 'sig' }, kid };
}

/**
 * Returns the issuer key pair stored in `keysDir`, generating it on the first call.
 * Safe when several processes call it at once: the file is written aside, then hard-linked into place
 * (which fails if another process won), so nobody ever reads a half-written key.
 * @param {string} keysDir
 * @returns {Promise<DevKeys>}
 */
export async function ensureDevKeys(keysDir) {
  const file = join(keysDir, PRIVATE_KEY_FILE);
  try {
    return toDevKeys(JSON.parse(await readFile(file, 'utf8')), file);
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ENOENT') throw err;
  }

  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const { publicKey, privateKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG, use: 'sig' };

  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(tmp, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(tmp, 0o600); // in case the umask dropped bits from the mode above
    await link(tmp, file);
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
    // Another process created the key first: use theirs.
    return toDevKeys(JSON.parse(await readFile(file, 'utf8')), file);
  } finally {
    await unlink(tmp).catch(() => {});
  }
  return toDevKeys(privateJwk, file);
}

/**
 * Starts the issuer's discovery endpoints:
 * `GET /.well-known/openid-configuration` and `GET /.well-known/jwks.json`.
 * @param {{ port: number, host?: string, keysDir: string, issuer?: string }} options
 *   `port` 0 picks a free port; `issuer` defaults to `http://<host>:<port>`.
 * @returns {Promise<{ issuer: string, port: number, stop(): Promise<void> }>}
 */
export async function startDevIssuer({ port, host = '127.0.0.1', keysDir, issuer }) {
  await ensureDevKeys(keysDir);
  /** @type {string} */
  let issuerUrl = '';

  const server = createServer((req, res) => {
    /**
     * @param {number} status
     * @param {unknown} body
     */
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { error: 'method_not_allowed' });
    if (path === '/.well-known/openid-configuration') {
      return send(200, {
        issuer: issuerUrl,
        jwks_uri: `${issuerUrl}/.well-known/jwks.json`,
        id_token_signing_alg_values_supported: [ALG],
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
      });
    }
    if (path === '/.well-known/jwks.json') {
      // Re-read on each request so a key regenerated by `npm run token` is served without a restart.
      ensureDevKeys(keysDir).then(
        ({ publicJwk }) => send(200, { keys: [publicJwk] }),
        (err) => send(500, { error: String(err?.message ?? err) }),
      );
      return;
    }
    return send(404, { error: 'not_found' });
  });

  await new Promise((resolveListen, rejectListen) => {
    server.once('error', (/** @type {NodeJS.ErrnoException} */ err) => {
      rejectListen(
        err.code === 'EADDRINUSE'
          ? new Error(`Dev issuer cannot listen on ${host}:${port}: port ${port} is already in use`, {
              cause: err,
            })
          : err,
      );
    });
    server.listen(port, host, () => resolveListen(undefined));
  });

  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  issuerUrl = (issuer ?? `http://${host}:${actualPort}`).replace(/\/+$/, '');

  return {
    issuer: issuerUrl,
    port: actualPort,
    stop: () =>
      new Promise((resolveStop, rejectStop) => {
        server.close((err) => (err ? rejectStop(err) : resolveStop()));
        server.closeAllConnections();
      }),
  };
}

/**
 * Signs an RS256 token shaped like a Cognito ID token.
 * @param {object} options
 * @param {string} options.keysDir
 * @param {string} options.issuer                 `iss`
 * @param {string | string[]} options.audience   `aud` (the Cognito app client id)
 * @param {string} options.userId                `sub` and `cognito:username`
 * @param {boolean} [options.admin]              adds `cognito:groups: ['admin']`
 * @param {string | number} [options.expiresIn]  jose time span ('15m', '1h', '-1m'…) or seconds from now
 * @param {string} [options.email]               adds `email` and `email_verified: true`
 * @returns {Promise<string>}
 */
export async function signDevToken({
  keysDir,
  issuer,
  audience,
  userId,
  admin = false,
  expiresIn = '1h',
  email,
}) {
  if (typeof userId !== 'string' || userId.trim() === '')
    throw new Error('userId must be a non-empty string');
  const { privateJwk, kid } = await ensureDevKeys(keysDir);
  const key = await importJWK(privateJwk, ALG);
  const nowInSeconds = () => Math.floor(Date.now() / 1000);
  /** @param {number} iat */
  const unsigned = (iat) => {
    /** @type {import('jose').JWTPayload} */
    const claims = { token_use: 'id', auth_time: iat, 'cognito:username': userId };
    if (admin) claims['cognito:groups'] = ['admin'];
    if (email) {
      claims.email = email;
      claims.email_verified = true;
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALG, kid })
      .setSubject(userId)
      .setAudience(audience)
      .setIssuer(issuer)
      .setIssuedAt(iat)
      .setJti(randomUUID())
      .setExpirationTime(typeof expiresIn === 'number' ? iat + expiresIn : expiresIn);
  };
  // jose counts a span ('1h') from the clock as it reads it, not from `iat`: built across a second's
  // boundary, the token lived one second longer than asked. Built again in that case (synchronous, so at
  // most once), `exp - iat` is exactly the span.
  let iat = nowInSeconds();
  let token = unsigned(iat);
  while (nowInSeconds() !== iat) {
    iat = nowInSeconds();
    token = unsigned(iat);
  }
  return token.sign(key);
}
