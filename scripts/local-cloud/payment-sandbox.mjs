// Local payment provider sandbox: a small JSON API shaped like a card processor's (authorize, capture, void,
// refund), idempotent by the caller's idempotency key, with an outage switch so the circuit breaker and the
// recovery of waiting orders can be observed on a laptop.
//
// The payments domain reaches it through PAYMENT_PROVIDER_URL. Tests and fault drills use the local-only
// endpoints under /_sandbox/ (outage switch, ledger), which a real provider does not have.
//
// Tokens: `tok_visa` is approved; anything else (`tok_declined`, …) is declined (../shared/API.md). A test
// that must follow one token everywhere it must not be registers its own test card first
// (`POST /_sandbox/test-cards {"token"}`, local only), which is then approved too. The sandbox keeps a SHA-256
// fingerprint of a registered or authorized token, never the token.

import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { readBodyText } from './http-body.mjs';

/**
 * @typedef {'off' | 'timeout' | 'error'} OutageMode
 * @typedef {'authorize' | 'capture' | 'void' | 'refund'} ApiOperation
 * @typedef {(level: 'info' | 'warn' | 'error', message: string) => void} Log
 * @typedef {{ amount: number, currency: string }} Money
 * @typedef {{
 *   authorizationId: string, orderId: string, amount: Money, status: 'authorized' | 'captured' | 'voided' | 'refunded',
 *   idempotencyKey: string, at: string, captureId?: string, refundId?: string, tokenFingerprint: string,
 * }} Authorization
 * @typedef {{ orderId: string, amount: Money, reason: string, idempotencyKey: string, at: string, tokenFingerprint: string }} Decline
 * @typedef {{ captureId: string, authorizationId: string, orderId: string, amount: Money, at: string }} Capture
 * @typedef {{ authorizationId: string, orderId: string, at: string }} VoidEntry
 * @typedef {{ refundId: string, captureId: string, authorizationId: string, orderId: string, amount: Money, at: string }} Refund
 * @typedef {{
 *   authorizations: Authorization[], declines: Decline[], captures: Capture[], voids: VoidEntry[], refunds: Refund[],
 * }} Ledger
 * @typedef {{
 *   port: number,
 *   host?: string,
 *   apiKey?: string,
 *   log?: Log,
 *   timeoutHoldMs?: number,
 * }} PaymentSandboxOptions
 * @typedef {{
 *   url: string,
 *   port: number,
 *   stop(): Promise<void>,
 *   setOutage(mode: OutageMode, operations?: ApiOperation[]): void,
 *   rotateApiKey(apiKey: string): void,
 *   outage(): OutageMode,
 *   ledger(orderId?: string): Ledger,
 * }} PaymentSandbox
 * @typedef {{ status: number, body: Record<string, unknown> }} Answer
 */

const OUTAGE_MODES = /** @type {const} */ (['off', 'timeout', 'error']);
const API_OPERATIONS = /** @type {const} */ (['authorize', 'capture', 'void', 'refund']);
const APPROVED_TOKEN = 'tok_visa';
const MAX_BODY_BYTES = 64 * 1024;
const AUTHORIZATION_ROUTE = /^\/v1\/authorizations\/([^/]+)\/(capture|void|refund)$/;

class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * @param {unknown} value
 * @returns {value is OutageMode}
 */
function isOutageMode(value) {
  return OUTAGE_MODES.includes(/** @type {OutageMode} */ (value));
}

/**
 * `undefined` (every operation), or a non-empty list of known operations without repeats.
 * @param {unknown} value
 * @returns {value is ApiOperation[] | undefined}
 */
function isOperationList(value) {
  if (value === undefined) return true;
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    new Set(value).size === value.length &&
    value.every((v) => API_OPERATIONS.includes(/** @type {ApiOperation} */ (v)))
  );
}

/**
 * The provider operation a request path asks for, if any.
 * @param {string} pathname
 * @returns {ApiOperation | undefined}
 */
function operationOf(pathname) {
  if (pathname === '/v1/authorizations') return 'authorize';
  return /** @type {ApiOperation | undefined} */ (AUTHORIZATION_ROUTE.exec(pathname)?.[2]);
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 */
function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** @param {import('node:http').IncomingMessage} req */
async function readJson(req) {
  const text = await readBodyText(req, MAX_BODY_BYTES, () => new HttpError(413, 'Request body too large'));
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Request body is not JSON');
  }
}

/**
 * @param {Record<string, unknown>} body
 * @param {string} field
 */
function requiredString(body, field) {
  const value = body[field];
  if (typeof value !== 'string' || value === '')
    throw new HttpError(400, `"${field}" must be a non-empty string`);
  return value;
}

/** @param {unknown} value @returns {Money} */
function parseMoney(value) {
  if (
    !isPlainObject(value) ||
    !Number.isInteger(value.amount) ||
    /** @type {number} */ (value.amount) < 0 ||
    typeof value.currency !== 'string' ||
    !/^[A-Z]{3}$/.test(value.currency)
  ) {
    throw new HttpError(400, '"amount" must be { amount: <integer minor units>, currency: "<ISO 4217>" }');
  }
  return { amount: /** @type {number} */ (value.amount), currency: value.currency };
}

/**
 * What the handlers of a running sandbox share.
 * @typedef {{
 *   log: Log,
 *   timeoutHoldMs: number,
 *   outage: OutageMode,
 *   outageOperations: ApiOperation[] | undefined,
 *   acceptedKey: string,
 *   ledger: Ledger,
 *   authorizations: Map<string, Authorization>,
 *   answers: Map<string, { fingerprint: string, answer: Answer }>,
 *   held: Set<{ timer: NodeJS.Timeout, res: import('node:http').ServerResponse }>,
 *   testCards: Set<string>,
 * }} SandboxState
 * `acceptedKey`: only the newest key is accepted, a rotation that revokes the old key at once (the hardest case).
 * `answers`: answers already given, by operation and idempotency key; a repeated call gets the same answer.
 * `outageOperations`: the operations an outage applies to, every one when undefined (a capture that fails
 * after its authorization went through, say); always undefined while the switch is off. `held`: calls held
 * during a `timeout` outage. `testCards`: fingerprints of the test cards registered through
 * /_sandbox/test-cards, approved like tok_visa.
 */

const now = () => new Date().toISOString();

/** @param {string} token */
const fingerprintOf = (token) => createHash('sha256').update(token).digest('hex');

// -------------------------------------------------------------------------------------------------------------
// The provider's API
// -------------------------------------------------------------------------------------------------------------

/**
 * Runs `perform` once per (operation, idempotency key); later calls with the same key get the stored
 * answer. The same key with a different request is a client bug (409), as with real providers.
 * @param {SandboxState} sandbox
 * @param {string} scope
 * @param {string} key
 * @param {unknown} request
 * @param {() => Answer} perform
 * @returns {Answer}
 */
function answerOnce(sandbox, scope, key, request, perform) {
  const id = `${scope}:${key}`;
  const fingerprint = JSON.stringify(request);
  const previous = sandbox.answers.get(id);
  if (previous) {
    if (previous.fingerprint !== fingerprint) {
      return { status: 409, body: { error: 'idempotency_key_reused', idempotencyKey: key } };
    }
    return previous.answer;
  }
  const answer = perform();
  // Only final answers are remembered; a state conflict may be retried once the state allows it.
  if (answer.status < 400 || answer.status === 402) sandbox.answers.set(id, { fingerprint, answer });
  return answer;
}

/**
 * @param {SandboxState} sandbox
 * @param {Record<string, unknown>} body
 * @returns {Answer}
 */
function authorize(sandbox, body) {
  const request = {
    orderId: requiredString(body, 'orderId'),
    amount: parseMoney(body.amount),
    token: requiredString(body, 'token'),
  };
  const idempotencyKey = requiredString(body, 'idempotencyKey');
  return answerOnce(sandbox, 'authorize', idempotencyKey, request, () => {
    const tokenFingerprint = fingerprintOf(request.token);
    const { token, ...charge } = request;
    const entry = { ...charge, idempotencyKey, tokenFingerprint };
    return token !== APPROVED_TOKEN && !sandbox.testCards.has(tokenFingerprint)
      ? decline(sandbox, entry, token === 'tok_declined' ? 'card_declined' : 'unknown_token')
      : approve(sandbox, entry);
  });
}

/**
 * @typedef {{ orderId: string, amount: Money, idempotencyKey: string, tokenFingerprint: string }} AuthorizationRequest
 */

/**
 * @param {SandboxState} sandbox
 * @param {AuthorizationRequest} request
 * @param {string} reason
 * @returns {Answer}
 */
function decline(sandbox, request, reason) {
  const { orderId, amount, idempotencyKey, tokenFingerprint } = request;
  sandbox.ledger.declines.push({ orderId, amount, reason, idempotencyKey, at: now(), tokenFingerprint });
  sandbox.log('info', `[payment-sandbox] declined ${orderId} (${reason})`);
  return { status: 402, body: { status: 'declined', reason } };
}

/**
 * @param {SandboxState} sandbox
 * @param {AuthorizationRequest} request
 * @returns {Answer}
 */
function approve(sandbox, request) {
  const { orderId, amount } = request;
  /** @type {Authorization} */
  const authorization = {
    authorizationId: `auth_${randomUUID()}`,
    orderId,
    amount,
    status: 'authorized',
    idempotencyKey: request.idempotencyKey,
    at: now(),
    tokenFingerprint: request.tokenFingerprint,
  };
  sandbox.authorizations.set(authorization.authorizationId, authorization);
  sandbox.ledger.authorizations.push(authorization);
  sandbox.log('info', `[payment-sandbox] authorized ${orderId} ${amount.amount} ${amount.currency}`);
  return {
    status: 201,
    body: { authorizationId: authorization.authorizationId, status: 'approved', orderId, amount },
  };
}

/**
 * @param {SandboxState} sandbox
 * @param {string} authorizationId
 */
function authorizationOf(sandbox, authorizationId) {
  const authorization = sandbox.authorizations.get(authorizationId);
  if (!authorization) throw new HttpError(404, `No authorization ${authorizationId}`);
  return authorization;
}

/** @param {Authorization} authorization @returns {Answer} */
function conflict(authorization) {
  return { status: 409, body: { error: 'invalid_state', status: authorization.status } };
}

/**
 * @param {SandboxState} sandbox
 * @param {string} authorizationId
 * @param {Record<string, unknown>} body
 * @returns {Answer}
 */
function capture(sandbox, authorizationId, body) {
  const idempotencyKey = requiredString(body, 'idempotencyKey');
  return answerOnce(sandbox, 'capture', idempotencyKey, { authorizationId }, () => {
    const authorization = authorizationOf(sandbox, authorizationId);
    if (authorization.status !== 'authorized') return conflict(authorization);
    const captureId = `cap_${randomUUID()}`;
    authorization.status = 'captured';
    authorization.captureId = captureId;
    const { orderId, amount } = authorization;
    sandbox.ledger.captures.push({ captureId, authorizationId, orderId, amount, at: now() });
    sandbox.log('info', `[payment-sandbox] captured ${orderId} ${amount.amount} ${amount.currency}`);
    return { status: 200, body: { captureId, status: 'captured', amount } };
  });
}

/**
 * @param {SandboxState} sandbox
 * @param {string} authorizationId
 * @returns {Answer}
 */
function voidAuthorization(sandbox, authorizationId) {
  const authorization = authorizationOf(sandbox, authorizationId);
  if (authorization.status === 'voided') return { status: 200, body: { authorizationId, status: 'voided' } };
  if (authorization.status !== 'authorized') return conflict(authorization);
  authorization.status = 'voided';
  sandbox.ledger.voids.push({ authorizationId, orderId: authorization.orderId, at: now() });
  sandbox.log('info', `[payment-sandbox] voided ${authorization.orderId}`);
  return { status: 200, body: { authorizationId, status: 'voided' } };
}

/**
 * @param {SandboxState} sandbox
 * @param {string} authorizationId
 * @param {Record<string, unknown>} body
 * @returns {Answer}
 */
function refund(sandbox, authorizationId, body) {
  const idempotencyKey = requiredString(body, 'idempotencyKey');
  return answerOnce(sandbox, 'refund', idempotencyKey, { authorizationId }, () => {
    const authorization = authorizationOf(sandbox, authorizationId);
    if (authorization.status !== 'captured' || !authorization.captureId) return conflict(authorization);
    const refundId = `ref_${randomUUID()}`;
    authorization.status = 'refunded';
    authorization.refundId = refundId;
    const { orderId, amount, captureId } = authorization;
    sandbox.ledger.refunds.push({ refundId, captureId, authorizationId, orderId, amount, at: now() });
    sandbox.log('info', `[payment-sandbox] refunded ${orderId} ${amount.amount} ${amount.currency}`);
    return { status: 200, body: { refundId, status: 'refunded', amount } };
  });
}

/**
 * @param {SandboxState} sandbox
 * @param {import('node:http').IncomingMessage} req
 * @param {URL} url
 * @returns {Promise<Answer>}
 */
async function handleApi(sandbox, req, url) {
  if (req.headers['x-api-key'] !== sandbox.acceptedKey)
    return { status: 401, body: { error: 'invalid_api_key' } };
  if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not allowed here`);
  const body = await readJson(req);
  if (!isPlainObject(body)) throw new HttpError(400, 'Request body must be a JSON object');
  if (url.pathname === '/v1/authorizations') return authorize(sandbox, body);
  const match = AUTHORIZATION_ROUTE.exec(url.pathname);
  if (!match) throw new HttpError(404, `No route ${url.pathname}`);
  const authorizationId = decodeURIComponent(/** @type {string} */ (match[1]));
  if (match[2] === 'capture') return capture(sandbox, authorizationId, body);
  if (match[2] === 'refund') return refund(sandbox, authorizationId, body);
  return voidAuthorization(sandbox, authorizationId);
}

// -------------------------------------------------------------------------------------------------------------
// Local-only control endpoints (/_sandbox/): outage switch, test cards, ledger, health
// -------------------------------------------------------------------------------------------------------------

/**
 * Local-only control endpoints (not part of a real provider's API).
 * @param {SandboxState} sandbox
 * @param {import('node:http').IncomingMessage} req
 * @param {URL} url
 * @returns {Promise<Answer>}
 */
async function handleControl(sandbox, req, url) {
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /_sandbox/outage':
      return { status: 200, body: outageOf(sandbox) };
    case 'POST /_sandbox/outage': {
      const body = await readJson(req);
      if (!isPlainObject(body) || !isOutageMode(body.mode) || !isOperationList(body.operations)) {
        throw new HttpError(
          400,
          `Expected a JSON body { "mode": ${OUTAGE_MODES.map((m) => `"${m}"`).join(' | ')}, "operations"?: [${API_OPERATIONS.map((o) => `"${o}"`).join(', ')}] (some of them; every operation when left out) }`,
        );
      }
      setOutage(sandbox, body.mode, body.operations);
      return { status: 200, body: outageOf(sandbox) };
    }
    case 'POST /_sandbox/test-cards': {
      const body = await readJson(req);
      const token = isPlainObject(body) ? body.token : undefined;
      if (typeof token !== 'string' || !/^tok_[A-Za-z0-9_-]{1,120}$/.test(token)) {
        throw new HttpError(400, 'Expected a JSON body { "token": "tok_<letters, digits, _ or ->" }');
      }
      sandbox.testCards.add(fingerprintOf(token));
      return { status: 201, body: { registered: true } };
    }
    case 'GET /_sandbox/ledger':
      return { status: 200, body: ledgerOf(sandbox, url.searchParams.get('orderId') ?? undefined) };
    case 'GET /_sandbox/health':
      return { status: 200, body: { status: 'ok', outage: sandbox.outage } };
    default:
      throw new HttpError(404, `No sandbox endpoint ${route}`);
  }
}

/**
 * A copy of the ledger, optionally of one order only.
 * @param {SandboxState} sandbox
 * @param {string} [orderId]
 * @returns {Ledger}
 */
function ledgerOf({ ledger }, orderId) {
  /** @template {{ orderId: string }} T @param {T[]} entries */
  const pick = (entries) => structuredClone(orderId ? entries.filter((e) => e.orderId === orderId) : entries);
  return {
    authorizations: pick(ledger.authorizations),
    declines: pick(ledger.declines),
    captures: pick(ledger.captures),
    voids: pick(ledger.voids),
    refunds: pick(ledger.refunds),
  };
}

/**
 * The outage switch as the control endpoint reports it.
 * @param {SandboxState} sandbox
 */
function outageOf({ outage, outageOperations }) {
  return outageOperations ? { mode: outage, operations: outageOperations } : { mode: outage };
}

/**
 * @param {SandboxState} sandbox
 * @param {OutageMode} mode
 * @param {ApiOperation[]} [operations] every operation when left out
 */
function setOutage(sandbox, mode, operations) {
  if (!isOutageMode(mode)) throw new Error(`Unknown outage mode "${String(mode)}"`);
  if (!isOperationList(operations)) throw new Error(`Unknown operations ${JSON.stringify(operations)}`);
  const scope = mode === 'off' ? undefined : operations;
  if (mode !== sandbox.outage || scope?.join() !== sandbox.outageOperations?.join()) {
    const calls = scope ? `every ${scope.join(', ')} call` : 'every API call';
    const what = {
      off: 'OFF',
      timeout: `ON (timeout): ${calls} is held ${sandbox.timeoutHoldMs} ms, then answered 504`,
      error: `ON (error): ${calls} is answered 503`,
    };
    sandbox.log('warn', `[payment-sandbox] outage ${what[mode]}`);
  }
  sandbox.outage = mode;
  sandbox.outageOperations = scope;
}

/**
 * Whether the outage switch takes this API call.
 * @param {SandboxState} sandbox
 * @param {string} pathname
 */
function isOut({ outage, outageOperations }, pathname) {
  if (outage === 'off') return false;
  if (!outageOperations) return true;
  const operation = operationOf(pathname);
  return operation !== undefined && outageOperations.includes(operation);
}

/**
 * An API call during an outage is not processed at all: nothing is charged.
 * @param {SandboxState} sandbox
 * @param {import('node:http').ServerResponse} res
 */
function answerOutage(sandbox, res) {
  if (sandbox.outage === 'error') {
    send(res, 503, { error: 'service_unavailable' });
    return;
  }
  const { held } = sandbox;
  const entry = {
    res,
    timer: setTimeout(() => {
      held.delete(entry);
      if (!res.destroyed) send(res, 504, { error: 'gateway_timeout' });
    }, sandbox.timeoutHoldMs),
  };
  held.add(entry);
  res.on('close', () => {
    clearTimeout(entry.timer);
    held.delete(entry);
  });
}

// -------------------------------------------------------------------------------------------------------------
// HTTP
// -------------------------------------------------------------------------------------------------------------

/**
 * Routes a request: /_sandbox/ paths, else the provider's API (not processed during an outage).
 * @param {SandboxState} sandbox
 * @returns {import('node:http').RequestListener}
 */
function requestHandler(sandbox) {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isControl = url.pathname.startsWith('/_sandbox/');
    if (!isControl && isOut(sandbox, url.pathname)) {
      req.resume();
      answerOutage(sandbox, res);
      return;
    }
    (isControl ? handleControl(sandbox, req, url) : handleApi(sandbox, req, url))
      .then((answer) => send(res, answer.status, answer.body))
      .catch((error) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (error instanceof HttpError) {
          send(res, error.status, { error: error.message });
          return;
        }
        sandbox.log(
          'error',
          `[payment-sandbox] internal error: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
        );
        send(res, 500, { error: 'internal_error' });
      });
  };
}

/**
 * Starts the local payment sandbox.
 * @param {PaymentSandboxOptions} options
 * @returns {Promise<PaymentSandbox>}
 */
export async function startPaymentSandbox(options) {
  const { port, host = '127.0.0.1', apiKey = 'sandbox-key', timeoutHoldMs = 10_000 } = options;
  /** @type {SandboxState} */
  const sandbox = {
    log: options.log ?? ((level, message) => console[level](message)),
    timeoutHoldMs,
    outage: 'off',
    outageOperations: undefined,
    acceptedKey: apiKey,
    ledger: { authorizations: [], declines: [], captures: [], voids: [], refunds: [] },
    authorizations: new Map(),
    answers: new Map(),
    held: new Set(),
    testCards: new Set(),
  };

  const server = createServer(requestHandler(sandbox));
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    throw new Error(
      `Payment sandbox could not listen on ${host}:${port}: ${/** @type {Error} */ (error).message}`,
    );
  }
  const { port: boundPort } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  sandbox.log('info', `[payment-sandbox] listening on ${url}`);

  /** @type {Promise<void> | undefined} */
  let stopping;
  async function stop() {
    for (const entry of sandbox.held) clearTimeout(entry.timer);
    sandbox.held.clear();
    const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
    server.closeAllConnections();
    await closed;
  }

  return {
    url,
    port: boundPort,
    stop() {
      stopping ??= stop();
      return stopping;
    },
    setOutage: (mode, operations) => setOutage(sandbox, mode, operations),
    rotateApiKey(newKey) {
      sandbox.acceptedKey = newKey;
    },
    outage: () => sandbox.outage,
    ledger: (orderId) => ledgerOf(sandbox, orderId),
  };
}
