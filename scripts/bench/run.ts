/**
 * `npm run bench [-- --quick] [-- --json]`: boots its own local stack (stage bench), measures the saga's
 * latency, GET /products throughput vs a bare handler, a flash sale (many concurrent orders on a few
 * units) against as many GET /products calls, zip sizes, cold init, middleware overhead and a modelled
 * AWS bill per million orders; prints tables while it runs, writes docs/bench/results.md,
 * docs/bench/cost.md and docs/bench/chart.svg. With --json the LAST stdout line is one JSON object.
 * `-- --flash-sale-only` boots the stack for the flash sale alone and writes no documents.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
} from '@aws-sdk/client-dynamodb-streams';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { call as callStack, openShop, pool, stackFor } from '../drill/harness.js';
import { issuerUrlForStage, keysDirForStage, signDevToken } from '../local-cloud/dev-issuer.mjs';
import stages from '../local-cloud/stages.json' with { type: 'json' };
import {
  type BenchResult,
  chartSvg,
  costPerMillionOrders,
  countBy,
  dynamoItemBytes,
  type Hop,
  hopSummary,
  jsonLine,
  markdownTable,
  median,
  meetsTarget,
  type PerOrderUsage,
  PRICES,
  percentile,
  readUnits,
  round,
  sagaHops,
  TARGETS,
  type TargetKey,
  table,
  writeUnits,
  XRAY_SAMPLING_RATE,
  zipEntries,
} from './lib.js';

const ROOT = join(import.meta.dirname, '..', '..');
const STAGE = 'bench';
const config = stages.bench;
const API = `http://127.0.0.1:${config.httpPort}`;
const BUS = `http://127.0.0.1:${config.eventBusPort}`;
const DYNAMODB = `http://127.0.0.1:${config.dynamodbPort}`;
const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const JSON_OUTPUT = args.has('--json');
const FLASH_SALE_ONLY = args.has('--flash-sale-only');

const plan = QUICK
  ? {
      orders: 10,
      concurrency: 3,
      loadSeconds: 3,
      loadRounds: 1,
      connections: 8,
      initRuns: 3,
      mwIterations: 1000,
      mwRounds: 3,
      flashOrders: 40,
      flashUnits: 10,
    }
  : {
      orders: 60,
      concurrency: 4,
      loadSeconds: 8,
      loadRounds: 2,
      connections: 10,
      initRuns: 7,
      mwIterations: 5000,
      mwRounds: 5,
      flashOrders: 200,
      flashUnits: 50,
    };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const benchStarted = Date.now();
const say = (message: string) =>
  process.stdout.write(
    `[bench ${((Date.now() - benchStarted) / 1000).toFixed(0).padStart(4)} s] ${message}\n`,
  );
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const memo: Record<string, unknown> = {};

// ------------------------------------------------------------------------------------ functions' config

interface FunctionInfo {
  name: string;
  kinds: string[];
  idempotent: boolean;
  memoryMB: number;
}

function functionsOfProject(): Map<string, FunctionInfo> {
  const root = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
  const defaultMemory = Number(/^\s+memorySize:\s*(\d+)/m.exec(root)?.[1] ?? 1024);
  const files = [...root.matchAll(/\$\{file\((functions\/[^)]+\/serverless\.yml)\)\}/g)].map(
    (m) => m[1] as string,
  );
  const result = new Map<string, FunctionInfo>();
  for (const file of files) {
    const doc = parseYaml(readFileSync(join(ROOT, file), 'utf8'), { merge: true }) as Record<string, any>;
    for (const [name, fn] of Object.entries(doc ?? {})) {
      result.set(name, {
        name,
        kinds: (fn.events ?? []).map((event: Record<string, unknown>) => Object.keys(event)[0]),
        idempotent: JSON.stringify(fn.iamRoleStatements ?? []).includes('IdempotencyTable'),
        memoryMB: Number(fn.memorySize ?? defaultMemory),
      });
    }
  }
  return result;
}

// ------------------------------------------------------------------------------------------- zip sizes

interface ZipStat {
  name: string;
  zipKB: number;
  codeKB: number;
  mapKB: number;
}

function packageAndMeasureZips(): { zips: ZipStat[]; packageDir: string } {
  const packageDir = mkdtempSync(join(tmpdir(), 'bench-pkg-'));
  say(`packaging every function (sls package --stage ${STAGE}) …`);
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'sls'),
    ['package', '--stage', STAGE, '--package', packageDir],
    {
      cwd: ROOT,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const zips = readdirSync(packageDir)
    .filter((file) => file.endsWith('.zip') && file !== 'benchBare.zip')
    .map((file) => {
      const buffer = readFileSync(join(packageDir, file));
      const entries = zipEntries(buffer);
      const kb = (filter: (name: string) => boolean) =>
        entries.filter((e) => filter(e.name)).reduce((sum, e) => sum + e.compressedBytes, 0) / 1024;
      return {
        name: file.replace(/\.zip$/, ''),
        zipKB: buffer.length / 1024,
        codeKB: kb((n) => !n.endsWith('.map')),
        mapKB: kb((n) => n.endsWith('.map')),
      };
    })
    .sort((a, b) => b.zipKB - a.zipKB);
  return { zips, packageDir };
}

// -------------------------------------------------------------------------------------------- cold init

async function measureInit(packageDir: string, heaviest: string) {
  const work = mkdtempSync(join(tmpdir(), 'bench-init-'));
  execFileSync('unzip', ['-q', '-o', join(packageDir, `${heaviest}.zip`), '-d', join(work, 'ours')]);
  const ourBundle = execFileSync('find', [join(work, 'ours'), '-name', '*.mjs'], { encoding: 'utf8' }).trim();
  const bareBundle = join(work, 'bare', 'bare-sdk.mjs');
  await build({
    entryPoints: [join(ROOT, 'scripts', 'bench', 'bare-sdk.ts')],
    outfile: bareBundle,
    bundle: true,
    minify: true,
    sourcemap: true,
    treeShaking: true,
    target: 'node22',
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
  const event = JSON.stringify({ Records: [] });
  const env = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_SERVICE_NAME: 'commerce',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_METRICS_NAMESPACE: 'commerce-bench',
    STAGE,
    AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
  };
  const once = (bundle: string) => {
    const out = execFileSync(
      process.execPath,
      ['--enable-source-maps', join(ROOT, 'scripts', 'bench', 'init-child.mjs'), bundle, event],
      {
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const line = out.split('\n').find((l) => l.startsWith('INIT_RESULT '));
    if (!line) throw new Error(`init child printed no result for ${bundle}`);
    return JSON.parse(line.slice('INIT_RESULT '.length)) as {
      loadMs: number;
      firstInvokeMs: number;
      totalMs: number;
    };
  };
  once(ourBundle); // warm the OS file cache for both, so neither pays a first disk read
  once(bareBundle);
  const ours: number[] = [];
  const bare: number[] = [];
  for (let run = 0; run < plan.initRuns; run++) {
    ours.push(once(ourBundle).totalMs);
    bare.push(once(bareBundle).totalMs);
    say(
      `  init run ${run + 1}/${plan.initRuns}: ${heaviest} ${ours.at(-1)?.toFixed(1)} ms, bare ${bare.at(-1)?.toFixed(1)} ms`,
    );
  }
  rmSync(work, { recursive: true, force: true });
  return { oursMs: median(ours), bareMs: median(bare), ratio: median(ours) / median(bare) };
}

// ----------------------------------------------------------------------------------- middleware overhead

function measureMiddleware(): Promise<{ oursMs: number; bareMs: number; overheadMs: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(
      join(ROOT, 'scripts', 'bench', 'middleware-child.ts'),
      [String(plan.mwIterations), String(plan.mwRounds)],
      {
        cwd: ROOT,
        execArgv: ['--import', 'tsx'],
        env: {
          ...process.env,
          POWERTOOLS_SERVICE_NAME: 'commerce',
          POWERTOOLS_LOG_LEVEL: 'WARN',
          POWERTOOLS_METRICS_NAMESPACE: 'commerce-bench',
          CORS_ALLOWED_ORIGINS: '*',
        },
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('message', (message: any) => {
      const oursMs = median(message.oursMs);
      const bareMs = median(message.bareMs);
      resolve({ oursMs, bareMs, overheadMs: oursMs - bareMs });
    });
    child.once(
      'exit',
      (code) => code !== 0 && reject(new Error(`middleware child exited ${code}: ${stderr.slice(-2000)}`)),
    );
  });
}

// ------------------------------------------------------------------------------------------------ stack

interface Stack {
  child: ChildProcess;
  log: string[];
}

async function bootStack(): Promise<Stack> {
  for (const entry of ['stream-checkpoints.json', 'dynamodb', 'seeded']) {
    rmSync(join(ROOT, '.local', STAGE, entry), { recursive: true, force: true });
  }
  say(`booting the local stack (stage ${STAGE}, ports ${config.httpPort}–${config.webPort}) …`);
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'sls'), ['offline', 'start', '--stage', STAGE], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stack: Stack = { child, log: [] };
  let partial = '';
  let ready = false;
  const onData = (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      stack.log.push(line);
      if (line.includes('LOCAL_CLOUD_READY')) ready = true;
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  // Generous: on a busy 2-core machine the emulators and the first esbuild pass take minutes.
  const deadline = Date.now() + 600_000;
  while (!ready) {
    if (child.exitCode !== null)
      throw new Error(`the stack exited early:\n${stack.log.slice(-40).join('\n')}`);
    if (Date.now() > deadline) {
      // Not ready is not stopped: without this the half-booted stack keeps the stage's ports.
      await stopStack(stack);
      throw new Error(`the stack was not ready in 600 s:\n${stack.log.slice(-40).join('\n')}`);
    }
    await sleep(200);
  }
  return stack;
}

async function stopStack(stack: Stack | undefined) {
  const child = stack?.child;
  if (!child?.pid || child.exitCode !== null) return;
  say('stopping the local stack …');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGINT');
  const timeout = new Promise((resolve) => setTimeout(resolve, 15_000, 'timeout').unref());
  if ((await Promise.race([exited, timeout])) === 'timeout') process.kill(-child.pid, 'SIGKILL');
  child.stdout?.destroy();
  child.stderr?.destroy();
}

const token = (userId: string, admin = false) =>
  signDevToken({
    keysDir: keysDirForStage(STAGE),
    issuer: issuerUrlForStage(STAGE),
    audience: config.audience,
    userId,
    admin,
    expiresIn: '30m',
  }) as Promise<string>;

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${API}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

// ------------------------------------------------------------------------------------------------- saga

interface SagaRun {
  latenciesMs: number[];
  failures: string[];
  correlationIds: Set<string>;
  startedAt: number;
  endedAt: number;
  logFrom: number;
  logTo: number;
}

async function runSaga(stack: Stack, beforeOrders: () => Promise<void>): Promise<SagaRun> {
  const admin = await token('bench-admin', true);
  const products: string[] = [];
  for (let i = 0; i < 3; i++) {
    const productId = `bench-${Date.now().toString(36)}-${i}`;
    const created = await call('POST', '/products', {
      token: admin,
      body: {
        productId,
        name: productId,
        description: 'bench',
        price: { amount: 1200 + i * 100, currency: 'EUR' },
      },
    });
    if (created.status !== 201)
      throw new Error(`creating a product failed: ${created.status} ${JSON.stringify(created.body)}`);
    const stocked = await call('PUT', `/inventory/${productId}`, {
      token: admin,
      body: { quantity: 100_000 },
    });
    if (stocked.status !== 200) throw new Error(`setting stock failed: ${stocked.status}`);
    products.push(productId);
  }
  const customers = await Promise.all([0, 1, 2, 3, 4].map((i) => token(`bench-customer-${i}`)));
  // The orders domain learns prices from catalog events: wait until one warm-up order is accepted and
  // confirmed (also warms every function of the saga, so cold starts are not in the samples).
  say('warming up the saga (prices projected, every function started once) …');
  for (const [i, productId] of products.entries()) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const placed = await call('POST', '/orders', {
        token: customers[i % customers.length],
        body: { items: [{ productId, quantity: 1 }], paymentToken: 'tok_visa' },
        headers: { 'idempotency-key': `warm-${productId}` },
      });
      if (placed.status === 202) {
        await waitConfirmed(customers[i % customers.length] as string, placed.body.orderId, 60_000);
        break;
      }
      if (Date.now() > deadline)
        throw new Error(`warm-up order not accepted: ${placed.status} ${JSON.stringify(placed.body)}`);
      await sleep(250);
    }
  }
  await sleep(1500);
  await beforeOrders();
  say(
    `placing ${plan.orders} orders, ${plan.concurrency} at a time; latency = POST /orders → CONFIRMED seen by GET /orders/{id}`,
  );
  const run: SagaRun = {
    latenciesMs: [],
    failures: [],
    correlationIds: new Set(),
    startedAt: Date.now(),
    endedAt: 0,
    logFrom: stack.log.length,
    logTo: 0,
  };
  let next = 0;
  const worker = async () => {
    while (next < plan.orders) {
      const index = next++;
      const customer = customers[index % customers.length] as string;
      const correlationId = `bench-order-${benchStarted.toString(36)}-${index}`;
      run.correlationIds.add(correlationId);
      const started = performance.now();
      try {
        const placed = await call('POST', '/orders', {
          token: customer,
          body: {
            items: [{ productId: products[index % products.length], quantity: 1 + (index % 2) }],
            paymentToken: 'tok_visa',
          },
          headers: { 'idempotency-key': `bench-${correlationId}`, 'x-correlation-id': correlationId },
        });
        if (placed.status !== 202) throw new Error(`POST /orders → ${placed.status}`);
        await waitConfirmed(customer, placed.body.orderId, 30_000);
        run.latenciesMs.push(performance.now() - started);
      } catch (error) {
        run.failures.push(`${correlationId}: ${(error as Error).message}`);
      }
      const done = run.latenciesMs.length + run.failures.length;
      if (done % Math.max(1, Math.floor(plan.orders / 10)) === 0 || done === plan.orders) {
        say(
          `  ${done}/${plan.orders} orders done — p50 so far ${round(percentile(run.latenciesMs, 50), 0)} ms, p95 ${round(percentile(run.latenciesMs, 95), 0)} ms${run.failures.length ? `, ${run.failures.length} failed` : ''}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  run.endedAt = Date.now();
  // Let the tail of the saga (capture, stock sale, notifications, projections) finish before counting.
  await sleep(6000);
  run.logTo = stack.log.length;
  return run;
}

async function waitConfirmed(customer: string, orderId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call('GET', `/orders/${orderId}`, { token: customer });
    if (body?.status === 'CONFIRMED') return;
    if (body?.status === 'CANCELLED') throw new Error(`order ${orderId} was cancelled (${body.reason})`);
    if (Date.now() > deadline)
      throw new Error(`order ${orderId} not CONFIRMED after ${timeoutMs} ms (${body?.status})`);
    await sleep(50);
  }
}

// ------------------------------------------------------------------------------------------------- cost

const TABLES = {
  streamed: ['catalog', 'customers', 'inventory', 'orders', 'payments'],
  // Tables without a stream: item count and size from a scan; `writesPerItem` is read from the code.
  unstreamed: { views: 2, 'event-store': 1, notifications: 1, idempotency: 2 } as Record<string, number>,
};

async function scanTables(): Promise<Record<string, { count: number; bytes: number }>> {
  const dynamo = new DynamoDBClient({ endpoint: DYNAMODB, region: 'us-east-1', credentials });
  const result: Record<string, { count: number; bytes: number }> = {};
  for (const table of Object.keys(TABLES.unstreamed)) {
    let count = 0;
    let bytes = 0;
    let start: Record<string, any> | undefined;
    do {
      const page = await dynamo.send(
        new ScanCommand({ TableName: `commerce-${STAGE}-${table}`, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) {
        count++;
        bytes += dynamoItemBytes(item as Record<string, unknown>);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    result[table] = { count, bytes };
  }
  return result;
}

/**
 * Every write on the streamed tables that is not in `seenBefore` (sequence numbers read before the saga),
 * read from their DynamoDB Streams with our own iterators. Adds what it reads to `seenBefore`.
 */
async function streamWrites(seenBefore: Set<string>) {
  const streams = new DynamoDBStreamsClient({ endpoint: DYNAMODB, region: 'us-east-1', credentials });
  const perTable: Record<string, { writes: number; units: number; outboxInserts: number }> = {};
  for (const table of TABLES.streamed) {
    const stats = { writes: 0, units: 0, outboxInserts: 0 };
    const records: Array<{ bytes: number; outbox: boolean; eventName: string }> = [];
    let seen = 0;
    const listed = await streams.send(new ListStreamsCommand({ TableName: `commerce-${STAGE}-${table}` }));
    for (const stream of listed.Streams ?? []) {
      const described = await streams.send(new DescribeStreamCommand({ StreamArn: stream.StreamArn }));
      for (const shard of described.StreamDescription?.Shards ?? []) {
        let iterator = (
          await streams.send(
            new GetShardIteratorCommand({
              StreamArn: stream.StreamArn,
              ShardId: shard.ShardId,
              ShardIteratorType: 'TRIM_HORIZON',
            }),
          )
        ).ShardIterator;
        // An open shard always hands out a next iterator, and pages may be empty before the data: stop
        // after a few empty pages in a row.
        for (let page = 0, empty = 0; iterator && page < 500 && empty < 3; page++) {
          const got = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
          empty = got.Records?.length ? 0 : empty + 1;
          for (const record of got.Records ?? []) {
            seen++;
            const sequence = `${table}/${record.dynamodb?.SequenceNumber}`;
            if (seenBefore.has(sequence)) continue;
            seenBefore.add(sequence);
            const image = (record.dynamodb?.NewImage ?? record.dynamodb?.OldImage ?? {}) as Record<
              string,
              unknown
            >;
            records.push({
              bytes: dynamoItemBytes(image),
              outbox: JSON.stringify(image.entityType ?? '').includes('OUTBOX'),
              eventName: record.eventName ?? '',
            });
          }
          iterator = got.NextShardIterator;
        }
      }
    }
    // A table that writes outbox items writes them in a transaction with its state: those writes cost 2×.
    const transactional = records.some((r) => r.outbox);
    for (const record of records) {
      if (record.outbox && record.eventName === 'REMOVE') continue; // TTL deletes are free
      stats.writes++;
      stats.units += writeUnits(record.bytes, transactional && record.eventName !== 'REMOVE');
      if (record.outbox && record.eventName === 'INSERT') stats.outboxInserts++;
    }
    perTable[table] = stats;
    say(`  ${table}: ${seen} stream records, ${records.length} new`);
  }
  return perTable;
}

interface CostInputs {
  usage: PerOrderUsage;
  invocationTable: Array<[string, number, number]>;
  dynamoTable: Array<[string, number, number]>;
  busEventsByType: Record<string, number>;
  notes: string[];
}

async function modelCost(
  stack: Stack,
  saga: SagaRun,
  functions: Map<string, FunctionInfo>,
  before: Record<string, { count: number; bytes: number }>,
  streamSeen: Set<string>,
): Promise<CostInputs> {
  const orders = saga.latenciesMs.length + saga.failures.length;
  const notes: string[] = [];
  // Invocations and billed durations, from serverless-offline's per-invocation lines.
  const perFunction = new Map<string, { count: number; billedMs: number }>();
  let jsonLogBytes = 0;
  for (const line of stack.log.slice(saga.logFrom, saga.logTo)) {
    const match = /^\(λ: (\w+)\) RequestId: \S+\s+Duration: [\d.]+ ms\s+Billed Duration: (\d+) ms/.exec(line);
    if (match) {
      const entry = perFunction.get(match[1] as string) ?? { count: 0, billedMs: 0 };
      entry.count++;
      entry.billedMs += Number(match[2]);
      perFunction.set(match[1] as string, entry);
    } else if (line.startsWith('{')) {
      jsonLogBytes += Buffer.byteLength(line) + 1;
    }
  }
  const excluded = ['ordersGetOrder', 'benchBare', 'catalogListProducts'];
  const scheduled = [...functions.values()].filter((f) => f.kinds.includes('schedule')).map((f) => f.name);
  let invocations = 0;
  let gbSeconds = 0;
  let readCount = 0;
  const invocationTable: Array<[string, number, number]> = [];
  for (const [name, { count, billedMs }] of [...perFunction.entries()].sort(
    (a, b) => b[1].count - a[1].count,
  )) {
    if (excluded.includes(name) || scheduled.includes(name)) continue;
    const info = functions.get(name);
    const perOrder = count / orders;
    invocations += perOrder;
    gbSeconds += ((billedMs / 1000) * (info?.memoryMB ?? 512)) / 1024 / orders;
    invocationTable.push([name, round(perOrder, 2), round(billedMs / count, 1)]);
    const relayOrForwarder = /OutboxRelay$|Forward/.test(name);
    if (!relayOrForwarder) readCount += perOrder * (1 + (info?.idempotent ? 1 : 0));
  }
  // The customer's own GET /orders/{id}: one per order in the model (the bench polls more often).
  const getOrder = perFunction.get('ordersGetOrder');
  if (getOrder) {
    invocations += 1;
    gbSeconds += ((getOrder.billedMs / getOrder.count / 1000) * 512) / 1024;
    readCount += 1;
    invocationTable.push([
      'ordersGetOrder (model: 1 per order)',
      1,
      round(getOrder.billedMs / getOrder.count, 1),
    ]);
  }
  notes.push(
    `Scheduled functions (${scheduled.join(', ')}) run per minute, not per order, and are left out; so are the bench's own polling GETs beyond one per order.`,
  );
  // Bus events of the bench orders (the local bus keeps the last 1000 events).
  const events = (await (await fetch(`${BUS}/_local/events`)).json()) as Array<{
    'detail-type': string;
    detail: any;
  }>;
  const busEventsByType: Record<string, number> = {};
  let busEvents = 0;
  for (const event of events) {
    if (!saga.correlationIds.has(event.detail?.metadata?.correlationId)) continue;
    busEventsByType[event['detail-type']] = (busEventsByType[event['detail-type']] ?? 0) + 1;
    busEvents++;
  }
  if (events.length >= 1000)
    notes.push('The local bus keeps 1000 recent events: early events may be missing from the count.');
  // FIFO messages: one per invocation of an SQS-triggered consumer (batches of one group are mostly 1).
  const sqsConsumers = [...functions.values()].filter((f) => f.kinds.includes('sqs')).map((f) => f.name);
  const fifoMessages =
    sqsConsumers.reduce((sum, name) => sum + (perFunction.get(name)?.count ?? 0), 0) / orders;
  const sqsRequests = fifoMessages * 3; // SendMessage + ReceiveMessage + DeleteMessage
  notes.push(
    "SQS: 3 requests per FIFO message (send, receive, delete); the Lambda pollers' empty long polls are a per-queue constant (≈ 5 queues × 3 pollers × 1 req/20 s ≈ 2 M requests/month ≈ $1/month), not per order.",
  );
  // DynamoDB.
  const streamed = await streamWrites(streamSeen);
  const after = await scanTables();
  const dynamoTable: Array<[string, number, number]> = [];
  let writeUnitsTotal = 0;
  for (const [table, stats] of Object.entries(streamed)) {
    dynamoTable.push([
      `${table} (stream records)`,
      round(stats.writes / orders, 2),
      round(stats.units / orders, 2),
    ]);
    writeUnitsTotal += stats.units / orders;
  }
  for (const [table, writesPerItem] of Object.entries(TABLES.unstreamed)) {
    const added = Math.max(0, (after[table]?.count ?? 0) - (before[table]?.count ?? 0));
    const avgBytes = (after[table]?.bytes ?? 0) / Math.max(1, after[table]?.count ?? 1);
    const units = (added * writesPerItem * writeUnits(avgBytes)) / orders;
    dynamoTable.push([
      `${table} (scan Δ × ${writesPerItem})`,
      round((added * writesPerItem) / orders, 2),
      round(units, 2),
    ]);
    writeUnitsTotal += units;
  }
  notes.push(
    "DynamoDB: the code does not ask for ReturnConsumedCapacity and DynamoDB Local does not report it reliably, so write units are estimated from item sizes: every write seen on the streamed tables' streams during the run (1 WRU per started KB, ×2 on tables that write state + outbox in one transaction — an upper bound, a few writes there are not transactional); tables without a stream from the growth of their item count × writes per item read from the code (views: placed + confirmed; idempotency: in-progress + completed). Read units: 1 per HTTP/consumer invocation plus 1 per idempotency check (items < 4 KB).",
  );
  const invocationsAll = invocations;
  const platformLogBytes = invocationsAll * 330; // START + END + REPORT lines of the Lambda platform
  notes.push(
    `Logs: ${round(jsonLogBytes / orders, 0)} B/order of structured logs at the bench stage's WARN level (prod logs INFO: more) plus ≈ 330 B of platform lines (START/END/REPORT) per invocation.`,
  );
  notes.push(
    'Lambda durations are measured locally (serverless-offline worker threads on x86, 2 shared cores, emulators on the same machine, the saga running 4 orders at a time): they are higher than warm arm64 Lambda durations on AWS, and they dominate this bill.',
  );
  const usage: PerOrderUsage = {
    invocations: invocationsAll,
    gbSeconds,
    dynamoWriteUnits: writeUnitsTotal,
    dynamoReadUnits: readCount * readUnits(1000),
    apiRequests: 2, // POST /orders + one GET /orders/{id}
    busEvents: busEvents / orders,
    sqsRequests,
    logBytes: jsonLogBytes / orders + platformLogBytes,
    traces: invocationsAll,
  };
  return { usage, invocationTable, dynamoTable, busEventsByType, notes };
}

// ------------------------------------------------------------------------------------------- throughput

async function load(url: string, seconds: number) {
  const result = await autocannon({ url, connections: plan.connections, duration: seconds, pipelining: 1 });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function measureThroughput() {
  const products = `${API}/products`;
  const bare = `${API}/bench/bare`;
  say('warming both routes (2 s each) …');
  await load(products, 2);
  await load(bare, 2);
  const rows: Array<[string, number, number, number, number, number]> = [];
  let productsRps = 0;
  let bareRps = 0;
  for (let round_ = 0; round_ < plan.loadRounds; round_++) {
    for (const [label, url] of [
      ['GET /bench/bare', bare],
      ['GET /products', products],
    ] as const) {
      say(
        `  autocannon ${label}: ${plan.connections} connections, ${plan.loadSeconds} s (round ${round_ + 1}/${plan.loadRounds}) …`,
      );
      const r = await load(url, plan.loadSeconds);
      rows.push([label, round_ + 1, round(r.rps, 1), r.p50, r.p99, r.non2xx + r.errors]);
      if (label === 'GET /products') productsRps += r.rps;
      else bareRps += r.rps;
    }
  }
  return {
    rows,
    ratio: productsRps / bareRps,
    productsRps: productsRps / plan.loadRounds,
    bareRps: bareRps / plan.loadRounds,
  };
}

// ------------------------------------------------------------------------------------------ flash sale

interface FlashSale {
  orders: number;
  units: number;
  acceptedSeconds: number;
  /** Seconds from the first POST until inventory had decided (reserved or refused) every order. */
  stockDecidedSeconds: number;
  secondsToFinal: number;
  getProductsSeconds: number;
  getProductsFailures: number;
  outcomes: Record<string, number>;
  retriedPosts: number;
  /** Answers to POST /orders other than 202, by status (each was retried with the same key). */
  postAnswers: Record<string, number>;
  hops: Array<[string, number, number, number, number]>;
  /** Orders final after 5, 10, 20, 40, 80 s. */
  finalBy: Array<[number, number]>;
  /** The machine's 1-minute load average when the sale started and when every order was final. */
  load: [number, number];
}

/**
 * `plan.flashOrders` customers order one unit each, all at once, of a product with `plan.flashUnits` units;
 * then as many GET /products calls, all at once, on the same stack. Where the time goes comes from the
 * event store: each order's decision events by `occurredAt`.
 */
async function measureFlashSale(): Promise<FlashSale> {
  const stack = stackFor(STAGE);
  const shop = await openShop(stack);
  const { flashOrders: orders, flashUnits: units } = plan;
  const product = await shop.product({ amount: 990, stock: 0 });
  await shop.waitForPrice(product);
  await shop.setStock(product, units);
  const customers = await Promise.all(Array.from({ length: orders }, () => shop.customer()));
  say(`flash sale: ${orders} orders at once for ${units} units of ${product} …`);
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  const started = Date.now();
  const answers: string[] = [];
  const placed = await Promise.all(
    customers.map(async (customer, index) => {
      // Like a shop's client: a lost or failed answer is retried with the same Idempotency-Key, so an
      // order is never placed twice, after a jittered pause that grows (a fixed one makes a retry storm
      // of 200 clients); the answers other than 202 are counted.
      const correlationId = `flash-${started.toString(36)}-${index}`;
      const headers = { 'idempotency-key': `flash-key-${correlationId}`, 'x-correlation-id': correlationId };
      for (let attempt = 1, deadline = Date.now() + 600_000; ; attempt++) {
        const answer = await callStack(stack, 'POST', '/orders', {
          token: customer.token,
          body: { items: [{ productId: product, quantity: 1 }], paymentToken: 'tok_visa' },
          headers,
        }).catch((error: Error) => ({ status: 0, body: { errorMessage: error.message } }));
        if (answer.status === 202) return { orderId: answer.body.orderId as string, correlationId };
        answers.push(`${answer.status}${answer.body?.errorMessage ? ' (Lambda error)' : ''}`);
        if (Date.now() > deadline) throw new Error(`order ${index} not accepted in 600 s: ${answers.at(-1)}`);
        await sleep(Math.random() * Math.min(10_000, 250 * 2 ** attempt));
      }
    }),
  );
  const acceptedSeconds = (Date.now() - started) / 1000;
  say(
    `  ${orders} accepted in ${round(acceptedSeconds, 1)} s (other answers: ${JSON.stringify(countBy(answers))}); waiting until every order is final`,
  );
  const finals: Array<{ status: string; reason?: string; updatedAt: string } | undefined> = [];
  const deadline = Date.now() + 600_000;
  for (;;) {
    const open = placed.map((_, i) => i).filter((i) => !finals[i]);
    if (open.length === 0) break;
    if (Date.now() > deadline) throw new Error(`${open.length} flash-sale orders not final after 600 s`);
    await pool(open, 16, async (i) => {
      // A refused connection under load is just another poll.
      const body = await shop
        .order(customers[i]?.token ?? '', placed[i]?.orderId ?? '')
        .catch(() => undefined);
      if (body?.status && body.status !== 'PENDING') finals[i] = body;
    });
    if (finals.filter(Boolean).length < orders) await sleep(500);
  }
  const finalAt = finals.map((order) => Date.parse(order?.updatedAt ?? ''));
  const secondsToFinal = (Math.max(...finalAt) - started) / 1000;
  const loadAtFinal = loadavg()[0] ?? Number.NaN;
  say(
    `  every order final ${round(secondsToFinal, 1)} s after the first POST (load average ${round(loadAtStart, 1)} → ${round(loadAtFinal, 1)} on ${cpus().length} cores)`,
  );

  const getStarted = performance.now();
  const gets = await Promise.all(
    Array.from({ length: orders }, () => callStack(stack, 'GET', '/products').catch(() => undefined)),
  );
  const getProductsSeconds = (performance.now() - getStarted) / 1000;
  const getProductsFailures = gets.filter((answer) => answer?.status !== 200).length;
  say(
    `  ${orders} GET /products at once took ${round(getProductsSeconds, 2)} s (${getProductsFailures} failed)`,
  );

  // The event store records asynchronously: wait (bounded) until each order's final event is in it.
  const perOrder: Hop[][] = await pool(placed, 8, async ({ correlationId }) => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const { status, body } = await callStack(
        stack,
        'GET',
        `/admin/events?correlationId=${encodeURIComponent(correlationId)}&limit=100`,
        { token: shop.admin },
      ).catch(() => ({ status: 0, body: undefined }));
      const events = status === 200 ? (body.items as Array<{ detail: { metadata: any } }>) : [];
      const metadata = events.map((event) => event.detail.metadata);
      if (metadata.some((m) => m.eventType === 'OrderConfirmed' || m.eventType === 'OrderCancelled')) {
        return sagaHops(metadata, started);
      }
      await sleep(250);
    }
    return [];
  });
  const decidedAt: number[] = [];
  for (const hops of perOrder) {
    let at = started;
    for (const { hop, ms } of hops) {
      at += ms;
      if (/ → Stock(Reserved|ReservationFailed)$/.test(hop)) decidedAt.push(at);
    }
  }
  return {
    orders,
    units,
    acceptedSeconds,
    stockDecidedSeconds: decidedAt.length ? (Math.max(...decidedAt) - started) / 1000 : Number.NaN,
    secondsToFinal,
    getProductsSeconds,
    getProductsFailures,
    outcomes: countBy(
      finals.map((order) => (order?.status === 'CONFIRMED' ? 'CONFIRMED' : (order?.reason ?? 'CANCELLED'))),
    ),
    retriedPosts: answers.length,
    postAnswers: countBy(answers),
    hops: hopSummary(perOrder),
    load: [round(loadAtStart, 1), round(loadAtFinal, 1)],
    finalBy: [5, 10, 20, 40, 80].map((s) => [s, finalAt.filter((at) => at - started <= s * 1000).length]),
  };
}

function printFlashSale(sale: FlashSale) {
  process.stdout.write(
    `\nFlash sale: ${sale.orders} concurrent orders, ${sale.units} units — outcomes ${JSON.stringify(sale.outcomes)}, ${sale.retriedPosts} POSTs retried (${JSON.stringify(sale.postAnswers)}), load average ${sale.load.join(' → ')}\n${table(
      ['measure', 'seconds'],
      [
        ['all POST /orders accepted', round(sale.acceptedSeconds, 2)],
        ['inventory decided every order', round(sale.stockDecidedSeconds, 2)],
        ['every order final', round(sale.secondsToFinal, 2)],
        [`${sale.orders} GET /products at once`, round(sale.getProductsSeconds, 2)],
        ['ratio final ÷ GET /products', round(sale.secondsToFinal / sale.getProductsSeconds, 1)],
      ],
    )}\n\nWhere the time goes (event store, occurredAt of consecutive decision events)\n${table(
      ['hop', 'orders', 'p50 ms', 'p95 ms', 'max ms'],
      sale.hops,
    )}\n\nOrders final after … s\n${table(['seconds', 'final'], sale.finalBy)}\n`,
  );
}

// ------------------------------------------------------------------------------------------------- main

/** `--flash-sale-only`: the stack and the flash sale, nothing else; the JSON line has only its keys set. */
async function flashSaleOnly() {
  let stack: Stack | undefined;
  const stop = () => {
    void stopStack(stack).finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let sale: FlashSale;
  try {
    stack = await bootStack();
    sale = await measureFlashSale();
  } finally {
    await stopStack(stack);
    if (stack) {
      // Kept for the post-mortem of where the time went (Lambda timeouts, idempotency conflicts, …).
      const logFile = join(ROOT, '.local', STAGE, 'flash-sale-stack.log');
      writeFileSync(logFile, stack.log.join('\n'));
      say(`stack log: ${logFile}`);
    }
  }
  printFlashSale(sale);
  if (JSON_OUTPUT) {
    const nothing = Number.NaN;
    process.stdout.write(
      `${jsonLine({
        sagaLatencyP50Ms: nothing,
        sagaLatencyP95Ms: nothing,
        getProductsThroughputRatio: nothing,
        maxZipKB: nothing,
        medianZipKB: nothing,
        initRatio: nothing,
        middlewareOverheadMs: nothing,
        costPer1MOrdersUSD: nothing,
        ...flashSaleResult(sale),
      })}\n`,
    );
  }
}

function flashSaleResult(sale: FlashSale) {
  return {
    flashSaleSecondsToFinal: round(sale.secondsToFinal, 2),
    flashSaleGetProductsSeconds: round(sale.getProductsSeconds, 2),
    flashSaleToGetProductsRatio: round(sale.secondsToFinal / sale.getProductsSeconds, 1),
    flashSaleOutcomes: sale.outcomes,
  };
}

async function main() {
  if (FLASH_SALE_ONLY) return flashSaleOnly();
  say(
    `${QUICK ? 'quick smoke run' : 'full run'}: ${plan.orders} orders, ${plan.loadRounds}×${plan.loadSeconds} s load per route, ${plan.initRuns} cold-init runs`,
  );
  const functions = functionsOfProject();

  // 1. Zip sizes (before the stack: packaging is CPU-bound and would disturb the latency numbers).
  const { zips, packageDir } = packageAndMeasureZips();
  const zipKBs = zips.map((z) => z.zipKB);
  const maxZipKB = Math.max(...zipKBs);
  const medianZipKB = median(zipKBs);
  const codeShare = zips.reduce((s, z) => s + z.codeKB, 0) / zips.reduce((s, z) => s + z.zipKB, 0);
  process.stdout.write(
    `\n${table(
      ['function', 'zip KB', 'code KB', 'map KB'],
      zips.map((z) => [z.name, round(z.zipKB, 1), round(z.codeKB, 1), round(z.mapKB, 1)]),
    )}\n\n`,
  );
  say(
    `zip: max ${round(maxZipKB, 1)} KB, median ${round(medianZipKB, 1)} KB (${zips.length} functions; source maps are ${round((1 - codeShare) * 100, 0)}% of the bytes)`,
  );
  memo.zips = zips;

  // 2. Cold init of the heaviest handler vs a bare handler with the same SDK clients.
  const heaviest = zips[0]?.name as string;
  say(
    `cold init: ${heaviest} (heaviest zip) vs a bare handler with its SDK clients, ${plan.initRuns} fresh processes each …`,
  );
  const init = await measureInit(packageDir, heaviest);
  rmSync(packageDir, { recursive: true, force: true });
  say(
    `init: ${heaviest} ${round(init.oursMs, 1)} ms vs bare ${round(init.bareMs, 1)} ms (median) → ratio ${round(init.ratio, 2)}`,
  );

  // 3. Middleware overhead, in process.
  say(`middleware overhead: ${plan.mwRounds} rounds × ${plan.mwIterations} warm invocations each …`);
  const middleware = await measureMiddleware();
  say(
    `middleware: ${round(middleware.oursMs * 1000, 1)} µs vs bare ${round(middleware.bareMs * 1000, 2)} µs per invocation → overhead ${round(middleware.overheadMs, 4)} ms`,
  );

  // 4–6. The stack: saga, cost inputs, throughput.
  let stack: Stack | undefined;
  const stop = () => {
    void stopStack(stack).finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let saga: SagaRun;
  let cost: CostInputs;
  const streamSeen = new Set<string>();
  let throughput: Awaited<ReturnType<typeof measureThroughput>>;
  let sale: FlashSale;
  try {
    const booted = Date.now();
    stack = await bootStack();
    say(`stack ready in ${round((Date.now() - booted) / 1000, 1)} s`);
    let before: Record<string, { count: number; bytes: number }> = {};
    saga = await runSaga(stack, async () => {
      // What the set-up and warm-up orders wrote is not the bench orders' cost.
      before = await scanTables();
      await streamWrites(streamSeen);
    });
    if (saga.failures.length)
      say(`${saga.failures.length} orders failed: ${saga.failures.slice(0, 3).join('; ')}`);
    say('counting what the orders cost (invocations, bus events, DynamoDB stream records, table growth) …');
    cost = await modelCost(stack, saga, functions, before, streamSeen);
    throughput = await measureThroughput();
    sale = await measureFlashSale();
  } finally {
    await stopStack(stack);
  }

  const sagaP50 = percentile(saga.latenciesMs, 50);
  const sagaP95 = percentile(saga.latenciesMs, 95);
  const { lines: costLines, total: costTotal } = costPerMillionOrders(cost.usage);

  process.stdout.write(
    `\nSaga latency (${saga.latenciesMs.length} confirmed, ${saga.failures.length} failed)\n${table(
      ['min', 'p50', 'p90', 'p95', 'p99', 'max'],
      [
        [
          round(Math.min(...saga.latenciesMs), 0),
          round(sagaP50, 0),
          round(percentile(saga.latenciesMs, 90), 0),
          round(sagaP95, 0),
          round(percentile(saga.latenciesMs, 99), 0),
          round(Math.max(...saga.latenciesMs), 0),
        ],
      ],
    )}\n`,
  );
  process.stdout.write(
    `\nThroughput (autocannon, same offline stack)\n${table(['route', 'round', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx+errors'], throughput.rows)}\n`,
  );
  process.stdout.write(
    `\nInvocations per order (measured)\n${table(['function', 'per order', 'avg billed ms'], cost.invocationTable)}\n`,
  );
  process.stdout.write(
    `\nDynamoDB writes per order (estimated)\n${table(['table', 'writes', 'WRU'], cost.dynamoTable)}\n`,
  );
  process.stdout.write(
    `\nModelled AWS bill for 1M orders (us-east-1)\n${table(
      ['item', 'units/order', 'USD / 1M orders'],
      [
        ...costLines.map((l) => [l.item, round(l.unitsPerOrder, 3), round(l.usdPerMillionOrders, 2)]),
        ['total', '', round(costTotal, 2)],
      ],
    )}\n`,
  );

  const result: BenchResult = {
    sagaLatencyP50Ms: round(sagaP50, 0),
    sagaLatencyP95Ms: round(sagaP95, 0),
    getProductsThroughputRatio: round(throughput.ratio, 3),
    maxZipKB: round(maxZipKB, 1),
    medianZipKB: round(medianZipKB, 1),
    initRatio: round(init.ratio, 3),
    middlewareOverheadMs: round(middleware.overheadMs, 4),
    costPer1MOrdersUSD: round(costTotal, 2),
    ...flashSaleResult(sale),
  };
  printFlashSale(sale);
  const summaryRows = (Object.keys(TARGETS) as TargetKey[]).map((key) => [
    key,
    result[key],
    `${TARGETS[key].kind === 'max' ? '≤' : '≥'} ${TARGETS[key].limit}`,
    meetsTarget(key, result[key]) ? 'met' : 'MISSED',
  ]);
  process.stdout.write(`\nSummary\n${table(['key', 'measured', 'target', ''], summaryRows)}\n`);

  // Documents.
  const docs = join(ROOT, 'docs', 'bench');
  mkdirSync(docs, { recursive: true });
  writeFileSync(
    join(docs, 'chart.svg'),
    chartSvg({
      latenciesMs: saga.latenciesMs,
      p50: sagaP50,
      p95: sagaP95,
      zips: zips.map((z) => ({ name: z.name, codeKB: z.codeKB, mapKB: z.mapKB })),
      maxZipTargetKB: TARGETS.maxZipKB.limit,
      medianZipTargetKB: TARGETS.medianZipKB.limit,
    }),
  );
  const when = new Date().toISOString();
  writeFileSync(
    join(docs, 'results.md'),
    `# Benchmark results

Generated by \`npm run bench${QUICK ? ' -- --quick' : ''}\` on ${when} (${QUICK ? 'quick smoke run — small samples' : 'full run'}),
on the local stack of stage \`bench\` (serverless-offline + DynamoDB Local + fauxqs + the local bus, all on
one machine: ${(await import('node:os')).cpus().length} cores, Node ${process.version}). Timings are not asserted by any test. Local
numbers say how our code compares with a bare baseline on the same stack; they are not AWS latencies.

![latency distribution and zip sizes](chart.svg)

## Summary

${markdownTable(['key', 'measured', 'target', ''], summaryRows)}

## Saga latency — \`POST /orders\` → \`CONFIRMED\` visible via \`GET /orders/{id}\`

${saga.latenciesMs.length} orders confirmed, ${saga.failures.length} failed, ${plan.concurrency} at a time, polled every 50 ms, after
one warm-up order per product (so no cold start is in the samples).

${markdownTable(['min', 'p50', 'p90', 'p95', 'p99', 'max'], [[Math.min(...saga.latenciesMs), sagaP50, percentile(saga.latenciesMs, 90), sagaP95, percentile(saga.latenciesMs, 99), Math.max(...saga.latenciesMs)].map((v) => round(v, 0))])}

The saga crosses three outbox relays (DynamoDB stream → bus), two FIFO queues and five consumers; locally
each hop also waits on an emulator's polling (stream reader, SQS long poll), which is where most of this
time goes.

## \`GET /products\` throughput vs a bare handler

autocannon, ${plan.connections} connections, ${plan.loadRounds} × ${plan.loadSeconds} s per route, alternating, same offline stack (the bare
route is \`benchBare\`, \`functions/bench\`, deployed only on stage bench). Ratio = mean req/s of
\`GET /products\` ÷ mean req/s of \`GET /bench/bare\` = **${round(throughput.ratio, 3)}**.

${markdownTable(['route', 'round', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx + errors'], throughput.rows)}

## Flash sale — ${sale.orders} concurrent orders for ${sale.units} units, against ${sale.orders} concurrent \`GET /products\`

Every order final **${round(sale.secondsToFinal, 1)} s** after the first POST (inventory had decided every order after
${round(sale.stockDecidedSeconds, 1)} s); ${sale.orders} \`GET /products\` at once took ${round(sale.getProductsSeconds, 2)} s → ratio
**${round(sale.secondsToFinal / sale.getProductsSeconds, 1)}**. Outcomes: ${Object.entries(sale.outcomes)
      .map(([outcome, count]) => `${count} ${outcome}`)
      .join(
        ', ',
      )}; ${sale.retriedPosts} POSTs were retried with the same Idempotency-Key (answers ${JSON.stringify(sale.postAnswers)}).

Where the time goes, from the event store (each hop spans a stream, a relay, the bus, maybe a FIFO
queue and the consumer):

${markdownTable(['hop', 'orders', 'p50 ms', 'p95 ms', 'max ms'], sale.hops)}

## Zip sizes (\`sls package --stage bench\`, ${zips.length} functions, the bench baseline excluded)

max **${round(maxZipKB, 1)} KB**, median **${round(medianZipKB, 1)} KB**. Source maps are ${round((1 - codeShare) * 100, 0)}% of the
compressed bytes; the code alone would be max ${round(Math.max(...zips.map((z) => z.codeKB)), 1)} KB, median ${round(median(zips.map((z) => z.codeKB)), 1)} KB.

${markdownTable(
  ['function', 'zip KB', 'code KB (compressed)', 'source map KB (compressed)'],
  zips.map((z) => [z.name, round(z.zipKB, 1), round(z.codeKB, 1), round(z.mapKB, 1)]),
)}

## Cold init

Module load + first invocation (\`{ "Records": [] }\`, no network) of the heaviest handler, \`${heaviest}\`,
taken from the package above, vs \`scripts/bench/bare-sdk.ts\` (the same SDK clients — DynamoDB document
client and Secrets Manager — bundled with the same esbuild options, nothing else), each in a fresh
\`node --enable-source-maps\` process (as \`NODE_OPTIONS\` sets on Lambda), ${plan.initRuns} runs each, median:
**${round(init.oursMs, 1)} ms vs ${round(init.bareMs, 1)} ms → ratio ${round(init.ratio, 3)}**.

## Middleware overhead

\`httpHandler\` (middy + Powertools logger/metrics/tracer middlewares, correlation id, auth, CORS,
problem mapping) around a no-op route vs a bare function returning the same response, warm, in one
process, ${plan.mwRounds} rounds × ${plan.mwIterations} invocations, median per invocation:
**${round(middleware.oursMs * 1000, 1)} µs vs ${round(middleware.bareMs * 1000, 2)} µs → ${round(middleware.overheadMs, 4)} ms**. Outside Lambda the tracer
is disabled (no X-Ray segment work), the EMF metrics flush is included.

## Cost

**$${round(costTotal, 2)} per 1M orders** — model, prices and per-order counts in [cost.md](cost.md).
`,
  );
  writeFileSync(
    join(docs, 'cost.md'),
    `# Modelled AWS bill per 1M orders

Generated by \`npm run bench\` on ${when} from the saga run of ${saga.latenciesMs.length + saga.failures.length} orders (one line,
1–2 units, \`tok_visa\`), on the local stack of stage \`bench\`. Public us-east-1 list prices, on-demand, no free
tier, arm64, 512 MB.

## Prices

${markdownTable(
  ['item', 'USD'],
  [
    ['Lambda requests, per 1M', PRICES.lambdaRequestPerMillion],
    ['Lambda arm64 compute, per GB-second', PRICES.lambdaArmGbSecond],
    ['DynamoDB on-demand write request units, per 1M', PRICES.dynamoWriteRequestUnitPerMillion],
    ['DynamoDB on-demand read request units, per 1M', PRICES.dynamoReadRequestUnitPerMillion],
    ['API Gateway HTTP API requests, per 1M (first 300M)', PRICES.httpApiRequestPerMillion],
    ['EventBridge custom events published, per 1M', PRICES.eventBridgeCustomEventPerMillion],
    ['SQS FIFO requests, per 1M (64 KB chunks)', PRICES.sqsFifoRequestPerMillion],
    ['X-Ray traces recorded, per 1M', PRICES.xrayTraceRecordedPerMillion],
    ['CloudWatch Logs ingestion, per GB', PRICES.cloudWatchLogsIngestedPerGb],
  ],
)}

DynamoDB Streams reads by Lambda triggers and TTL deletes are free; storage, CloudWatch custom metrics
(a monthly per-metric price, not per order), alarms and data transfer are left out.

## Model

cost per 1M orders = Σ units per order × price per unit × 1M, where

- **Lambda requests**: invocations per order, counted from serverless-offline's per-invocation report lines
  during the run (table below); compute = Σ billed duration × memory.
- **DynamoDB**: see the note below — estimated from item sizes, not from ReturnConsumedCapacity.
- **HTTP API**: 2 per order (POST /orders and one GET /orders/{id}).
- **EventBridge**: events of the bench orders' correlation ids on the bench stack's bus (\`/_local/events\`).
- **SQS FIFO**: 3 requests per message, one message per SQS-triggered invocation.
- **X-Ray**: one trace per invocation (upper bound: async hops usually continue the caller's trace) × ${XRAY_SAMPLING_RATE * 100}% sampling.
- **Logs**: bytes of structured log lines during the run + platform lines.

${cost.notes.map((note) => `- ${note}`).join('\n')}

## Per-order counts of this run

${markdownTable(['item', 'units per order', 'USD per 1M orders'], [...costLines.map((l) => [l.item, round(l.unitsPerOrder, 3), round(l.usdPerMillionOrders, 2)]), ['**total**', '', `**${round(costTotal, 2)}**`]])}

### Invocations

${markdownTable(['function', 'invocations per order', 'avg billed ms (local)'], cost.invocationTable)}

### DynamoDB writes (estimated)

${markdownTable(['table', 'writes per order', 'WRU per order'], cost.dynamoTable)}

### Bus events of the bench orders

${markdownTable(['detail-type', 'count'], Object.entries(cost.busEventsByType))}
`,
  );
  say(
    `wrote docs/bench/results.md, docs/bench/cost.md, docs/bench/chart.svg in ${round((Date.now() - benchStarted) / 1000, 0)} s`,
  );
  if (JSON_OUTPUT) process.stdout.write(`${jsonLine(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
