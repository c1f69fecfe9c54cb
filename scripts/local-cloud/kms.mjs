// Local AWS KMS emulator: the AWS JSON 1.1 endpoint (`X-Amz-Target: TrentService.<Operation>`) for what the
// functions use of KMS, symmetric Encrypt and Decrypt with an encryption context, so card tokens and contact
// details are sealed and opened locally exactly as on AWS. Functions reach it through AWS_ENDPOINT_URL_KMS.
//
// Keys: one per AWS::KMS::Key of the stack, reachable by its key id, key ARN, alias name or alias ARN. Each has
// 256 bits of material generated on first start and kept in `.local/<stage>/kms-keys.json` (gitignored, mode
// 0600), so what was sealed before a restart still opens.
//
// Ciphertext blob (this emulator's own format; AWS's is opaque too, and it also names the key inside):
//   byte 0        format version, 1
//   byte 1        n, the length of the key id
//   bytes 2..     the key id (n ASCII bytes)
//   next 12       AES-GCM IV (random per Encrypt)
//   next 16       AES-GCM authentication tag
//   the rest      AES-256-GCM ciphertext of the plaintext
// The additional authenticated data is the header (version, key id) followed by the encryption context as JSON
// with its keys sorted: another context, another key id or a changed byte fails authentication, and Decrypt answers
// InvalidCiphertextException as KMS does.
//
// Differences from AWS (decisions.md): no IAM, key policy or grants (any caller may use any key); no CloudTrail;
// no key rotation (one material per key); only Encrypt, Decrypt and DescribeKey; ciphertexts of AWS and of this
// emulator are not interchangeable.

import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { readBodyText } from './http-body.mjs';

/**
 * @typedef {(level: 'info' | 'warn' | 'error', message: string) => void} Log
 * @typedef {{ name: string, aliases?: string[] }} KeyDeclaration a key of the stack: its logical id and aliases
 * @typedef {{ keyId: string, material: string }} StoredKey material in base64
 * @typedef {{
 *   port: number,
 *   host?: string,
 *   region: string,
 *   accountId: string,
 *   keys: KeyDeclaration[],
 *   keyStoreFile: string,
 *   log?: Log,
 * }} LocalKmsOptions
 * @typedef {{ endpoint: string, port: number, stop(): Promise<void>, keyArnOf(name: string): string }} LocalKms
 */

const AWS_JSON = 'application/x-amz-json-1.1';
const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** KMS encrypts at most 4 KB of plaintext directly. */
const MAX_PLAINTEXT_BYTES = 4096;
const MAX_CIPHERTEXT_BYTES = 6144;
const MAX_REQUEST_BYTES = 64 * 1024;
const SYMMETRIC_DEFAULT = 'SYMMETRIC_DEFAULT';

class KmsError extends Error {
  /** @param {string} type @param {string} message @param {number} [status] */
  constructor(type, message, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

/**
 * The encryption context as authenticated data: keys sorted, so the order a caller lists them in does not matter
 * (as on AWS).
 * @param {Record<string, string>} context
 */
export function canonicalContext(context) {
  return JSON.stringify(
    Object.keys(context)
      .sort()
      .map((key) => [key, context[key]]),
  );
}

/** @param {number} version @param {string} keyId */
function headerOf(version, keyId) {
  const id = Buffer.from(keyId, 'ascii');
  return Buffer.concat([Buffer.from([version, id.length]), id]);
}

/**
 * @param {Buffer} material @param {string} keyId @param {Buffer} plaintext @param {Record<string, string>} context
 * @returns {Buffer}
 */
export function sealBlob(material, keyId, plaintext, context) {
  const header = headerOf(FORMAT_VERSION, keyId);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(Buffer.concat([header, Buffer.from(canonicalContext(context), 'utf8')]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

/**
 * The key id a blob names, and its parts; undefined when it is not a blob of this format.
 * @param {Buffer} blob
 */
export function parseBlob(blob) {
  if (blob.length < 2 || blob[0] !== FORMAT_VERSION) return undefined;
  const idLength = blob[1] ?? 0;
  const ivStart = 2 + idLength;
  const tagStart = ivStart + IV_BYTES;
  const bodyStart = tagStart + TAG_BYTES;
  if (blob.length < bodyStart) return undefined;
  return {
    keyId: blob.subarray(2, ivStart).toString('ascii'),
    header: blob.subarray(0, ivStart),
    iv: blob.subarray(ivStart, tagStart),
    tag: blob.subarray(tagStart, bodyStart),
    body: blob.subarray(bodyStart),
  };
}

/**
 * @param {Buffer} material @param {NonNullable<ReturnType<typeof parseBlob>>} parts @param {Record<string, string>} context
 * @returns {Buffer | undefined} undefined when authentication fails (another context, key, or a changed byte)
 */
export function openBlob(material, parts, context) {
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, parts.iv);
    decipher.setAAD(Buffer.concat([parts.header, Buffer.from(canonicalContext(context), 'utf8')]));
    decipher.setAuthTag(parts.tag);
    return Buffer.concat([decipher.update(parts.body), decipher.final()]);
  } catch {
    return undefined;
  }
}

/**
 * Key material per declared key, created on first use and kept in `file`.
 * @param {string} file @param {KeyDeclaration[]} declared
 * @returns {Record<string, StoredKey>}
 */
function loadKeyStore(file, declared) {
  /** @type {Record<string, StoredKey>} */
  const stored = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  let changed = false;
  for (const { name } of declared) {
    if (stored[name]) continue;
    stored[name] = { keyId: randomUUID(), material: randomBytes(32).toString('base64') };
    changed = true;
  }
  if (changed) {
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return stored;
}

/**
 * @typedef {{ keyId: string, arn: string, material: Buffer }} LocalKey
 * The keys of a running emulator, by every way a caller may name one, and where they live.
 * @typedef {{
 *   region: string,
 *   accountId: string,
 *   byName: Map<string, LocalKey>,
 *   byKeyId: Map<string, LocalKey>,
 * }} KeyRing
 */

/**
 * @param {{ region: string, accountId: string }} where
 * @param {string} keyId
 */
function arnOf({ region, accountId }, keyId) {
  return `arn:aws:kms:${region}:${accountId}:key/${keyId}`;
}

/**
 * Indexes the declared keys by key id, key ARN, alias name and alias ARN.
 * @param {KeyDeclaration[]} declared
 * @param {Record<string, StoredKey>} store
 * @param {string} region
 * @param {string} accountId
 * @returns {KeyRing}
 */
function keyRingOf(declared, store, region, accountId) {
  /** @type {KeyRing} */
  const ring = { region, accountId, byName: new Map(), byKeyId: new Map() };
  for (const { name, aliases = [] } of declared) {
    const stored = /** @type {StoredKey} */ (store[name]);
    const key = {
      keyId: stored.keyId,
      arn: arnOf(ring, stored.keyId),
      material: Buffer.from(stored.material, 'base64'),
    };
    ring.byKeyId.set(key.keyId, key);
    for (const reference of [key.keyId, key.arn]) ring.byName.set(reference, key);
    for (const alias of aliases) {
      ring.byName.set(alias, key);
      ring.byName.set(`arn:aws:kms:${region}:${accountId}:${alias}`, key);
    }
  }
  return ring;
}

/**
 * The key a request's KeyId names, or the error KMS answers.
 * @param {KeyRing} ring
 * @param {unknown} keyId
 */
function keyNamed(ring, keyId) {
  if (typeof keyId !== 'string' || keyId === '') {
    throw new KmsError(
      'ValidationException',
      "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
  }
  const key = ring.byName.get(keyId);
  if (key) return key;
  const what = keyId.includes('alias/') ? 'Alias' : 'Key';
  const arn = keyId.startsWith('arn:')
    ? keyId
    : keyId.startsWith('alias/')
      ? `arn:aws:kms:${ring.region}:${ring.accountId}:${keyId}`
      : arnOf(ring, keyId);
  throw new KmsError('NotFoundException', `${what} '${arn}' does not exist`);
}

/** @param {unknown} context @returns {Record<string, string>} */
function contextOf(context) {
  if (context === undefined || context === null) return {};
  if (typeof context !== 'object' || Array.isArray(context)) {
    throw new KmsError('ValidationException', 'EncryptionContext must be a map of strings');
  }
  for (const value of Object.values(context)) {
    if (typeof value !== 'string')
      throw new KmsError('ValidationException', 'EncryptionContext must be a map of strings');
  }
  return /** @type {Record<string, string>} */ (context);
}

/** @param {unknown} algorithm */
function checkAlgorithm(algorithm) {
  if (algorithm !== undefined && algorithm !== SYMMETRIC_DEFAULT) {
    throw new KmsError(
      'InvalidKeyUsageException',
      `The key does not support ${String(algorithm)}: only ${SYMMETRIC_DEFAULT} keys exist locally`,
    );
  }
}

/** @param {unknown} value @param {string} field */
function blobOf(value, field) {
  if (typeof value !== 'string' || value === '') {
    throw new KmsError(
      'ValidationException',
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return Buffer.from(value, 'base64');
}

/** @param {string} field @param {number} max */
function tooLong(field, max) {
  return new KmsError(
    'ValidationException',
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
  );
}

/** @param {KeyRing} ring @param {Record<string, unknown>} input */
function encrypt(ring, input) {
  const key = keyNamed(ring, input.KeyId);
  checkAlgorithm(input.EncryptionAlgorithm);
  const plaintext = blobOf(input.Plaintext, 'plaintext');
  if (plaintext.length > MAX_PLAINTEXT_BYTES) throw tooLong('plaintext', MAX_PLAINTEXT_BYTES);
  const blob = sealBlob(key.material, key.keyId, plaintext, contextOf(input.EncryptionContext));
  return {
    CiphertextBlob: blob.toString('base64'),
    KeyId: key.arn,
    EncryptionAlgorithm: SYMMETRIC_DEFAULT,
  };
}

/** @param {KeyRing} ring @param {Record<string, unknown>} input */
function decrypt(ring, input) {
  checkAlgorithm(input.EncryptionAlgorithm);
  const blob = blobOf(input.CiphertextBlob, 'ciphertextBlob');
  if (blob.length > MAX_CIPHERTEXT_BYTES) throw tooLong('ciphertextBlob', MAX_CIPHERTEXT_BYTES);
  const parts = parseBlob(blob);
  const key = parts && ring.byKeyId.get(parts.keyId);
  // KMS says no more than this about a ciphertext it cannot use: no hint of which part was wrong.
  if (!parts || !key) throw new KmsError('InvalidCiphertextException', '');
  if (input.KeyId !== undefined && keyNamed(ring, input.KeyId).keyId !== key.keyId) {
    throw new KmsError(
      'IncorrectKeyException',
      'The key ID in the request does not identify a CMK that can perform this operation.',
    );
  }
  const plaintext = openBlob(key.material, parts, contextOf(input.EncryptionContext));
  if (!plaintext) throw new KmsError('InvalidCiphertextException', '');
  return {
    KeyId: key.arn,
    Plaintext: plaintext.toString('base64'),
    EncryptionAlgorithm: SYMMETRIC_DEFAULT,
  };
}

/** @param {KeyRing} ring @param {Record<string, unknown>} input */
function describeKey(ring, input) {
  const key = keyNamed(ring, input.KeyId);
  return {
    KeyMetadata: {
      AWSAccountId: ring.accountId,
      KeyId: key.keyId,
      Arn: key.arn,
      Enabled: true,
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: SYMMETRIC_DEFAULT,
      KeyManager: 'CUSTOMER',
      Origin: 'AWS_KMS',
      EncryptionAlgorithms: [SYMMETRIC_DEFAULT],
    },
  };
}

/** @type {Record<string, (ring: KeyRing, input: Record<string, unknown>) => unknown>} */
const OPERATIONS = {
  'TrentService.Encrypt': encrypt,
  'TrentService.Decrypt': decrypt,
  'TrentService.DescribeKey': describeKey,
};

/** @param {import('node:http').ServerResponse} res @param {number} status @param {unknown} body */
function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': AWS_JSON, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** @param {import('node:http').IncomingMessage} req */
async function readJson(req) {
  const text = await readBodyText(
    req,
    MAX_REQUEST_BYTES,
    () => new KmsError('ValidationException', 'The request is too large'),
  );
  if (text === '') return {};
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed;
  } catch {
    // answered below
  }
  throw new KmsError('SerializationException', 'The request body is not a JSON object');
}

/**
 * The AWS JSON 1.1 endpoint (the operation named by X-Amz-Target), and `GET /_local/health`.
 * @param {KeyRing} ring
 * @param {KeyDeclaration[]} declared
 * @param {Log} log
 * @returns {import('node:http').RequestListener}
 */
function requestHandler(ring, declared, log) {
  return async (req, res) => {
    try {
      if (req.method === 'GET' && req.url === '/_local/health') {
        send(res, 200, { ok: true, keys: declared.map(({ name, aliases = [] }) => ({ name, aliases })) });
        return;
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = OPERATIONS[target];
      if (req.method !== 'POST' || !operation) {
        throw new KmsError(
          'UnknownOperationException',
          `Operation ${target || '(none)'} is not supported by the local KMS emulator (supported: ${Object.keys(OPERATIONS).join(', ')}).`,
        );
      }
      send(res, 200, operation(ring, await readJson(req)));
    } catch (error) {
      if (error instanceof KmsError) {
        send(res, error.status, { __type: error.type, ...(error.message ? { message: error.message } : {}) });
        return;
      }
      log('error', `[kms] ${/** @type {Error} */ (error).stack ?? String(error)}`);
      send(res, 500, { __type: 'KMSInternalException', message: 'Internal error of the local KMS emulator' });
    }
  };
}

/**
 * @param {LocalKmsOptions} options
 * @returns {Promise<LocalKms>}
 */
export async function startLocalKms(options) {
  const { port, host = '127.0.0.1', region, accountId, keys: declared, keyStoreFile } = options;
  const log = options.log ?? (() => {});
  const store = loadKeyStore(keyStoreFile, declared);
  const ring = keyRingOf(declared, store, region, accountId);

  const server = createServer(requestHandler(ring, declared, log));
  server.listen(port, host);
  await once(server, 'listening');
  const listening = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  log('info', `[kms] ${declared.length} key(s) on http://${host}:${listening} (material in ${keyStoreFile})`);

  return {
    endpoint: `http://${host}:${listening}`,
    port: listening,
    keyArnOf(name) {
      const stored = store[name];
      if (!stored) throw new Error(`No local KMS key ${name}`);
      return arnOf(ring, stored.keyId);
    },
    async stop() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
/**
 * The stack's keys and their aliases, from its CloudFormation resources (AWS::KMS::Key, AWS::KMS::Alias).
 * @param {Record<string, { Type: string, Properties?: any }>} resources
 * @returns {KeyDeclaration[]}
 */
export function kmsKeysOf(resources) {
  const keys = Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::KMS::Key')
    .map(([name]) => ({ name, aliases: /** @type {string[]} */ ([]) }));
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::KMS::Alias') continue;
    const target = resource.Properties?.TargetKeyId?.Ref;
    const key = keys.find(({ name }) => name === target);
    if (key && typeof resource.Properties?.AliasName === 'string')
      key.aliases.push(resource.Properties.AliasName);
  }
  return keys;
}
