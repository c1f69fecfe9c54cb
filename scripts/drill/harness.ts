/**
 * Shared harness of the fault drills (`npm run drill`): the coordinates of a local stack (any stage of
 * scripts/local-cloud/stages.json), booting/stopping the `drill` stage, HTTP helpers, token minting,
 * Lambda invoke, bus and payment-sandbox controls, the admin scripts. Drill modules only talk to a stack
 * through a `Stack`, so the same drill runs against the `drill` stage (npm run drill) or the e2e `test`
 * stage (tests/e2e/drills.test.ts).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand as ScanItemsCommand } from '@aws-sdk/lib-dynamodb';
import { eventually, holdsFor } from '../../tests/support/eventually.js';
import {
  issuerUrlForStage,
  keysDirForStage,
  PROJECT_ROOT,
  signDevToken,
} from '../local-cloud/dev-issuer.mjs';
import { stageOf } from '../local-cloud/stages.mjs';

export { eventually, holdsFor };
export const ROOT: string = PROJECT_ROOT;
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

// ------------------------------------------------------------------------------------------------
// Stack coordinates
// ------------------------------------------------------------------------------------------------

export interface Stack {
  stage: string;
  api: string;
  bus: string;
  sqs: string;
  dynamodb: string;
  lambda: string;
  sandbox: string;
  audience: string;
  /**
   * Output of the stack process when the harness booted it (for log-based checks), else undefined:
   * `logMark()` is a position, `logsSince(mark)` what was written after it (as far as still kept).
   */
  logMark?: () => number;
  logsSince?: (mark: number) => string;
}

export function stackFor(stage: string): Stack {
  const c = stageOf(stage);
  const host = 'http://127.0.0.1';
  return {
    stage,
    api: `${host}:${c.httpPort}`,
    bus: `${host}:${c.eventBusPort}`,
    sqs: `${host}:${c.sqsPort}`,
    dynamodb: `${host}:${c.dynamodbPort}`,
    lambda: `${host}:${c.lambdaPort}`,
    sandbox: `${host}:${c.paymentSandboxPort}`,
    audience: c.audience,
  };
}

/** What a drill gets: the stack, a progress logger and its size knobs. */
export interface DrillContext {
  stack: Stack;
  progress: (line: string) => void;
  /** Reduced sizes for the fast subset inside `npm test`. */
  quick: boolean;
}

export interface DrillResult {
  passed: boolean;
  detail: string;
}

export interface Drill {
  name: string;
  fault: string;
  mustHold: string;
  run(ctx: DrillContext): Promise<DrillResult>;
}

// ------------------------------------------------------------------------------------------------
// Boot / stop the drill stage
// ------------------------------------------------------------------------------------------------

export interface BootedStack {
  stack: Stack;
  stop(): Promise<void>;
}

/**
 * Boots the stage's stack and waits for LOCAL_CLOUD_READY. The first boot of a stage bundles every function;
 * on a busy 2-core machine that alone has taken minutes, hence the generous default.
 */
export async function bootStack(stage: string, timeoutMs = 480_000): Promise<BootedStack> {
  for (const entry of ['stream-checkpoints.json', 'dynamodb', 'seeded']) {
    rmSync(join(ROOT, '.local', stage, entry), { recursive: true, force: true });
  }
  const child: ChildProcess = spawn(
    join(ROOT, 'node_modules', '.bin', 'sls'),
    ['offline', 'start', '--stage', stage],
    {
      cwd: ROOT,
      detached: true,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let dropped = 0;
  const MAX = 8_000_000;
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > MAX) {
      dropped += output.length - MAX / 2;
      output = output.slice(-MAX / 2);
    }
    if (process.env.DRILL_STACK_LOGS) process.stderr.write(chunk);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const stop = async () => {
    if (!child.pid || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid, 'SIGINT');
    } catch {
      return;
    }
    const timeout = new Promise((resolve) => setTimeout(resolve, 20_000, 'timeout').unref());
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
    child.unref();
  };
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stack ${stage} not ready in ${timeoutMs / 1000} s:\n${output.slice(-3000)}`)),
      timeoutMs,
    );
    const poll = setInterval(() => {
      if (output.includes('LOCAL_CLOUD_READY')) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`stack ${stage} exited with ${code} before ready:\n${output.slice(-3000)}`));
    });
  });
  try {
    await ready;
  } catch (error) {
    // A stack that never got ready is still running (bundling, emulators): it must not outlive the run.
    await stop();
    throw error;
  }
  const stack: Stack = {
    ...stackFor(stage),
    logMark: () => dropped + output.length,
    logsSince: (mark) => output.slice(Math.max(0, mark - dropped)),
  };
  return { stack, stop };
}

// ------------------------------------------------------------------------------------------------
// HTTP
// ------------------------------------------------------------------------------------------------

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = any>(
  stack: Stack,
  method: string,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    rawBody?: string | Uint8Array;
    headers?: Record<string, string>;
    contentType?: string | null;
  } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if ((options.body !== undefined || options.rawBody !== undefined) && options.contentType !== null)
    headers['content-type'] ??= options.contentType ?? 'application/json';
  const response = await fetch(`${stack.api}${path}`, {
    method,
    headers,
    body: (options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body))) as
      | string
      | undefined,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // keep text
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

export function tokenFor(
  stack: Stack,
  userId: string,
  options: { admin?: boolean; expiresIn?: string | number; audience?: string; issuer?: string } = {},
): Promise<string> {
  return signDevToken({
    keysDir: keysDirForStage(stack.stage),
    issuer: options.issuer ?? issuerUrlForStage(stack.stage),
    audience: options.audience ?? stack.audience,
    userId,
    admin: options.admin ?? false,
    expiresIn: options.expiresIn ?? '30m',
  });
}

export const uniqueId = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// ------------------------------------------------------------------------------------------------
// Lambda, bus, SQS, sandbox, DynamoDB
// ------------------------------------------------------------------------------------------------

export async function invokeFunction<T = unknown>(stack: Stack, functionKey: string, event: unknown = {}) {
  const lambda = new LambdaClient({ endpoint: stack.lambda, region: REGION, credentials: CREDENTIALS });
  try {
    const result = await lambda.send(
      new InvokeCommand({
        FunctionName: `commerce-${stack.stage}-${functionKey}`,
        Payload: JSON.stringify(event),
      }),
    );
    const text = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
    return (text ? JSON.parse(text) : undefined) as T;
  } finally {
    lambda.destroy();
  }
}

export interface BusEvent {
  id?: string;
  'detail-type': string;
  source: string;
  detail: { metadata: Record<string, any>; data: any };
}

/** Puts events on the bus, unchanged (same detail, so the same eventId): an at-least-once redelivery. */
export async function putEvents(stack: Stack, events: BusEvent[]): Promise<void> {
  const bus = new EventBridgeClient({ endpoint: stack.bus, region: REGION, credentials: CREDENTIALS });
  try {
    for (const event of events) {
      const result = await bus.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: `commerce-${stack.stage}-bus`,
              Source: event.source,
              DetailType: event['detail-type'],
              Detail: JSON.stringify(event.detail),
            },
          ],
        }),
      );
      if (result.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(result.Entries)}`);
    }
  } finally {
    bus.destroy();
  }
}

export async function busEvents(
  stack: Stack,
  filter: { correlationId?: string; detailType?: string },
): Promise<BusEvent[]> {
  const query = new URLSearchParams(filter as Record<string, string>);
  return (await (await fetch(`${stack.bus}/_local/events?${query}`)).json()) as BusEvent[];
}

/**
 * Waits until every outbox event of `tables` that occurred since `sinceMs` is on the bus (the relays have
 * caught up), so a fault injected next only hits what the drill does after it.
 */
export async function waitForOutboxesPublished(
  stack: Stack,
  tables: string[],
  sinceMs: number,
): Promise<void> {
  await eventually(
    async () => {
      const published = new Set(
        (await busEvents(stack, {})).map((event) => String(event.detail?.metadata?.eventId)),
      );
      for (const table of tables) {
        const waiting = await findItems(
          stack,
          table,
          (item) =>
            item.entityType === 'OUTBOX' &&
            Date.parse(item.envelope?.metadata?.occurredAt) >= sinceMs &&
            !published.has(item.envelope?.metadata?.eventId),
        );
        if (waiting.length > 0) return undefined;
      }
      return true;
    },
    {
      description: `the outbox events of ${tables.join(', ')} on the bus`,
      timeoutMs: 60_000,
      intervalMs: 500,
    },
  );
}

export async function setBusOutage(stack: Stack, enabled: boolean): Promise<void> {
  const response = await fetch(`${stack.bus}/_local/outage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enabled }),
  });
  if (!response.ok) throw new Error(`bus outage switch answered ${response.status}`);
}

/** Switches the payment sandbox's outage, for every provider operation or only for those given. */
export async function setSandboxOutage(
  stack: Stack,
  mode: 'off' | 'timeout' | 'error',
  operations?: Array<'authorize' | 'capture' | 'void' | 'refund'>,
): Promise<void> {
  const response = await fetch(`${stack.sandbox}/_sandbox/outage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode, operations }),
  });
  if (!response.ok) throw new Error(`sandbox outage switch answered ${response.status}`);
}

export interface Ledger {
  authorizations: Array<{ orderId: string; status: string; authorizationId: string }>;
  declines: Array<{ orderId: string }>;
  captures: Array<{ orderId: string }>;
  voids: Array<{ orderId: string }>;
  refunds: Array<{ orderId: string }>;
}

export async function sandboxLedger(stack: Stack, orderId?: string): Promise<Ledger> {
  const query = orderId ? `?orderId=${encodeURIComponent(orderId)}` : '';
  return (await (await fetch(`${stack.sandbox}/_sandbox/ledger${query}`)).json()) as Ledger;
}

/** Counts per ledger kind for one order. */
export async function ledgerCounts(stack: Stack, orderId: string) {
  const l = await sandboxLedger(stack, orderId);
  return {
    authorizations: l.authorizations.length,
    liveAuthorizations: l.authorizations.filter((a) => a.status === 'authorized').length,
    declines: l.declines.length,
    captures: l.captures.length,
    voids: l.voids.length,
    refunds: l.refunds.length,
  };
}

/** The URL of a queue of the stage, `queue` without `commerce-<stage>-`. */
function queueUrl(stack: Stack, queue: string): string {
  const port = new URL(stack.sqs).port;
  return `http://sqs.${REGION}.localhost:${port}/000000000000/commerce-${stack.stage}-${queue}`;
}

async function withSqs<T>(stack: Stack, use: (sqs: SQSClient) => Promise<T>): Promise<T> {
  const sqs = new SQSClient({ endpoint: stack.sqs, region: REGION, credentials: CREDENTIALS });
  try {
    return await use(sqs);
  } finally {
    sqs.destroy();
  }
}

export async function sendToQueue(
  stack: Stack,
  queue: string,
  body: unknown,
  group: string,
  dedup: string = randomUUID(),
): Promise<void> {
  await withSqs(stack, (sqs) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl(stack, queue),
        MessageGroupId: group,
        MessageDeduplicationId: dedup,
        MessageBody: JSON.stringify(body),
      }),
    ),
  );
}

/** Several messages enqueued by one SendMessageBatch: a receive after it can see them all at once. */
export async function sendBatchToQueue(
  stack: Stack,
  queue: string,
  messages: Array<{ body: unknown; group: string; dedup: string; correlationId?: string }>,
): Promise<void> {
  const result = await withSqs(stack, (sqs) =>
    sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl(stack, queue),
        Entries: messages.map((message, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify(message.body),
          MessageGroupId: message.group,
          MessageDeduplicationId: message.dedup,
          ...(message.correlationId
            ? {
                MessageAttributes: {
                  correlationId: { DataType: 'String', StringValue: message.correlationId },
                },
              }
            : {}),
        })),
      }),
    ),
  );
  if (result.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(result.Failed)}`);
}

/** Messages in a queue of the stage, visible or in flight. */
export async function queueDepth(stack: Stack, queue: string): Promise<number> {
  const { Attributes } = await withSqs(stack, (sqs) =>
    sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl(stack, queue),
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    ),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/**
 * Looks at the visible messages of a queue (each receive counts, as any receive does) and makes them visible
 * again. A FIFO queue shows the messages its groups hand out.
 */
export async function peekQueue(stack: Stack, queue: string): Promise<Message[]> {
  return withSqs(stack, async (sqs) => {
    const held: Message[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl(stack, queue),
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 30,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'MessageGroupId'],
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) break;
      held.push(...Messages);
    }
    for (const message of held) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl(stack, queue),
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    }
    return held;
  });
}

/** Runs `use` with a DocumentClient on the stage's DynamoDB. */
export async function withDynamo<T>(stack: Stack, use: (dynamo: DynamoDBDocumentClient) => Promise<T>) {
  const raw = new DynamoDBClient({ endpoint: stack.dynamodb, region: REGION, credentials: CREDENTIALS });
  try {
    return await use(DynamoDBDocumentClient.from(raw));
  } finally {
    raw.destroy();
  }
}

/** The items of a table of the stage (plain objects) that `keep` accepts. */
export function findItems(
  stack: Stack,
  table: string,
  keep: (item: Record<string, any>) => boolean,
): Promise<Record<string, any>[]> {
  return withDynamo(stack, async (dynamo) => {
    const found: Record<string, any>[] = [];
    let start: Record<string, any> | undefined;
    do {
      const page = await dynamo.send(
        new ScanItemsCommand({ TableName: `commerce-${stack.stage}-${table}`, ExclusiveStartKey: start }),
      );
      found.push(...(page.Items ?? []).filter(keep));
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  });
}

/** Every item of a table of the stage, as DynamoDB JSON, sorted by its JSON text. */
export async function scanTable(stack: Stack, table: string): Promise<string[]> {
  const dynamo = new DynamoDBClient({ endpoint: stack.dynamodb, region: REGION, credentials: CREDENTIALS });
  const items: string[] = [];
  let start: Record<string, any> | undefined;
  try {
    do {
      const page = await dynamo.send(
        new ScanCommand({ TableName: `commerce-${stack.stage}-${table}`, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) items.push(JSON.stringify(sortKeys(item)));
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    dynamo.destroy();
  }
  return items.sort();
}

function sortKeys(value: any): any {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    );
  return value;
}

/**
 * Runs one of the admin scripts as an operator would (`npm run redrive|replay -- …`). The scripts know every
 * stage of stages.json as local (scripts/stage-clients.mjs), so `--stage <stage>` is all they need.
 */
export function runScript(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'scripts', script), ...args],
      { cwd: ROOT, timeout: 180_000, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** One message as `npm run redrive -- <queue> --dry-run` lists it. */
export interface ListedMessage {
  id: string;
  group: string;
  shape: 'event' | 'function-failure' | 'stream-failure' | 'other';
  summary: string;
}

/** A window `npm run redrive` tells to republish: `npm run outbox:republish -- <args>`. */
export interface RepublishWindow {
  command: string;
  args: string[];
  table: string;
  from: number;
  to: number;
}

function republishWindowOf(command: string): RepublishWindow {
  const args = command.replace(/^npm run outbox:republish -- /, '').split(' ');
  const value = (name: string) => args[args.indexOf(name) + 1] ?? '';
  return {
    command,
    args,
    table: value('--table'),
    from: Date.parse(value('--from')),
    to: Date.parse(value('--to')),
  };
}

/**
 * What `npm run redrive -- <queue> --dry-run` shows of a queue: its messages and, for stream failure
 * records, the windows of the republish commands it prints.
 */
export async function redriveListing(
  stack: Stack,
  queue: string,
): Promise<{ messages: ListedMessage[]; windows: RepublishWindow[] }> {
  const listed = await runScript('redrive.mjs', [queue, '--dry-run', '--stage', stack.stage]);
  if (listed.code !== 0)
    throw new Error(`redrive --dry-run ${queue} exited ${listed.code}: ${listed.stderr}`);
  const lines = listed.stdout.split('\n').filter(Boolean);
  const messages = lines
    .filter((line) => !line.startsWith('npm run '))
    .map((line) => {
      const [id = '', group = '', shape = '', ...summary] = line.split('\t');
      return { id, group, shape: shape as ListedMessage['shape'], summary: summary.join('\t') };
    });
  const commands = lines.filter((line) => line.startsWith('npm run outbox:republish -- '));
  return { messages, windows: commands.map(republishWindowOf) };
}

/** The detail-types the event store holds for an aggregate. */
export async function storedEventTypes(shop: Shop, aggregateId: string): Promise<string[]> {
  const stored = await call(shop.stack, 'GET', `/admin/events?aggregateId=${aggregateId}&limit=100`, {
    token: shop.admin,
  });
  check(stored.status === 200, `GET /admin/events answered ${stored.status}`);
  return (stored.body?.items ?? []).map((event: any) => event['detail-type']);
}

// ------------------------------------------------------------------------------------------------
// Shop: given-steps over HTTP
// ------------------------------------------------------------------------------------------------

export interface Shop {
  stack: Stack;
  admin: string;
  product(options?: { amount?: number; stock?: number }): Promise<string>;
  setStock(productId: string, quantity: number): Promise<void>;
  customer(name?: string): Promise<{ id: string; token: string }>;
  placeOrder(
    token: string,
    items: Array<{ productId: string; quantity: number }>,
    options?: { paymentToken?: string; correlationId?: string; waitForPrices?: boolean },
  ): Promise<{ orderId: string; correlationId: string; status: number; transientRetries: number }>;
  /** Answers of POST /orders that were 5xx or a Lambda error payload (retried with the same key). */
  transientAnswers: string[];
  order(token: string, orderId: string): Promise<any>;
  waitForFinal(token: string, orderId: string, timeoutMs?: number): Promise<any>;
  waitForStatus(token: string, orderId: string, status: string, timeoutMs?: number): Promise<any>;
  stock(productId: string): Promise<{ onHand: number; reserved: number; available: number }>;
  /** Waits until the orders domain has projected the price (POST /orders no longer 422); stock must be 0. */
  waitForPrice(productId: string): Promise<void>;
}

export class Failure extends Error {}
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Failure(message);
}

export async function openShop(stack: Stack): Promise<Shop> {
  const admin = await tokenFor(stack, uniqueId('drill-admin'), { admin: true });
  const shop: Shop = {
    stack,
    admin,
    transientAnswers: [],
    async product({ amount = 1500, stock = 10 } = {}) {
      const productId = uniqueId('drill');
      const created = await call(stack, 'POST', '/products', {
        token: admin,
        body: { productId, name: productId, description: 'drill', price: { amount, currency: 'EUR' } },
      });
      check(created.status === 201, `POST /products answered ${created.status}`);
      await shop.setStock(productId, stock);
      return productId;
    },
    async setStock(productId, quantity) {
      const set = await call(stack, 'PUT', `/inventory/${productId}`, { token: admin, body: { quantity } });
      check(set.status === 200, `PUT /inventory answered ${set.status}`);
    },
    async customer(name = uniqueId('drill-customer')) {
      return { id: name, token: await tokenFor(stack, name) };
    },
    placeOrder: (token, items, options) => placeOrderUntilAccepted(shop, token, items, options),
    async order(token, orderId) {
      return (await call(stack, 'GET', `/orders/${orderId}`, { token })).body;
    },
    async waitForFinal(token, orderId, timeoutMs = 60_000) {
      return eventually(
        async () => {
          const body = await shop.order(token, orderId);
          return body?.status && body.status !== 'PENDING' ? body : undefined;
        },
        { description: `order ${orderId} to finish`, timeoutMs, intervalMs: 300 },
      );
    },
    async waitForStatus(token, orderId, status, timeoutMs = 30_000) {
      return eventually(
        async () => {
          const body = await shop.order(token, orderId);
          return body?.status === status ? body : undefined;
        },
        { description: `order ${orderId} to be ${status}`, timeoutMs, intervalMs: 250 },
      );
    },
    async stock(productId) {
      const { status, body } = await call(stack, 'GET', `/inventory/${productId}`, { token: admin });
      check(status === 200, `GET /inventory/${productId} answered ${status}`);
      return body;
    },
    async waitForPrice(productId) {
      // Call with the product's stock at 0: the probe is accepted once priced, then cancelled OUT_OF_STOCK.
      const probe = await shop.customer(uniqueId('drill-probe'));
      const { orderId } = await shop.placeOrder(probe.token, [{ productId, quantity: 1 }]);
      await shop.waitForFinal(probe.token, orderId);
    },
  };
  return shop;
}

/**
 * POST /orders until it is accepted: a 422 (prices not projected yet), a 5xx or a Lambda error payload is
 * tried again, each retry recorded in the shop's transientAnswers.
 */
async function placeOrderUntilAccepted(
  shop: Shop,
  token: string,
  items: Array<{ productId: string; quantity: number }>,
  {
    paymentToken = 'tok_visa',
    correlationId = uniqueId('drill-corr'),
  }: Parameters<Shop['placeOrder']>[2] = {},
): ReturnType<Shop['placeOrder']> {
  // One Idempotency-Key for every attempt: a retry after a lost/failed answer can never order twice.
  const key = uniqueId('key');
  let transientRetries = 0;
  let lastAnswer = 'none';
  const response = await eventually(
    async () => {
      const placed = await call(shop.stack, 'POST', '/orders', {
        token,
        body: { items, paymentToken },
        headers: { 'idempotency-key': key, 'x-correlation-id': correlationId },
      });
      lastAnswer = `${placed.status} ${JSON.stringify(placed.body).slice(0, 300)}`;
      if (placed.status === 422) return undefined; // prices not projected yet
      if (placed.status >= 500 || placed.body?.errorMessage) {
        transientRetries++;
        shop.transientAnswers.push(`${placed.status} ${JSON.stringify(placed.body).slice(0, 120)}`);
        return undefined;
      }
      return placed;
    },
    { description: 'the order to be accepted', timeoutMs: 60_000, intervalMs: 250 },
  ).catch((error: Error) => {
    // A timeout alone does not say whether the API kept refusing, failing or not answering.
    throw new Error(`${error.message}; last answer to POST /orders: ${lastAnswer}`);
  });
  check(
    response.status === 202,
    `POST /orders answered ${response.status}: ${JSON.stringify(response.body)}`,
  );
  return { orderId: response.body.orderId, correlationId, status: response.status, transientRetries };
}

/** Runs a drill body, turning thrown failures into a failed result with the message as detail. */
export async function guarded(body: () => Promise<string>): Promise<DrillResult> {
  try {
    return { passed: true, detail: await body() };
  } catch (error) {
    return { passed: false, detail: error instanceof Error ? error.message : String(error) };
  }
}
