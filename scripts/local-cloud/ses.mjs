// Local SES: the SESv2 API's SendEmail (`POST /v2/email/outbound-emails`, JSON as the SDK sends it, `{ MessageId }`
// back as SES answers) for functions whose AWS_ENDPOINT_URL_SESV2 points here. Nothing is delivered: every
// accepted message is captured as an RFC 5322 `.eml` file (plus a `.json` summary) in the stage's mail folder,
// and served to tests and people under the local-only `/_local/` paths:
//   GET  /_local/mail[?to=address]   the captured messages, oldest first: id, from, to, subject, sentAt, text
//   GET  /_local/mail/<id>.eml        one message as it would have been sent
//   POST /_local/mail/fault           `{ "mode": "off" | "throttle" | "reject", "to"?: address }`: SES answers
//                                     429 TooManyRequestsException or 400 MessageRejected until switched off,
//                                     for every message or only those to `to` (so parallel tests stay apart)
//
// Where it differs from SES: no signature check, no sandbox (any recipient, no verified-identity rule for
// sender or recipients), no sending quotas or rate (only the fault switch throttles), no configuration sets,
// suppression list, bounces or complaints; Simple content only (Raw and Template are refused with 400); the
// address check is a plain syntax check. Nothing it prints names a recipient or quotes a message.

import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { readBodyText } from './http-body.mjs';

/**
 * @typedef {(level: 'info' | 'warn' | 'error', message: string) => void} Log
 * @typedef {'off' | 'throttle' | 'reject'} FaultMode
 * @typedef {{
 *   id: string, from: string, to: string[], cc: string[], bcc: string[], replyTo: string[],
 *   subject: string, text?: string, html?: string, sentAt: string, tags: Array<{ Name: string, Value: string }>,
 * }} CapturedMail
 * @typedef {{ port: number, host?: string, mailDir: string, clearOnStart?: boolean, log?: Log }} LocalSesOptions
 * @typedef {{
 *   url: string, port: number, mailDir: string,
 *   messages(filter?: { to?: string }): CapturedMail[],
 *   setFault(mode: FaultMode, to?: string): void,
 *   stop(): Promise<void>,
 * }} LocalSes
 */

const SEND_EMAIL_PATH = '/v2/email/outbound-emails';
const MAIL_PATH = '/_local/mail';
const FAULT_PATH = '/_local/mail/fault';
const EML_PATH = /^\/_local\/mail\/([0-9a-f-]+)\.eml$/;
const FAULT_MODES = /** @type {const} */ (['off', 'throttle', 'reject']);
/** SES's limit on the recipients of one message (To, Cc and Bcc together). */
const MAX_RECIPIENTS = 50;
/** SES v2 takes messages up to 40 MB; nothing here comes close, so a smaller cap only guards the process. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
// Close to what SES checks before it accepts: one at-sign, no spaces or angle brackets, a dotted domain.
const ADDRESS = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;

class SesError extends Error {
  /** @param {number} status @param {string} type @param {string} message */
  constructor(status, type, message) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

/** @param {string} message */
const badRequest = (message) => new SesError(400, 'BadRequestException', message);

/** SES message ids: a hex time prefix, a UUID, a counter (e.g. `0100018c…-6f1e…-000000`). */
function newMessageId() {
  return `${Date.now().toString(16).padStart(16, '0')}-${randomUUID()}-000000`;
}

/** RFC 5322 date: `Tue, 01 Dec 2026 08:10:00 +0000`. @param {Date} date */
function rfc5322Date(date) {
  return date.toUTCString().replace('GMT', '+0000');
}

/** A header value as is when it is printable ASCII, else RFC 2047 encoded (which also keeps CR/LF out). @param {string} value */
function headerValue(value) {
  return /^[\x20-\x7e]*$/.test(value)
    ? value
    : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** @param {string | undefined} text */
const crlf = (text) => (text ?? '').replace(/\r?\n/g, '\r\n');

/** The message as SES would hand it to the recipients' servers (Bcc is not a header). @param {CapturedMail} mail */
export function toEml(mail) {
  const headers = [
    `From: ${headerValue(mail.from)}`,
    `To: ${mail.to.join(', ')}`,
    ...(mail.cc.length ? [`Cc: ${mail.cc.join(', ')}`] : []),
    ...(mail.replyTo.length ? [`Reply-To: ${mail.replyTo.join(', ')}`] : []),
    `Subject: ${headerValue(mail.subject)}`,
    `Date: ${rfc5322Date(new Date(mail.sentAt))}`,
    `Message-ID: <${mail.id}@email.amazonses.com>`,
    'MIME-Version: 1.0',
  ];
  if (mail.text !== undefined && mail.html !== undefined) {
    const boundary = `=_${mail.id}`;
    return [
      ...headers,
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      crlf(mail.text),
      `--${boundary}`,
      'Content-Type: text/html; charset=UTF-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      crlf(mail.html),
      `--${boundary}--`,
      '',
    ].join('\r\n');
  }
  const html = mail.text === undefined;
  return [
    ...headers,
    `Content-Type: text/${html ? 'html' : 'plain'}; charset=UTF-8`,
    'Content-Transfer-Encoding: 8bit',
    '',
    crlf(html ? mail.html : mail.text),
    '',
  ].join('\r\n');
}

/** @param {unknown} value @param {string} field @returns {string[]} */
function addressList(value, field) {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((address) => typeof address !== 'string')) {
    throw badRequest(`${field} must be a list of e-mail addresses.`);
  }
  for (const address of value) {
    // The field is named, never the address: this text reaches the caller's logs.
    if (!ADDRESS.test(address.trim())) throw badRequest(`Illegal address in ${field}.`);
  }
  return value.map((address) => address.trim());
}

/** @param {any} content @param {string} part */
function simpleText(content, part) {
  const value = content?.[part];
  if (value === undefined) return undefined;
  if (typeof value?.Data !== 'string') throw badRequest(`Content.Simple.${part}.Data is required.`);
  return /** @type {string} */ (value.Data);
}

/**
 * Checks a SendEmail request as SES does for what this project uses, and turns it into the captured mail.
 * @param {any} request
 * @param {string} id
 * @param {Date} now
 * @returns {CapturedMail}
 */
export function acceptSendEmail(request, id, now) {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw badRequest('The request body must be a JSON object.');
  }
  const { FromEmailAddress, Destination, Content, ReplyToAddresses, EmailTags } = request;
  if (Content?.Raw !== undefined || Content?.Template !== undefined) {
    throw badRequest(
      'The local SES capture accepts Content.Simple only (Raw and Template are not emulated).',
    );
  }
  const simple = Content?.Simple;
  if (!simple) throw badRequest('Content is required: Simple, Raw or Template.');
  if (typeof FromEmailAddress !== 'string' || FromEmailAddress.trim() === '') {
    throw badRequest('FromEmailAddress is required for Simple content.');
  }
  const [from] = addressList([FromEmailAddress], 'FromEmailAddress');
  if (!Destination || typeof Destination !== 'object') throw badRequest('Destination is required.');
  const to = addressList(Destination.ToAddresses, 'Destination.ToAddresses');
  const cc = addressList(Destination.CcAddresses, 'Destination.CcAddresses');
  const bcc = addressList(Destination.BccAddresses, 'Destination.BccAddresses');
  const recipients = to.length + cc.length + bcc.length;
  if (recipients === 0) throw badRequest('Destination names no recipient.');
  if (recipients > MAX_RECIPIENTS) {
    throw badRequest(`A message may have at most ${MAX_RECIPIENTS} recipients; this one has ${recipients}.`);
  }
  const subject = simpleText(simple, 'Subject');
  if (subject === undefined) throw badRequest('Content.Simple.Subject is required.');
  const text = simpleText(simple.Body ?? {}, 'Text');
  const html = simpleText(simple.Body ?? {}, 'Html');
  if (text === undefined && html === undefined) throw badRequest('Content.Simple.Body needs Text or Html.');
  const tags = Array.isArray(EmailTags) ? EmailTags : [];
  for (const tag of tags) {
    if (!/^[\w-]{1,256}$/.test(String(tag?.Name)) || !/^[\w-]{0,256}$/.test(String(tag?.Value))) {
      throw badRequest('EmailTags names and values may hold only ASCII letters, digits, _ and -.');
    }
  }
  return {
    id,
    from: /** @type {string} */ (from),
    to,
    cc,
    bcc,
    replyTo: addressList(ReplyToAddresses, 'ReplyToAddresses'),
    subject,
    ...(text === undefined ? {} : { text }),
    ...(html === undefined ? {} : { html }),
    sentAt: now.toISOString(),
    tags,
  };
}

/** @param {import('node:http').IncomingMessage} req @returns {Promise<string>} */
function readBody(req) {
  return readBodyText(req, MAX_BODY_BYTES, () =>
    badRequest(`The request is larger than ${MAX_BODY_BYTES} bytes.`),
  );
}

/** @param {string} text */
function parseJson(text) {
  try {
    return text === '' ? {} : JSON.parse(text);
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}

/**
 * What the handlers of a running capture share. `faults`: by recipient (lower case), `*` for every message.
 * @typedef {{ mailDir: string, log: Log, faults: Map<string, FaultMode> }} SesState
 */

/**
 * @param {SesState} ses
 * @param {FaultMode} mode
 * @param {string} [to]
 */
function setFault(ses, mode, to) {
  const key = to?.trim().toLowerCase() || '*';
  if (mode === 'off') ses.faults.delete(key);
  else ses.faults.set(key, mode);
}

/**
 * The fault switched on for every message or for one of the request's recipients, else `off`.
 * @param {SesState} ses
 * @param {any} request
 * @returns {FaultMode}
 */
function faultFor(ses, request) {
  const destination = request?.Destination ?? {};
  const recipients = ['ToAddresses', 'CcAddresses', 'BccAddresses'].flatMap((field) =>
    Array.isArray(destination[field]) ? destination[field].map((a) => String(a).trim().toLowerCase()) : [],
  );
  for (const key of ['*', ...recipients]) {
    const mode = ses.faults.get(key);
    if (mode) return mode;
  }
  return 'off';
}

/**
 * Every captured message, read back from the folder so a persistent stage lists earlier runs' mail too.
 * @param {string} mailDir
 * @param {{ to?: string }} [filter]
 */
function capturedMessages(mailDir, filter = {}) {
  /** @type {CapturedMail[]} */
  const all = readdirSync(mailDir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(join(mailDir, name), 'utf8')));
  const wanted = filter.to?.toLowerCase();
  return all
    .filter(
      (mail) => !wanted || [...mail.to, ...mail.cc, ...mail.bcc].some((a) => a.toLowerCase() === wanted),
    )
    .sort((a, b) => a.sentAt.localeCompare(b.sentAt) || a.id.localeCompare(b.id));
}

/**
 * SendEmail: fails as the fault switch says, else captures the message (`.eml` and `.json`).
 * @param {SesState} ses
 * @param {any} request
 */
function sendEmail(ses, request) {
  const fault = faultFor(ses, request);
  if (fault === 'throttle')
    throw new SesError(429, 'TooManyRequestsException', 'Too many requests (local fault switch).');
  if (fault === 'reject')
    throw new SesError(400, 'MessageRejected', 'Message rejected (local fault switch).');
  const mail = acceptSendEmail(request, newMessageId(), new Date());
  writeFileSync(join(ses.mailDir, `${mail.id}.eml`), toEml(mail));
  writeFileSync(join(ses.mailDir, `${mail.id}.json`), `${JSON.stringify(mail, null, 2)}\n`);
  ses.log(
    'info',
    `[ses] captured message ${mail.id} (${mail.to.length + mail.cc.length + mail.bcc.length} recipient(s))`,
  );
  return { MessageId: mail.id };
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
function send(res, status, body, headers = {}) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(JSON.stringify(body));
}

/**
 * `GET /_local/mail[?to=address]`: the captured messages, oldest first, without Bcc.
 * @param {SesState} ses
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 */
function listMail(ses, res, url) {
  const to = url.searchParams.get('to') ?? undefined;
  send(
    res,
    200,
    capturedMessages(ses.mailDir, { to }).map(
      ({ id, from, to: recipients, cc, subject, sentAt, text, html }) => ({
        id,
        from,
        to: recipients,
        cc,
        subject,
        sentAt,
        text: text ?? html,
      }),
    ),
  );
}

/**
 * `GET /_local/mail/<id>.eml`: one message as it would have been sent.
 * @param {SesState} ses
 * @param {import('node:http').ServerResponse} res
 * @param {string} id
 */
function serveEml(ses, res, id) {
  let file;
  try {
    file = readFileSync(join(ses.mailDir, `${id}.eml`));
  } catch {
    send(res, 404, { message: 'No captured message with this id.' });
    return;
  }
  res.writeHead(200, { 'content-type': 'message/rfc822' });
  res.end(file);
}

/**
 * `POST /_local/mail/fault`: `{ "mode", "to"? }`.
 * @param {SesState} ses
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function switchFault(ses, req, res) {
  const { mode, to } = parseJson(await readBody(req));
  if (!FAULT_MODES.includes(mode)) throw badRequest(`mode must be one of ${FAULT_MODES.join(', ')}.`);
  if (to !== undefined && typeof to !== 'string') throw badRequest('to must be an e-mail address.');
  setFault(ses, mode, to);
  ses.log('warn', `[ses] fault switch: ${mode}${to ? ' for one recipient' : ''}`);
  send(res, 200, { mode });
}

/**
 * Routes a request: SendEmail, then the local-only /_local/mail paths; an error is answered as SES does.
 * @param {SesState} ses
 * @returns {import('node:http').RequestListener}
 */
function requestHandler(ses) {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handle = async () => {
      if (req.method === 'POST' && url.pathname === SEND_EMAIL_PATH) {
        return send(res, 200, sendEmail(ses, parseJson(await readBody(req))));
      }
      if (req.method === 'GET' && url.pathname === MAIL_PATH) return listMail(ses, res, url);
      const eml = EML_PATH.exec(url.pathname);
      if (req.method === 'GET' && eml) return serveEml(ses, res, /** @type {string} */ (eml[1]));
      if (req.method === 'POST' && url.pathname === FAULT_PATH) return switchFault(ses, req, res);
      return send(res, 404, { message: `No route for ${req.method} ${url.pathname}` });
    };
    handle().catch((error) => {
      if (error instanceof SesError) {
        send(res, error.status, { message: error.message }, { 'x-amzn-errortype': error.type });
        return;
      }
      ses.log('error', `[ses] internal error: ${error instanceof Error ? error.name : 'unknown'}`);
      send(res, 500, { message: 'InternalFailure' }, { 'x-amzn-errortype': 'InternalFailure' });
    });
  };
}

/**
 * Starts the local SES on `port`, capturing into `mailDir` (emptied first when `clearOnStart`).
 * @param {LocalSesOptions} options
 * @returns {Promise<LocalSes>}
 */
export async function startLocalSes(options) {
  const { port, host = '127.0.0.1', mailDir, clearOnStart = false } = options;
  /** @type {SesState} */
  const ses = {
    mailDir,
    log: options.log ?? ((level, message) => console[level](message)),
    faults: new Map(),
  };
  if (clearOnStart) rmSync(mailDir, { recursive: true, force: true });
  mkdirSync(mailDir, { recursive: true });

  const server = createServer(requestHandler(ses));
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    throw new Error(`Local SES could not listen on ${host}:${port}: ${/** @type {Error} */ (error).message}`);
  }
  const { port: boundPort } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://${host}:${boundPort}`;
  ses.log('info', `[ses] listening on ${url}, capturing mail in ${mailDir}`);

  /** @type {Promise<void> | undefined} */
  let stopping;
  return {
    url,
    port: boundPort,
    mailDir,
    messages: (filter) => capturedMessages(mailDir, filter),
    setFault: (mode, to) => setFault(ses, mode, to),
    stop() {
      stopping ??= new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}
