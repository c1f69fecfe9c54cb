import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  process.env.POWERTOOLS_DEV = 'false';
  process.env.POWERTOOLS_SERVICE_NAME = 'commerce-replay-test';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  process.env.VIEWS_TABLE_NAME = 'commerce-itest-views';
  process.env.NOTIFICATIONS_TABLE_NAME = 'commerce-itest-notifications';
  process.env.CUSTOMER_CONTACT_KEY_ID = 'alias/commerce-itest-customer-contact';
});

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { parse as parseYaml } from 'yaml';
import { DynamoDbOrderHistory } from '../../domains/views/adapters/dynamodb-order-history.js';
import { listMyOrders } from '../../domains/views/list-my-orders.js';
import type { OrderHistoryEntry } from '../../domains/views/model.js';
import { PriceChangedV1 } from '../../events/catalog/index.js';
import { CustomerProfileUpdatedV1, CustomerProfileUpdatedV2 } from '../../events/customers/index.js';
import { createEnvelope, type EventContract } from '../../events/envelope.js';
import { OrderCancelledV1, OrderConfirmedV1, OrderPlacedV1 } from '../../events/orders/index.js';
import { handler as projectContacts } from '../../functions/notifications/on-customer-events.js';
import { handler as projectOrders } from '../../functions/views/on-order-events.js';
import { startDynamoDbLocal } from '../../scripts/local-cloud/dynamodb-local.mjs';
import { type LocalKms, startLocalKms } from '../../scripts/local-cloud/kms.mjs';
import {
  asQueueBatch,
  consumerPatterns,
  invokeOnce,
  parseReplayArgs,
  type ReplayOptions,
  receivesQueueBatches,
  replay,
  UsageError,
} from '../../scripts/replay.mjs';
import { KmsCustomerContactCipher } from '../../shared/crypto/kms-customer-contact.js';
import { type FakeLambda, type Invocation, startFakeLambda } from '../support/fake-lambda.js';
import { fakeContext } from '../unit/shared/lambda-fakes.js';

/**
 * The replay script against a real DynamoDB Local (in memory, a free port) holding an event store, and
 * a fake Lambda invoke endpoint that records every invocation and runs the real order-history projector
 * for `commerce-itest-viewsProjectOrders`.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const STAGE = 'itest';
const STORE_TABLE = `commerce-${STAGE}-event-store-v2`;
const VIEWS_TABLE = `commerce-${STAGE}-views`;
const PROJECTOR = `commerce-${STAGE}-viewsProjectOrders`;
const CONTACT_PROJECTOR = `commerce-${STAGE}-notificationsProjectContacts`;
const NOTIFICATIONS_TABLE = `commerce-${STAGE}-notifications`;

const workDir = mkdtempSync(join(tmpdir(), 'replay-test-'));
let stopDynamoDb: (() => Promise<void>) | undefined;
let fakeLambda: FakeLambda;
let dynamoEndpoint = '';
let lambdaEndpoint = '';
let raw: DynamoDBClient;
let dynamo: DynamoDBDocumentClient;
let lambda: LambdaClient;

/** Event ids the fake function fails on (a FunctionError, as Lambda reports an exception). */
const failing = new Set<string>();

/** The bus event an invocation carries: itself, or the one record of the SQS batch a queue consumer gets. */
function busEventOf(event: any) {
  return Array.isArray(event?.Records) ? JSON.parse(event.Records[0].body) : event;
}

/** Fails the events in `failing`; runs the real projector of the function name. */
async function runFunction({ functionName, event }: Invocation) {
  if (failing.has(busEventOf(event)?.detail?.metadata?.eventId)) throw new Error('projection failed');
  if (functionName === PROJECTOR) return projectOrders(event, fakeContext(PROJECTOR));
  if (functionName === CONTACT_PROJECTOR) return projectContacts(event, fakeContext(CONTACT_PROJECTOR));
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// The stored history: three orders of two customers, a catalog event, and one unusable item.

const LINES = [{ productId: 'espresso-cup', quantity: 2, unitPrice: { amount: 1200, currency: 'EUR' } }];
const TOTAL = { amount: 2400, currency: 'EUR' };
const at = (time: string) => `2026-11-22T${time}.000Z`;

function stored<Data>(
  contract: EventContract<string, Data>,
  name: string,
  aggregateId: string,
  occurredAt: string,
  data: Data,
) {
  const detail = createEnvelope(
    contract,
    data,
    { correlationId: `req-${aggregateId}`, causationId: `req-${aggregateId}` },
    { eventId: `evt-${name}`, now: new Date(occurredAt) },
  );
  return {
    eventId: detail.metadata.eventId,
    occurredAt,
    eventType: contract.type,
    aggregateId,
    correlationId: detail.metadata.correlationId,
    event: {
      version: '0',
      id: `bus-${name}`,
      'detail-type': contract.type,
      source: `commerce.${contract.producer}`,
      account: '000000000000',
      time: occurredAt.replace('.000Z', 'Z'),
      region: 'us-east-1',
      resources: [],
      detail,
    },
  };
}

const order = (orderId: string, customerId: string) => ({ orderId, customerId, items: LINES, total: TOTAL });
const placed = (name: string, orderId: string, customerId: string, time: string) =>
  stored(OrderPlacedV1, name, orderId, at(time), {
    ...order(orderId, customerId),
    paymentToken: 'tok_visa',
    placedAt: at(time),
    orderVersion: 1,
  });
const confirmed = (name: string, orderId: string, customerId: string, time: string) =>
  stored(OrderConfirmedV1, name, orderId, at(time), {
    ...order(orderId, customerId),
    confirmedAt: at(time),
    orderVersion: 2,
  });
const cancelled = (name: string, orderId: string, customerId: string, time: string, orderVersion: number) =>
  stored(OrderCancelledV1, name, orderId, at(time), {
    ...order(orderId, customerId),
    reason: orderVersion === 2 ? 'OUT_OF_STOCK' : 'CANCELLED_BY_CUSTOMER',
    wasConfirmed: orderVersion === 3,
    cancelledAt: at(time),
    orderVersion,
  });

const HISTORY = [
  cancelled('a-cancelled', 'ord-a', 'alice', '10:05:00', 3),
  placed('c-placed', 'ord-c', 'bob', '10:02:00'),
  stored(PriceChangedV1, 'price', 'espresso-cup', at('10:00:30'), {
    productId: 'espresso-cup',
    previousPrice: { amount: 1200, currency: 'EUR' },
    price: { amount: 1300, currency: 'EUR' },
    priceVersion: 2,
    changedAt: at('10:00:30'),
  }),
  confirmed('a-confirmed', 'ord-a', 'alice', '10:00:02'),
  placed('b-placed', 'ord-b', 'alice', '10:01:00'),
  confirmed('c-confirmed', 'ord-c', 'bob', '10:02:03'),
  cancelled('b-cancelled', 'ord-b', 'alice', '10:01:01', 2),
  placed('a-placed', 'ord-a', 'alice', '10:00:00'),
];
/** Every order event, in order of occurrence. */
const IN_ORDER = [
  'evt-a-placed',
  'evt-a-confirmed',
  'evt-b-placed',
  'evt-b-cancelled',
  'evt-c-placed',
  'evt-c-confirmed',
  'evt-a-cancelled',
];

const options = (argv: string[]) => parseReplayArgs([...argv, '--stage', STAGE]) as ReplayOptions;
const output = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, sink: { out: (text: string) => out.push(text), err: (text: string) => err.push(text) } };
};
const sentIds = () =>
  fakeLambda.invocations.map((invocation) => busEventOf(invocation.event).detail.metadata.eventId);

async function run(argv: string[]) {
  const { out, err, sink } = output();
  const summary = await replay(options(argv), {
    dynamo,
    lambda,
    patterns: consumerPatterns('viewsProjectOrders'),
    viaQueue: receivesQueueBatches('viewsProjectOrders'),
    output: sink,
  });
  return { summary, out: out.join(''), err: err.join('') };
}

/** A customer's whole history as GET /orders shows it, page by page (real GSI, real cursors). */
async function historyOf(customerId: string): Promise<OrderHistoryEntry[]> {
  const entries: OrderHistoryEntry[] = [];
  let cursor: string | undefined;
  do {
    const query = { limit: 1, ...(cursor ? { cursor } : {}) };
    const page = await listMyOrders(customerId, query, {
      history: new DynamoDbOrderHistory(dynamo, VIEWS_TABLE),
    });
    entries.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return entries;
}

async function viewItemCount(): Promise<number> {
  return (await dynamo.send(new ScanCommand({ TableName: VIEWS_TABLE, Select: 'COUNT' }))).Count ?? 0;
}

beforeAll(async () => {
  const port = await freePort();
  const database = await startDynamoDbLocal({
    port,
    pidFile: join(workDir, 'dynamodb.pid'),
    log: () => undefined,
  });
  stopDynamoDb = database.stop;
  dynamoEndpoint = database.endpoint;
  // the projector's shared client (created on first use) finds DynamoDB Local through this variable
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamoEndpoint;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  raw = new DynamoDBClient({ endpoint: dynamoEndpoint, region: 'us-east-1', credentials });
  dynamo = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });

  fakeLambda = await startFakeLambda(runFunction);
  lambdaEndpoint = fakeLambda.endpoint;
  lambda = new LambdaClient({ endpoint: lambdaEndpoint, region: 'us-east-1', credentials });

  // the event store's key is not ours to know: the replay only scans it
  await raw.send(
    new CreateTableCommand({
      TableName: STORE_TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'eventId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }],
    }),
  );
  // the views table exactly as domains/views/resources.yml declares it
  const { Properties } = parseYaml(readFileSync(join(ROOT, 'domains', 'views', 'resources.yml'), 'utf8'))
    .Resources.ViewsTable;
  await raw.send(
    new CreateTableCommand({
      TableName: VIEWS_TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: Properties.AttributeDefinitions,
      KeySchema: Properties.KeySchema,
      GlobalSecondaryIndexes: Properties.GlobalSecondaryIndexes,
    }),
  );
  for (const item of HISTORY) await dynamo.send(new PutCommand({ TableName: STORE_TABLE, Item: item }));
  await dynamo.send(
    new PutCommand({ TableName: STORE_TABLE, Item: { eventId: 'evt-garbage', occurredAt: at('10:00:01') } }),
  );
}, 120_000);

afterAll(async () => {
  raw?.destroy();
  lambda?.destroy();
  await fakeLambda?.stop();
  await stopDynamoDb?.();
  rmSync(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  fakeLambda.invocations.splice(0);
  failing.clear();
});

describe('replay (in process, injected clients)', () => {
  it('sends every event the consumer’s rules match, unchanged, one invocation each, in order of occurrence', async () => {
    const { summary, err } = await run(['--consumer', 'viewsProjectOrders']);

    // the catalog event is not matched by the projector's rule; the unusable item is reported
    expect(sentIds()).toEqual(IN_ORDER);
    expect(fakeLambda.invocations.every((invocation) => invocation.functionName === PROJECTOR)).toBe(true);
    for (const invocation of fakeLambda.invocations) {
      // one event per invocation, as the one record of an SQS batch (the projector reads its own queue)
      expect(invocation.event.Records).toHaveLength(1);
      const sent = busEventOf(invocation.event);
      const original = HISTORY.find((item) => item.eventId === sent.detail.metadata.eventId);
      expect(sent).toEqual(original?.event);
    }
    expect(summary).toMatchObject({ selected: 7, delivered: 7, failed: [], malformed: 1 });
    expect(err).toContain('replayed 7/7');
    expect(err).toContain('evt-garbage');
  });

  it.each([
    [
      'a time window, --from inclusive and --to exclusive',
      ['--from', at('10:00:02'), '--to', at('10:02:00')],
      ['evt-a-confirmed', 'evt-b-placed', 'evt-b-cancelled'],
    ],
    [
      'a time window with an offset',
      ['--from', '2026-11-22T11:01:00+01:00'],
      ['evt-b-placed', 'evt-b-cancelled', 'evt-c-placed', 'evt-c-confirmed', 'evt-a-cancelled'],
    ],
    [
      'repeated --type',
      ['--type', 'OrderPlaced', '--type', 'OrderCancelled'],
      ['evt-a-placed', 'evt-b-placed', 'evt-b-cancelled', 'evt-c-placed', 'evt-a-cancelled'],
    ],
    ['one aggregate', ['--aggregate', 'ord-b'], ['evt-b-placed', 'evt-b-cancelled']],
    [
      'all filters at once',
      ['--aggregate', 'ord-a', '--type', 'OrderConfirmed', '--to', at('10:05:00')],
      ['evt-a-confirmed'],
    ],
    ['a type the consumer’s rules do not match', ['--type', 'PriceChanged'], []],
  ])('filters by %s', async (_name, argv, expected) => {
    const { summary } = await run(['--consumer', 'viewsProjectOrders', ...argv]);

    expect(sentIds()).toEqual(expected);
    expect(summary.selected).toBe(expected.length);
  });

  it('--dry-run lists what would be sent and sends nothing, not even a reset', async () => {
    await run(['--consumer', 'viewsProjectOrders']);
    const views = await viewItemCount();
    fakeLambda.invocations.splice(0);

    const { summary, out, err } = await run([
      '--consumer',
      'viewsProjectOrders',
      '--dry-run',
      '--reset-views',
    ]);

    expect(fakeLambda.invocations).toEqual([]);
    expect(await viewItemCount()).toBe(views);
    expect(summary).toMatchObject({ selected: 7, delivered: 0, reset: undefined });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe(`${at('10:00:00')}  OrderPlaced  ord-a  evt-a-placed`);
    expect(err).toContain('--reset-views ignored');
  });

  it('reports failed invocations and goes on with the others', async () => {
    failing.add('evt-b-placed');

    const { summary, err } = await run(['--consumer', 'viewsProjectOrders']);

    expect(sentIds()).toEqual(IN_ORDER);
    expect(summary.delivered).toBe(6);
    expect(summary.failed).toEqual([{ eventId: 'evt-b-placed', error: 'Error: projection failed' }]);
    expect(err).toContain('replayed 7/7, 1 failed');
  });

  it('rebuilds an identical order history from scratch with --reset-views', async () => {
    await run(['--consumer', 'viewsProjectOrders']);
    const before = { alice: await historyOf('alice'), bob: await historyOf('bob') };
    expect(before.alice.map((entry) => [entry.orderId, entry.status, entry.createdAt])).toEqual([
      ['ord-b', 'CANCELLED', at('10:01:00')],
      ['ord-a', 'CANCELLED', at('10:00:00')],
    ]);
    expect(before.bob).toEqual([
      {
        ...order('ord-c', 'bob'),
        status: 'CONFIRMED',
        createdAt: at('10:02:00'),
        updatedAt: at('10:02:03'),
      },
    ]);
    // given a read model that went wrong: a stray entry and more than a batch of junk
    await dynamo.send(
      new BatchWriteCommand({
        RequestItems: {
          [VIEWS_TABLE]: Array.from({ length: 25 }, (_, index) => ({
            PutRequest: { Item: { pk: `JUNK#${index}`, sk: 'JUNK' } },
          })),
        },
      }),
    );
    for (let index = 25; index < 40; index++) {
      await dynamo.send(
        new PutCommand({ TableName: VIEWS_TABLE, Item: { pk: `JUNK#${index}`, sk: 'JUNK' } }),
      );
    }

    const { summary } = await run(['--consumer', 'viewsProjectOrders', '--reset-views']);

    expect(summary.reset).toBe(3 + 40);
    expect(await viewItemCount()).toBe(3);
    expect({ alice: await historyOf('alice'), bob: await historyOf('bob') }).toEqual(before);
  });

  it('gives the same history when the same events arrive in reverse order (the projector, not the replay)', async () => {
    await run(['--consumer', 'viewsProjectOrders', '--reset-views']);
    const inOrder = { alice: await historyOf('alice'), bob: await historyOf('bob') };
    // wipe (a replay that selects nothing), then deliver newest first
    await run(['--consumer', 'viewsProjectOrders', '--reset-views', '--type', 'NothingAtAll']);
    expect(await viewItemCount()).toBe(0);
    for (const eventId of [...IN_ORDER].reverse()) {
      const item = HISTORY.find((candidate) => candidate.eventId === eventId);
      expect(await invokeOnce(lambda, PROJECTOR, asQueueBatch(item?.event))).toBeUndefined();
    }
    expect({ alice: await historyOf('alice'), bob: await historyOf('bob') }).toEqual(inOrder);
  });
});

describe('consumerPatterns', () => {
  it('reads the consumer’s rule patterns from its serverless.yml', () => {
    expect(consumerPatterns('viewsProjectOrders')).toEqual([
      { source: ['commerce.orders'], 'detail-type': ['OrderPlaced', 'OrderConfirmed', 'OrderCancelled'] },
    ]);
  });

  it('tells a consumer fed by its own queue (busQueue) from one a rule invokes directly', () => {
    expect(receivesQueueBatches('viewsProjectOrders')).toBe(true);
    expect(receivesQueueBatches('notificationsProjectContacts')).toBe(false);
  });

  it('counts an event the queue consumer fails as a failed replay', async () => {
    const item = HISTORY.find((candidate) => candidate.eventId === 'evt-a-placed');
    const broken = { ...item?.event, detail: { ...item?.event.detail, data: { orderId: 'ord-a' } } };
    // its only record failed, so the whole invocation fails (Powertools' FullBatchFailureError)
    expect(await invokeOnce(lambda, PROJECTOR, asQueueBatch(broken))).toMatch(/All records failed/);
    // in a batch of two, the consumer answers the failed one in its batch response
    const pair = {
      Records: [asQueueBatch(item?.event), asQueueBatch({ ...broken, id: 'bus-broken' })].flatMap(
        (b) => b.Records,
      ),
    };
    expect(await invokeOnce(lambda, PROJECTOR, pair)).toMatch(/1 failed record/);
  });

  it('refuses a function that does not exist, or that no rule invokes', () => {
    expect(() => consumerPatterns('noSuchFunction')).toThrow(UsageError);
    expect(() => consumerPatterns('paymentsHandleEvents')).toThrow(/not the target of an EventBridge rule/);
  });
});

describe('npm run replay (the CLI)', () => {
  const cli = (argv: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(ROOT, 'scripts', 'replay.mjs'), ...argv],
        {
          cwd: ROOT,
          timeout: 60_000,
          env: {
            ...process.env,
            // an AWS stage: the SDK's own endpoint variables point it at the emulators
            AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
            AWS_ENDPOINT_URL_LAMBDA: lambdaEndpoint,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'local',
            AWS_SECRET_ACCESS_KEY: 'local',
            AWS_PROFILE: '',
          },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('replays, prints progress to stderr and a summary to stdout, and exits 0', async () => {
    const result = await cli(['--consumer', 'viewsProjectOrders', '--stage', STAGE, '--reset-views']);

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('replayed 7/7');
    expect(result.stdout).toMatch(
      new RegExp(
        `7 event\\(s\\) from ${STORE_TABLE} to ${PROJECTOR}: 7 delivered, 0 failed, 3 view item\\(s\\) deleted first`,
      ),
    );
    expect(sentIds()).toEqual(IN_ORDER);
  });

  it('exits 1 when an invocation failed, naming the event', async () => {
    failing.add('evt-c-confirmed');

    const result = await cli(['--consumer', 'viewsProjectOrders', '--stage', STAGE, '--aggregate', 'ord-c']);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('1 delivered, 1 failed');
    expect(result.stdout).toContain('failed evt-c-confirmed: Error: projection failed');
  });

  it('--dry-run sends nothing', async () => {
    const result = await cli(['--consumer', 'viewsProjectOrders', '--stage', STAGE, '--dry-run']);

    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(7 + 1);
    expect(result.stdout).toContain('nothing sent');
    expect(fakeLambda.invocations).toEqual([]);
  });

  it.each([
    [[], '--consumer <functionKey> is required'],
    [['--consumer', 'ordersProjectPrices', '--reset-views'], '--reset-views only rebuilds a read model'],
    [['--consumer', 'viewsProjectOrders', '--from', 'yesterday'], 'not an ISO-8601 date-time'],
    [['--consumer', 'viewsProjectOrders', '--colour'], "Unknown option '--colour'"],
  ])('refuses %j with exit code 2 and the usage', async (argv, message) => {
    const result = await cli(argv);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('usage: npm run replay');
    expect(fakeLambda.invocations).toEqual([]);
  });

  it('stops with exit code 1 and a hint when the event store cannot be read', async () => {
    const result = await cli(['--consumer', 'viewsProjectOrders', '--stage', 'nostore']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ResourceNotFoundException');
  });
});

describe('replaying profile changes to the contact projection (sealed contacts, issue 10)', () => {
  const CAROL = { pk: 'CUSTOMER#carol', sk: 'CONTACT' };
  let kms: LocalKms;

  beforeAll(async () => {
    // the contact key, served by the local KMS the stack runs, found through the SDK's endpoint variable
    kms = await startLocalKms({
      port: 0,
      region: 'us-east-1',
      accountId: '000000000000',
      keys: [{ name: 'CustomerContactKey', aliases: [String(process.env.CUSTOMER_CONTACT_KEY_ID)] }],
      keyStoreFile: join(workDir, 'kms-keys.json'),
    });
    process.env.AWS_ENDPOINT_URL_KMS = kms.endpoint;
    const { Properties } = parseYaml(
      readFileSync(join(ROOT, 'domains', 'notifications', 'resources.yml'), 'utf8'),
    ).Resources.NotificationsTable;
    await raw.send(
      new CreateTableCommand({
        TableName: NOTIFICATIONS_TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: Properties.AttributeDefinitions,
        KeySchema: Properties.KeySchema,
        GlobalSecondaryIndexes: Properties.GlobalSecondaryIndexes,
      }),
    );
    // carol's history: her first details in clear (v1, stored before contacts were sealed), then sealed (v2)
    const client = new KMSClient({ endpoint: kms.endpoint, region: 'us-east-1' });
    const sealedContact = await new KmsCustomerContactCipher(
      client,
      String(process.env.CUSTOMER_CONTACT_KEY_ID),
    ).seal({ name: 'Carol Vance', email: 'carol@new.example.com' }, { customerId: 'carol' });
    client.destroy();
    const updatedAt = at('09:30:00');
    for (const item of [
      stored(CustomerProfileUpdatedV2, 'carol-v3', 'carol', updatedAt, {
        customerId: 'carol',
        sealedContact,
        profileVersion: 3,
        updatedAt,
      }),
      stored(CustomerProfileUpdatedV1, 'carol-v2', 'carol', at('09:00:00'), {
        customerId: 'carol',
        name: 'Carol',
        email: 'carol@old.example.com',
        profileVersion: 2,
        updatedAt: at('09:00:00'),
      }),
    ]) {
      await dynamo.send(new PutCommand({ TableName: STORE_TABLE, Item: item }));
    }
  }, 60_000);
  afterAll(() => kms?.stop());

  it('rebuilds a wiped contact from the sealed v2 over the clear v1, as often as it is replayed', async () => {
    for (const round of [1, 2]) {
      // given the projection lost carol's contact
      await dynamo.send(new DeleteCommand({ TableName: NOTIFICATIONS_TABLE, Key: CAROL }));

      // when her profile changes are replayed to it
      const { sink } = output();
      const summary = await replay(options(['--consumer', 'notificationsProjectContacts']), {
        dynamo,
        lambda,
        patterns: consumerPatterns('notificationsProjectContacts'),
        output: sink,
      });

      // then both were delivered, and the newest, opened from its ciphertext, is her contact again
      expect(summary, `round ${round}`).toMatchObject({ selected: 2, delivered: 2, failed: [] });
      const { Item } = await dynamo.send(new GetCommand({ TableName: NOTIFICATIONS_TABLE, Key: CAROL }));
      expect(Item, `round ${round}`).toMatchObject({
        name: 'Carol Vance',
        email: 'carol@new.example.com',
        profileVersion: 3,
      });
    }
    expect(sentIds()).toEqual(['evt-carol-v2', 'evt-carol-v3', 'evt-carol-v2', 'evt-carol-v3']);
  });
});
