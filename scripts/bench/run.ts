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
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { changesState, declaredRoutes } from '../deploy/http-routes.mjs';
import { call as callStack, openShop, pool, stackFor } from '../drill/harness.js';
import { issuerUrlForStage, keysDirForStage, signDevToken } from '../local-cloud/dev-issuer.mjs';
import { matchesEventPattern } from '../local-cloud/event-pattern.mjs';
import { stageOf } from '../local-cloud/stages.mjs';
import {
  type BenchResult,
  chartSvg,
  costPerMillionOrders,
  countBy,
  describeProcess,
  type Hop,
  hopSummary,
  jsonLine,
  markdownTable,
  median,
  meetsTarget,
  type PerOrderUsage,
  PRICES,
  percentile,
  processTree,
  RESULT_KEYS,
  round,
  SAMPLED_TRACE_HEADER,
  sagaHops,
  TARGETS,
  type TargetKey,
  table,
  zipEntries,
} from './lib.js';
import { tracesPerOrder } from './metering.js';
import type { MeterRecord } from './sdk-meter.js';

/** The X-Ray SDK's own file in a write route's zip (scripts/deploy/esbuild-plugins.cjs). */
const { XRAY_FILE } = createRequire(import.meta.url)('../deploy/esbuild-plugins.cjs') as {
  XRAY_FILE: string;
};

const ROOT = join(import.meta.dirname, '..', '..');
const STAGE = 'bench';
const config = stageOf(STAGE);
const API = `http://127.0.0.1:${config.httpPort}`;
const BUS = `http://127.0.0.1:${config.eventBusPort}`;
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
const memo: Record<string, unknown> = {};

// ------------------------------------------------------------------------------------ functions' config

interface FunctionInfo {
  name: string;
  kinds: string[];
  /** The patterns of the rules that feed the function's own queue (`busQueue`), if any. */
  busPatterns: unknown[];
  memoryMB: number;
  /** Lambda's tracing mode: `Active` samples requests that arrive without a trace; `PassThrough` never does. */
  tracing: 'Active' | 'PassThrough';
  /** Whether the queue that triggers the function (`sqs` event) is a FIFO queue; a `busQueue` never is. */
  triggerQueueIsFifo: boolean;
}

/** Logical ids of the FIFO queues the resource files of serverless.yml declare. */
function fifoQueueIds(root: string): Set<string> {
  const files = [...root.matchAll(/\$\{file\(((?:shared|domains)\/[^)]+\/?resources\.yml)\)\}/g)].map(
    (m) => m[1] as string,
  );
  const ids = new Set<string>();
  for (const file of files) {
    const doc = parseYaml(readFileSync(join(ROOT, file), 'utf8')) as Record<string, any>;
    for (const [id, resource] of Object.entries(doc?.Resources ?? {}) as Array<[string, any]>)
      if (resource?.Type === 'AWS::SQS::Queue' && resource.Properties?.FifoQueue === true) ids.add(id);
  }
  return ids;
}

async function functionsOfProject(): Promise<Map<string, FunctionInfo>> {
  // A route's httpApi event comes from its handler's declaration (scripts/deploy/http-routes.mjs).
  const routes = await declaredRoutes();
  const serveRoutes = new Set(routes.map(({ functionName }) => functionName));
  // A read route runs PassThrough, set when serverless loads the service (scripts/deploy/operations-plugin.mjs)
  const readRoutes = new Set(
    routes.filter(({ route }) => !changesState(route)).map(({ functionName }) => functionName),
  );
  const root = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
  const defaultMemory = Number(/^\s+memorySize:\s*(\d+)/m.exec(root)?.[1] ?? 1024);
  const files = [...root.matchAll(/\$\{file\((functions\/[^)]+\/serverless\.yml)\)\}/g)].map(
    (m) => m[1] as string,
  );
  const fifoQueues = fifoQueueIds(root);
  const result = new Map<string, FunctionInfo>();
  for (const file of files) {
    const doc = parseYaml(readFileSync(join(ROOT, file), 'utf8'), { merge: true }) as Record<string, any>;
    for (const [name, fn] of Object.entries(doc ?? {})) {
      result.set(name, {
        name,
        // `busQueue` becomes an `sqs` event and a route an `httpApi` event when serverless loads the
        // service (scripts/deploy/operations-plugin.mjs)
        kinds: [
          ...(fn.events ?? []).map((event: Record<string, unknown>) => Object.keys(event)[0]),
          ...(fn.busQueue ? ['sqs'] : []),
          ...(serveRoutes.has(name) ? ['httpApi'] : []),
        ],
        busPatterns: fn.busQueue?.patterns ?? [],
        memoryMB: Number(fn.memorySize ?? defaultMemory),
        tracing: fn.tracing === 'PassThrough' || readRoutes.has(name) ? 'PassThrough' : 'Active',
        triggerQueueIsFifo: (fn.events ?? []).some((event: Record<string, any>) =>
          fifoQueues.has(event.sqs?.arn?.['Fn::GetAtt']?.[0]),
        ),
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

/**
 * What a function bundle of the bench stage is built with, from serverless.yml: its module aliases
 * (`custom.esbuild.alias`) and how it names its source map (the stage's `sourceMaps` param).
 */
function functionBundleSettings(): { alias: Record<string, string>; sourcemap: 'external' | 'linked' } {
  const service = parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as Record<string, any>;
  return {
    alias: service.custom?.esbuild?.alias ?? {},
    sourcemap: service.params?.[STAGE]?.sourceMaps ?? service.params?.default?.sourceMaps,
  };
}

/** scripts/bench/bare-sdk.ts, bundled as the bench stage bundles a function. Returns the bundle's path. */
async function buildBareBaseline(folder: string): Promise<string> {
  const bareBundle = join(folder, 'bare-sdk.mjs');
  const { alias, sourcemap } = functionBundleSettings();
  await build({
    entryPoints: [join(ROOT, 'scripts', 'bench', 'bare-sdk.ts')],
    outfile: bareBundle,
    bundle: true,
    minify: true,
    sourcemap,
    sourcesContent: false,
    treeShaking: true,
    target: 'node22',
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    // The functions' module aliases (the credential chain Lambda uses), so both sides carry the same SDK.
    alias,
    absWorkingDir: ROOT,
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
  // Packaged as our zips are: the map stays out (scripts/deploy/operations-plugin.mjs).
  rmSync(`${bareBundle}.map`, { force: true });
  return bareBundle;
}

async function measureInit(packageDir: string, heaviest: string) {
  const work = mkdtempSync(join(tmpdir(), 'bench-init-'));
  execFileSync('unzip', ['-q', '-o', join(packageDir, `${heaviest}.zip`), '-d', join(work, 'ours')]);
  // The handler's bundle, not the X-Ray SDK's file a write route's zip also holds
  const handlerBundles = execFileSync('find', [join(work, 'ours'), '-name', '*.mjs'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter((file) => !file.endsWith(XRAY_FILE));
  if (handlerBundles.length !== 1) {
    throw new Error(
      `${heaviest}.zip holds ${handlerBundles.length} handler bundles, not one: ${handlerBundles}`,
    );
  }
  const ourBundle = handlerBundles[0] as string;
  const bareBundle = await buildBareBaseline(join(work, 'bare'));
  // Both sides pay the same for a map they name but do not ship (--enable-source-maps; entries 56, 57)
  const namesMap = (bundle: string) => readFileSync(bundle, 'utf8').includes('//# sourceMappingURL=');
  if (namesMap(ourBundle) !== namesMap(bareBundle)) {
    throw new Error(
      `${heaviest}'s bundle and the bare one disagree on naming a source map: build them alike`,
    );
  }
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
  const once = (bundle: string, traceHeader?: string) => {
    const out = execFileSync(
      process.execPath,
      ['--enable-source-maps', join(ROOT, 'scripts', 'bench', 'init-child.mjs'), bundle, event],
      {
        env: traceHeader ? { ...env, _X_AMZN_TRACE_ID: traceHeader } : env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const line = out.split('\n').find((l) => l.startsWith('INIT_RESULT '));
    if (!line) throw new Error(`init child printed no result for ${bundle}`);
    const result = JSON.parse(line.slice('INIT_RESULT '.length)) as {
      loadMs: number;
      firstInvokeMs: number;
      totalMs: number;
      status?: number;
    };
    // An HTTP handler's probe must reach its validation (scripts/bench/init-child.mjs); an earlier answer
    // (401, 415, 500) would time less work than a customer's first request costs.
    if (result.status !== undefined && result.status !== 400) {
      throw new Error(
        `the init probe of ${bundle} answered ${result.status}, not 400 (a body that fails validation)`,
      );
    }
    return result;
  };
  once(ourBundle); // warm the OS file cache for both, so neither pays a first disk read
  once(bareBundle);
  const ours: number[] = [];
  const oursSampled: number[] = [];
  const bare: number[] = [];
  for (let run = 0; run < plan.initRuns; run++) {
    ours.push(once(ourBundle).totalMs);
    // Lambda's trace header for a request X-Ray samples: a route that changes state loads the X-Ray SDK
    oursSampled.push(once(ourBundle, SAMPLED_TRACE_HEADER).totalMs);
    bare.push(once(bareBundle).totalMs);
    say(
      `  init run ${run + 1}/${plan.initRuns}: ${heaviest} ${ours.at(-1)?.toFixed(1)} ms (sampled ${oursSampled.at(-1)?.toFixed(1)} ms), bare ${bare.at(-1)?.toFixed(1)} ms`,
    );
  }
  rmSync(work, { recursive: true, force: true });
  return {
    oursMs: median(ours),
    oursSampledMs: median(oursSampled),
    bareMs: median(bare),
    ratio: median(ours) / median(bare),
    sampledRatio: median(oursSampled) / median(bare),
  };
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

async function bootStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  for (const entry of ['stream-checkpoints.json', 'dynamodb', 'seeded']) {
    rmSync(join(ROOT, '.local', STAGE, entry), { recursive: true, force: true });
  }
  say(`booting the local stack (stage ${STAGE}, ports ${config.httpPort}–${config.webPort}) …`);
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'sls'), ['offline', 'start', '--stage', STAGE], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', ...extraEnv },
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
  /** When the saga's tail (capture, stock sale, notifications, projections) had time to finish. */
  settledAt: number;
  logFrom: number;
  logTo: number;
  /** When each order's POST was sent (epoch ms), by correlation id: the start of its first hop. */
  postedAt: Map<string, number>;
  /** Where the time goes (hopSummary rows), from the event store once the run has settled. */
  hops: Array<[string, number, number, number, number]>;
}

/** Three bench products, priced and stocked far beyond what the run orders. */
async function createBenchProducts(): Promise<string[]> {
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
  return products;
}

/** Places one warm-up order and waits until it is confirmed; retried while the product has no price yet. */
async function warmUpOrder(customer: string, productId: string, key: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const placed = await call('POST', '/orders', {
      token: customer,
      body: { items: [{ productId, quantity: 1 }], paymentToken: 'tok_visa' },
      headers: { 'idempotency-key': key },
    });
    if (placed.status === 202) {
      await waitConfirmed(customer, placed.body.orderId, 60_000);
      return;
    }
    if (Date.now() > deadline)
      throw new Error(`warm-up order not accepted: ${placed.status} ${JSON.stringify(placed.body)}`);
    await sleep(250);
  }
}

/** Waves of `plan.concurrency` orders at once, so each function has as many sandboxes as the run uses. */
const WARM_UP_WAVES = 2;

/**
 * The orders domain learns prices from catalog events: wait until one warm-up order per product is
 * accepted and confirmed. Then warm the saga at the run's concurrency: one order at a time starts one
 * sandbox per function, and the run's first orders would otherwise wait for the others' cold starts (a
 * shop with steady traffic has its execution environments warm), so no cold start is in the samples.
 */
async function warmUpSaga(products: string[], customers: string[]) {
  say(
    `warming up the saga (prices projected, then ${WARM_UP_WAVES} waves of ${plan.concurrency} orders at once) …`,
  );
  for (const [i, productId] of products.entries()) {
    await warmUpOrder(customers[i % customers.length] as string, productId, `warm-${productId}`);
  }
  for (let wave = 0; wave < WARM_UP_WAVES; wave++) {
    await Promise.all(
      Array.from({ length: plan.concurrency }, (_, i) =>
        warmUpOrder(
          customers[i % customers.length] as string,
          products[i % products.length] as string,
          `warm-${benchStarted.toString(36)}-${wave}-${i}`,
        ),
      ),
    );
  }
}

interface SagaSetup {
  products: string[];
  customers: string[];
}

/** The bench's products and customers, and a saga warmed at the run's concurrency. */
async function prepareSaga(): Promise<SagaSetup> {
  const products = await createBenchProducts();
  const customers = await Promise.all([0, 1, 2, 3, 4].map((i) => token(`bench-customer-${i}`)));
  await warmUpSaga(products, customers);
  await sleep(1500);
  return { products, customers };
}

/**
 * `plan.orders` orders, `plan.concurrency` at a time. `run` names the run in the orders' correlation ids
 * and the progress lines: `metered` (every AWS call counted by the SDK meter) or `latency`.
 */
async function runSaga(stack: Stack, { products, customers }: SagaSetup, run: string): Promise<SagaRun> {
  say(
    `${run} run: placing ${plan.orders} orders, ${plan.concurrency} at a time; latency = POST /orders → CONFIRMED seen by GET /orders/{id}`,
  );
  const saga: SagaRun = {
    latenciesMs: [],
    failures: [],
    correlationIds: new Set(),
    startedAt: Date.now(),
    endedAt: 0,
    settledAt: 0,
    logFrom: stack.log.length,
    logTo: 0,
    postedAt: new Map(),
    hops: [],
  };
  let next = 0;
  const worker = async () => {
    while (next < plan.orders) {
      const index = next++;
      const customer = customers[index % customers.length] as string;
      const correlationId = `bench-${run}-${benchStarted.toString(36)}-${index}`;
      saga.correlationIds.add(correlationId);
      saga.postedAt.set(correlationId, Date.now());
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
        saga.latenciesMs.push(performance.now() - started);
      } catch (error) {
        saga.failures.push(`${correlationId}: ${(error as Error).message}`);
      }
      const done = saga.latenciesMs.length + saga.failures.length;
      if (done % Math.max(1, Math.floor(plan.orders / 10)) === 0 || done === plan.orders) {
        say(
          `  ${done}/${plan.orders} orders done — p50 so far ${round(percentile(saga.latenciesMs, 50), 0)} ms, p95 ${round(percentile(saga.latenciesMs, 95), 0)} ms${saga.failures.length ? `, ${saga.failures.length} failed` : ''}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  saga.endedAt = Date.now();
  // Let the tail of the saga (capture, stock sale, notifications, projections) finish before counting.
  await sleep(6000);
  saga.settledAt = Date.now();
  saga.logTo = stack.log.length;
  return saga;
}

/** The run's hops per order from the event store (read after the run settled, so every event is in it). */
async function sagaRunHops(saga: SagaRun): Promise<SagaRun['hops']> {
  const admin = await token('bench-admin', true);
  const perOrder = await pool([...saga.postedAt], 8, async ([correlationId, postedAt]) => {
    const { status, body } = await call(
      'GET',
      `/admin/events?correlationId=${encodeURIComponent(correlationId)}&limit=100`,
      { token: admin },
    );
    const events = status === 200 ? (body.items as Array<{ detail: { metadata: any } }>) : [];
    return sagaHops(
      events.map((event) => event.detail.metadata),
      postedAt,
    );
  });
  return hopSummary(perOrder);
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

interface Meter {
  child: ChildProcess;
  url: string;
  records(): Promise<MeterRecord[]>;
  stop(): void;
}

/** Forks the SDK meter (scripts/bench/sdk-meter.ts) in front of the bench stage's emulators. */
function startMeter(): Promise<Meter> {
  const upstreams = {
    dynamodb: `http://127.0.0.1:${config.dynamodbPort}`,
    sqs: `http://127.0.0.1:${config.sqsPort}`,
    events: `http://127.0.0.1:${config.eventBusPort}`,
    kms: `http://127.0.0.1:${config.kmsPort}`,
    ses: `http://127.0.0.1:${config.sesPort}`,
  };
  const child = fork(join(ROOT, 'scripts', 'bench', 'sdk-meter.ts'), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, SDK_METER_UPSTREAMS: JSON.stringify(upstreams) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the SDK meter exited (${code})`)));
    child.once('message', (message: any) => {
      const url = `http://127.0.0.1:${message.listening}`;
      say(`SDK meter on ${url} (every function's AWS endpoint points there)`);
      resolve({
        child,
        url,
        records: () =>
          new Promise((done) => {
            child.once('message', (answer: any) => done(answer.records as MeterRecord[]));
            child.send({ snapshot: true });
          }),
        stop: () => {
          child.removeAllListeners('exit');
          child.kill();
        },
      });
    });
  });
}

/** Bytes of the Lambda platform's own lines per invocation (START, END, REPORT), as CloudWatch ingests them. */
const PLATFORM_LOG_BYTES = 250;

interface FunctionUnits {
  invocations: number;
  billedMs: number;
  writeUnits: number;
  indexWriteUnits: number;
  readUnits: number;
  events: number;
  sqsRequests: number;
  /** The share of `sqsRequests` on FIFO queues. */
  sqsFifoRequests: number;
  kmsRequests: number;
  secretsManagerCalls: number;
  emails: number;
  logBytes: number;
  sdkCalls: number;
}

const emptyUnits = (): FunctionUnits => ({
  invocations: 0,
  billedMs: 0,
  writeUnits: 0,
  indexWriteUnits: 0,
  readUnits: 0,
  events: 0,
  sqsRequests: 0,
  sqsFifoRequests: 0,
  kmsRequests: 0,
  secretsManagerCalls: 0,
  emails: 0,
  logBytes: 0,
  sdkCalls: 0,
});

interface CostInputs {
  usage: PerOrderUsage;
  perFunction: Array<[string, FunctionUnits]>;
  perTable: Array<
    [
      string,
      { writeUnits: number; indexWriteUnits: number; readUnits: number; calls: Record<string, number> },
    ]
  >;
  eventsByType: Record<string, number>;
  sqsByOperation: Record<string, number>;
  traceRoots: Record<string, number>;
  unmetered: string[];
  notes: string[];
}

type TableUnits = CostInputs['perTable'][number][1];

/** The entry of `name` in `units`, created empty on first use. */
function unitsOf(units: Map<string, FunctionUnits>, name: string): FunctionUnits {
  let entry = units.get(name);
  if (!entry) {
    entry = emptyUnits();
    units.set(name, entry);
  }
  return entry;
}

/** Invocations and billed durations from serverless-offline's report lines, log bytes by `function_name`. */
function countLogLines(units: Map<string, FunctionUnits>, stack: Stack, saga: SagaRun) {
  const prefix = `commerce-${STAGE}-`;
  for (const line of stack.log.slice(saga.logFrom, saga.logTo)) {
    const report = /^\(λ: (\w+)\) RequestId: \S+\s+Duration: [\d.]+ ms\s+Billed Duration: (\d+) ms/.exec(
      line,
    );
    if (report) {
      const entry = unitsOf(units, report[1] as string);
      entry.invocations++;
      entry.billedMs += Number(report[2]);
    } else if (line.startsWith('{')) {
      const name = /"function_name":"([^"]+)"/.exec(line)?.[1]?.replace(prefix, '') ?? '(no function_name)';
      unitsOf(units, name).logBytes += Buffer.byteLength(line) + 1;
    }
  }
}

/** Every metered AWS call of the saga window, added to its function's units; returns the unpriced ones. */
function countMeteredCalls(units: Map<string, FunctionUnits>, inWindow: MeterRecord[]): string[] {
  const unmetered: string[] = [];
  for (const record of inWindow) {
    const entry = unitsOf(units, record.fn);
    entry.sdkCalls++;
    entry.writeUnits += record.writeUnits ?? 0;
    entry.indexWriteUnits += record.indexWriteUnits ?? 0;
    entry.readUnits += record.readUnits ?? 0;
    entry.sqsRequests += record.sqsRequests ?? 0;
    if (record.sqsFifo) entry.sqsFifoRequests += record.sqsRequests ?? 0;
    entry.emails += record.emails ?? 0;
    if (record.service === 'kms') entry.kmsRequests++;
    if (record.service === 'secretsmanager') entry.secretsManagerCalls++;
    for (const count of Object.values(record.events ?? {})) entry.events += count;
    if (record.op.includes('(unmetered')) unmetered.push(`${record.fn}: ${record.op}`);
  }
  return unmetered;
}

/** Each function's units per order (`modelledOnce` per its own invocation), billed duration per invocation. */
function scalePerOrder(
  units: Map<string, FunctionUnits>,
  excluded: Set<string>,
  modelledOnce: string,
  orders: number,
): Map<string, FunctionUnits> {
  const perOrder = new Map<string, FunctionUnits>();
  for (const [name, entry] of units) {
    if (excluded.has(name)) continue;
    const scale = name === modelledOnce ? 1 / Math.max(1, entry.invocations) : 1 / Math.max(1, orders);
    const scaled = Object.fromEntries(
      Object.entries(entry).map(([key, value]) => [
        key,
        key === 'billedMs' ? value / Math.max(1, entry.invocations) : value * scale,
      ]),
    ) as unknown as FunctionUnits;
    perOrder.set(name === modelledOnce ? `${name} (1 per order)` : name, scaled);
  }
  return perOrder;
}

/** Per order, from the metered calls: DynamoDB units by table, bus events by detail-type, SQS requests by operation. */
function splitPerOrder(
  inWindow: MeterRecord[],
  excluded: Set<string>,
  modelledOnceInvocations: number,
  modelledOnce: string,
  orders: number,
) {
  const perTableMap = new Map<string, TableUnits>();
  const eventsByType: Record<string, number> = {};
  const sqsByOperation: Record<string, number> = {};
  for (const record of inWindow) {
    if (excluded.has(record.fn)) continue;
    const scale = record.fn === modelledOnce ? 1 / Math.max(1, modelledOnceInvocations) : 1 / orders;
    if (record.table) {
      const entry = perTableMap.get(record.table) ?? {
        writeUnits: 0,
        indexWriteUnits: 0,
        readUnits: 0,
        calls: {},
      };
      entry.writeUnits += (record.writeUnits ?? 0) * scale;
      entry.indexWriteUnits += (record.indexWriteUnits ?? 0) * scale;
      entry.readUnits += (record.readUnits ?? 0) * scale;
      entry.calls[record.op] = (entry.calls[record.op] ?? 0) + scale;
      perTableMap.set(record.table, entry);
    }
    for (const [type, count] of Object.entries(record.events ?? {})) {
      eventsByType[type] = (eventsByType[type] ?? 0) + count * scale;
    }
    if (record.service === 'sqs') {
      const operation = `${record.op} (${record.sqsFifo ? 'FIFO' : 'standard'} queue)`;
      sqsByOperation[operation] = (sqsByOperation[operation] ?? 0) + (record.sqsRequests ?? 0) * scale;
    }
  }
  return { perTableMap, eventsByType, sqsByOperation };
}

/** DynamoDB Local's own ReturnConsumedCapacity, against the meter's figure, over the same calls: a note. */
function dynamoCrossCheck(inWindow: MeterRecord[], excluded: Set<string>, orders: number): string {
  const dynamoCalls = inWindow.filter((r) => r.service === 'dynamodb' && !excluded.has(r.fn));
  const reported = dynamoCalls.reduce((total, r) => total + (r.reportedUnits ?? 0), 0);
  const counted = dynamoCalls
    .filter((r) => r.status === 200)
    .reduce((total, r) => total + (r.writeUnits ?? 0) + (r.indexWriteUnits ?? 0) + (r.readUnits ?? 0), 0);
  const byOperation = new Map<string, { reported: number; counted: number }>();
  for (const r of dynamoCalls.filter((call) => call.status === 200)) {
    const entry = byOperation.get(r.op) ?? { reported: 0, counted: 0 };
    entry.reported += r.reportedUnits ?? 0;
    entry.counted += (r.writeUnits ?? 0) + (r.indexWriteUnits ?? 0) + (r.readUnits ?? 0);
    byOperation.set(r.op, entry);
  }
  const differing = [...byOperation]
    .filter(([, e]) => Math.abs(e.reported - e.counted) / orders >= 0.05)
    .map(([op, e]) => `${op} ${round(e.reported / orders, 2)} vs ${round(e.counted / orders, 2)}`);
  const failedWrites = dynamoCalls.filter((r) => r.status !== 200 && (r.writeUnits ?? 0) > 0);
  return `Cross-check: over the same successful DynamoDB calls (GET /orders/{id} polls included), DynamoDB Local's own ReturnConsumedCapacity (asked for by the meter, removed from the answer) sums to ${round(reported / orders, 2)} units per order, the meter's count to ${round(counted / orders, 2)}; ${round(failedWrites.length / orders, 2)} failed conditional writes per order (${round(failedWrites.reduce((t, r) => t + (r.writeUnits ?? 0), 0) / orders, 2)} WRU) are billed by AWS but reported by neither DynamoDB Local nor in that sum.${differing.length ? ` Where they differ (DynamoDB Local vs meter, per order): ${differing.join('; ')}.` : ''}`;
}

/**
 * Lambda's SQS event source mapping receives each batch and deletes it (DeleteMessageBatch): 2 billed
 * requests per SQS-triggered invocation; its empty long polls are a per-queue constant, not per order.
 */
function pollerRequestsPerOrder(
  perOrder: Map<string, FunctionUnits>,
  functions: Map<string, FunctionInfo>,
): { all: number; fifo: number } {
  const requests = (fifo: boolean) =>
    [...functions.values()]
      .filter((f) => f.kinds.includes('sqs') && f.triggerQueueIsFifo === fifo)
      .reduce((total, f) => total + 2 * (perOrder.get(f.name)?.invocations ?? 0), 0);
  const fifo = requests(true);
  return { all: fifo + requests(false), fifo };
}

/**
 * X-Ray: an HTTP request or a stream batch starts a trace in a function under active tracing (every
 * function but the read routes and the relays, which are PassThrough; a relay publishes each event under
 * its writer's trace header);
 * EventBridge and SQS pass the caller's trace header on, so their targets join it (no new trace).
 */
function traceRootsPerOrder(perOrder: Map<string, FunctionUnits>, functions: Map<string, FunctionInfo>) {
  const traceRoots: Record<string, number> = {};
  for (const [name, entry] of perOrder) {
    const info = functions.get(name.replace(' (1 per order)', ''));
    const startsTraces = info?.tracing === 'Active';
    if (startsTraces && info?.kinds.some((kind) => kind === 'httpApi' || kind === 'stream'))
      traceRoots[name] = entry.invocations;
  }
  return traceRoots;
}

/** The per-order totals the bill is priced from. */
function usagePerOrder(
  perOrder: Map<string, FunctionUnits>,
  functions: Map<string, FunctionInfo>,
  pollerRequests: { all: number; fifo: number },
  traceRoots: Record<string, number>,
): PerOrderUsage {
  const sum = (key: keyof FunctionUnits) =>
    [...perOrder.values()].reduce((total, entry) => total + entry[key], 0);
  const invocations = sum('invocations');
  const gbSeconds = [...perOrder.entries()].reduce((total, [name, entry]) => {
    const memoryMB = functions.get(name.replace(' (1 per order)', ''))?.memoryMB ?? 512;
    return total + ((entry.invocations * entry.billedMs) / 1000) * (memoryMB / 1024);
  }, 0);
  return {
    invocations,
    gbSeconds,
    dynamoWriteUnits: sum('writeUnits') + sum('indexWriteUnits'),
    dynamoReadUnits: sum('readUnits'),
    apiRequests: 2, // POST /orders + one GET /orders/{id}
    busEvents: sum('events'),
    sqsRequests: sum('sqsRequests') + pollerRequests.all,
    sqsFifoRequests: sum('sqsFifoRequests') + pollerRequests.fifo,
    kmsRequests: sum('kmsRequests'),
    secretsManagerCalls: sum('secretsManagerCalls'),
    emails: sum('emails'),
    logBytes: sum('logBytes') + invocations * PLATFORM_LOG_BYTES,
    traces: tracesPerOrder(traceRoots),
  };
}

/**
 * Units per order, counted: invocations and billed durations from serverless-offline's report lines,
 * every AWS call from the SDK meter, log bytes from what the functions printed, all between the first
 * bench order and the end of the saga's tail. The bench's own polling (GET /orders/{id} every 50 ms)
 * counts as one GET per order, at its measured average; scheduled functions run per minute, not per
 * order, and are left out.
 */
function modelCost(
  stack: Stack,
  saga: SagaRun,
  functions: Map<string, FunctionInfo>,
  records: MeterRecord[],
): CostInputs {
  const orders = saga.latenciesMs.length + saga.failures.length;
  const notes: string[] = [];
  const units = new Map<string, FunctionUnits>();
  countLogLines(units, stack, saga);
  const inWindow = records.filter((r) => r.t >= saga.startedAt && r.t <= saga.settledAt);
  // For a post-mortem of the meter's figures: every metered call of the saga window, one JSON per line.
  if (process.env.BENCH_METER_DUMP) {
    writeFileSync(process.env.BENCH_METER_DUMP, inWindow.map((r) => JSON.stringify(r)).join('\n'));
  }
  const unmetered = countMeteredCalls(units, inWindow);
  // Scheduled functions and the bench's own routes are not per order; GET /orders/{id} counts once.
  const scheduled = [...functions.values()].filter((f) => f.kinds.includes('schedule')).map((f) => f.name);
  const excluded = new Set(['benchBare', 'catalogListProducts', ...scheduled]);
  const modelledOnce = 'ordersGetOrder';
  const perOrder = scalePerOrder(units, excluded, modelledOnce, orders);
  const modelledOnceInvocations = units.get(modelledOnce)?.invocations ?? 1;
  const { perTableMap, eventsByType, sqsByOperation } = splitPerOrder(
    inWindow,
    excluded,
    modelledOnceInvocations,
    modelledOnce,
    orders,
  );
  notes.push(dynamoCrossCheck(inWindow, excluded, orders));
  const pollerRequests = pollerRequestsPerOrder(perOrder, functions);
  sqsByOperation['ReceiveMessage + DeleteMessageBatch (Lambda poller, modelled; FIFO queues)'] =
    pollerRequests.fifo;
  sqsByOperation['ReceiveMessage + DeleteMessageBatch (Lambda poller, modelled; standard queues)'] =
    pollerRequests.all - pollerRequests.fifo;
  const traceRoots = traceRootsPerOrder(perOrder, functions);
  const usage = usagePerOrder(perOrder, functions, pollerRequests, traceRoots);
  const unknown = units.get('unknown');
  if (unknown?.sdkCalls)
    notes.push(
      `${unknown.sdkCalls} SDK calls came without a function name (no SDK app id) and are counted under "unknown".`,
    );
  notes.push(
    `Scheduled functions (${scheduled.join(', ')}) run per minute, not per order, and are left out, with their AWS calls; so are the bench's own polling GETs beyond one per order (ordersGetOrder counts once, at its measured average).`,
  );
  return {
    usage,
    perFunction: [...perOrder.entries()].sort(
      (a, b) => b[1].invocations - a[1].invocations || a[0].localeCompare(b[0]),
    ),
    perTable: [...perTableMap.entries()].sort((a, b) => b[1].writeUnits - a[1].writeUnits),
    eventsByType,
    sqsByOperation,
    traceRoots,
    unmetered,
    notes,
  };
}

/**
 * Per order: the SendMessage requests EventBridge made to queue targets (the rules of every `busQueue`)
 * for the bench orders' events. Made by EventBridge, billed to the queue, seen by no SDK meter.
 */
async function ruleQueueDeliveries(saga: SagaRun, functions: Map<string, FunctionInfo>): Promise<number> {
  const events = (await (await fetch(`${BUS}/_local/events`)).json()) as Array<{ detail: any }>;
  const ours = events.filter((event) => saga.correlationIds.has(event.detail?.metadata?.correlationId));
  const orders = saga.latenciesMs.length + saga.failures.length;
  let deliveries = 0;
  for (const pattern of [...functions.values()].flatMap((fn) => fn.busPatterns))
    deliveries += ours.filter((event) => matchesEventPattern(pattern, event)).length;
  return deliveries / Math.max(1, orders);
}

/** The local bus's own record of the bench orders' events, against the meter's PutEvents count. */
async function busCrossCheck(saga: SagaRun, meteredPerOrder: number): Promise<string> {
  const events = (await (await fetch(`${BUS}/_local/events`)).json()) as Array<{ detail: any }>;
  const ours = events.filter((event) =>
    saga.correlationIds.has(event.detail?.metadata?.correlationId),
  ).length;
  const orders = saga.latenciesMs.length + saga.failures.length;
  return `Cross-check: the local bus recorded ${round(ours / orders, 2)} events per order carrying the bench orders' correlation ids${events.length >= 1000 ? ' (it keeps the last 1000: early ones may be missing)' : ''}; the meter counted ${round(meteredPerOrder, 2)} billed PutEvents entries per order.`;
}

// ------------------------------------------------------------------------------------ local stack memory

interface StackMemory {
  totalMB: number;
  members: Array<{ pid: number; name: string; rssMB: number }>;
}

/** Resident memory of a process and all its descendants, from /proc (VmRSS of each, summed). */
function processTreeRss(rootPid: number): StackMemory {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields after it start at the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const members: StackMemory['members'] = [];
  for (const pid of processTree(parents, rootPid)) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rssKB = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      members.push({ pid, name: describeProcess(cmdline), rssMB: rssKB / 1024 });
    } catch {
      // the process ended while we looked
    }
  }
  members.sort((a, b) => b.rssMB - a.rssMB);
  return { totalMB: members.reduce((total, m) => total + m.rssMB, 0), members };
}

const FUNCTION_HEADERS = [
  'function',
  'invocations',
  'avg billed ms',
  'WRU',
  'index WRU',
  'RRU',
  'bus events',
  'SQS requests',
  'of which FIFO',
  'KMS',
  'log bytes',
  'AWS calls',
];

function functionRows(cost: CostInputs): Array<Array<string | number>> {
  return cost.perFunction.map(([name, u]) => [
    name,
    round(u.invocations, 2),
    round(u.billedMs, 0),
    round(u.writeUnits, 2),
    round(u.indexWriteUnits, 2),
    round(u.readUnits, 2),
    round(u.events, 2),
    round(u.sqsRequests, 2),
    round(u.sqsFifoRequests, 2),
    round(u.kmsRequests, 2),
    round(u.logBytes, 0),
    round(u.sdkCalls, 1),
  ]);
}

const TABLE_HEADERS = ['table', 'WRU', 'index WRU', 'RRU', 'calls per order'];

function tableRows(cost: CostInputs): Array<Array<string | number>> {
  return cost.perTable.map(([name, t]) => [
    name.replace(`commerce-${STAGE}-`, ''),
    round(t.writeUnits, 2),
    round(t.indexWriteUnits, 2),
    round(t.readUnits, 2),
    Object.entries(t.calls)
      .sort((a, b) => b[1] - a[1])
      .map(([op, count]) => `${op} ${round(count, 2)}`)
      .join(', '),
  ]);
}

function memoryRows(memory: StackMemory): Array<Array<string | number>> {
  return memory.members.slice(0, 8).map((m) => [m.name, m.pid, round(m.rssMB, 0)]);
}

interface Baseline {
  label: string;
  runs: Array<{ when: string; commit: string; result: BenchResult }>;
}

/** One row per numeric result key: target, each recorded "before" run, this run. */
function beforeAfter(baseline: Baseline, result: BenchResult): string {
  const saved = baseline.runs.some((run) => run.result === result);
  const runs = saved ? baseline.runs.filter((run) => run.result !== result) : baseline.runs;
  const keys = RESULT_KEYS.filter((key) => typeof result[key] === 'number');
  return markdownTable(
    [
      'key',
      'target',
      ...runs.map((run, i) => `before ${i + 1} (${run.commit}, ${run.when.slice(0, 10)})`),
      saved ? 'this run (before)' : 'this run (after)',
    ],
    keys.map((key) => {
      const target = (TARGETS as Record<string, { limit: number; kind: string }>)[key];
      const value = (r: BenchResult) => {
        const v = r[key] as number | null | undefined;
        return v === null || v === undefined || Number.isNaN(v) ? '–' : String(v);
      };
      return [
        key,
        target ? `${target.kind === 'max' ? '≤' : '≥'} ${target.limit}` : '',
        ...runs.map((run) => value(run.result)),
        value(result),
      ];
    }),
  );
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

type FlashCustomer = { id: string; token: string };
type Placed = { orderId: string; correlationId: string };

/**
 * Every customer's order, all at once. Like a shop's client: a lost or failed answer is retried with the
 * same Idempotency-Key, so an order is never placed twice, after a jittered pause that grows (a fixed one
 * makes a retry storm of 200 clients); the answers other than 202 are collected in `answers`.
 */
async function placeFlashOrders(
  stack: ReturnType<typeof stackFor>,
  customers: FlashCustomer[],
  product: string,
  started: number,
  answers: string[],
): Promise<Placed[]> {
  return Promise.all(
    customers.map(async (customer, index) => {
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
}

/** Polls every order (16 at a time) until each is final; a refused connection is just another poll. */
async function waitAllFinal(
  shop: Awaited<ReturnType<typeof openShop>>,
  customers: FlashCustomer[],
  placed: Placed[],
) {
  const orders = placed.length;
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
  return finals;
}

/** Each order's hops from the event store, waiting (bounded) until its final event has been recorded. */
async function sagaHopsFromEventStore(
  stack: ReturnType<typeof stackFor>,
  shop: Awaited<ReturnType<typeof openShop>>,
  placed: Placed[],
  started: number,
): Promise<Hop[][]> {
  // The event store records asynchronously: wait (bounded) until each order's final event is in it.
  return pool(placed, 8, async ({ correlationId }) => {
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
  const placed = await placeFlashOrders(stack, customers, product, started, answers);
  const acceptedSeconds = (Date.now() - started) / 1000;
  say(
    `  ${orders} accepted in ${round(acceptedSeconds, 1)} s (other answers: ${JSON.stringify(countBy(answers))}); waiting until every order is final`,
  );
  const finals = await waitAllFinal(shop, customers, placed);
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

  const perOrder = await sagaHopsFromEventStore(stack, shop, placed, started);
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
        initRatioSampled: nothing,
        middlewareOverheadMs: nothing,
        costPer1MOrdersUSD: nothing,
        ...flashSaleResult(sale),
        invocationsPerOrder: nothing,
        writeUnitsPerOrder: nothing,
        readUnitsPerOrder: nothing,
        eventsPerOrder: nothing,
        sqsRequestsPerOrder: nothing,
        logBytesPerOrder: nothing,
        tracesPerOrder: nothing,
        localStackRssMB: nothing,
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

type ZipSizes = ReturnType<typeof measureZipSizes>;
type Throughput = Awaited<ReturnType<typeof measureThroughput>>;
type StackMeasures = Awaited<ReturnType<typeof measureOnStack>>;

/** Everything the reports are written from. */
interface Report extends ZipSizes, StackMeasures {
  heaviest: string;
  init: Awaited<ReturnType<typeof measureInit>>;
  middleware: Awaited<ReturnType<typeof measureMiddleware>>;
  sagaP50: number;
  sagaP95: number;
  costLines: ReturnType<typeof costPerMillionOrders>['lines'];
  costTotal: number;
  outsideTotal: ReturnType<typeof costPerMillionOrders>['outsideTotal'];
  u: PerOrderUsage;
  result: BenchResult;
  summaryRows: Array<Array<string | number>>;
  baseline: Baseline;
  when: string;
}

/** 1. Zip sizes (before the stack: packaging is CPU-bound and would disturb the latency numbers). */
function measureZipSizes() {
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
  return { zips, packageDir, maxZipKB, medianZipKB, codeShare };
}

/** The function whose SDK clients scripts/bench/bare-sdk.ts imports: the heaviest zip when it was written. */
const BARE_BASELINE_MIRRORS = 'ordersPlaceOrder';

/** 2. Cold init of the heaviest handler vs a bare handler with the same SDK clients; the package goes after. */
async function measureColdInit(packageDir: string, heaviest: string) {
  say(
    `cold init: ${heaviest} (heaviest zip) vs a bare handler with its SDK clients, ${plan.initRuns} fresh processes each …`,
  );
  if (heaviest !== BARE_BASELINE_MIRRORS) {
    say(
      `  warning: the bare baseline (scripts/bench/bare-sdk.ts) carries ${BARE_BASELINE_MIRRORS}'s SDK clients, not ${heaviest}'s: update it`,
    );
  }
  const init = await measureInit(packageDir, heaviest);
  rmSync(packageDir, { recursive: true, force: true });
  say(
    `init: ${heaviest} ${round(init.oursMs, 1)} ms vs bare ${round(init.bareMs, 1)} ms (median) → ratio ${round(init.ratio, 2)}; sampled request ${round(init.oursSampledMs, 1)} ms → ${round(init.sampledRatio, 2)}`,
  );
  return init;
}

/** 3. Middleware overhead, in process. */
async function measureMiddlewareOverhead() {
  say(`middleware overhead: ${plan.mwRounds} rounds × ${plan.mwIterations} warm invocations each …`);
  const middleware = await measureMiddleware();
  say(
    `middleware: ${round(middleware.oursMs * 1000, 1)} µs vs bare ${round(middleware.bareMs * 1000, 2)} µs per invocation → overhead ${round(middleware.overheadMs, 4)} ms`,
  );
  return middleware;
}

/** The stack's resident memory right after the saga, printed with its largest members. */
function measureStackMemory(stack: Stack): StackMemory {
  const memory = processTreeRss(stack.child.pid as number);
  say(
    `local stack after the saga: ${round(memory.totalMB, 0)} MB resident in ${memory.members.length} processes (largest: ${memory.members
      .slice(0, 3)
      .map((m) => `${m.name} ${round(m.rssMB, 0)} MB`)
      .join(', ')})`,
  );
  return memory;
}

/** The saga run's units per order, with the bus cross-check and EventBridge's own sends to rule queues. */
async function meterSagaCost(
  stack: Stack,
  saga: SagaRun,
  functions: Map<string, FunctionInfo>,
  meter: Meter,
): Promise<CostInputs> {
  say('counting what the orders cost (invocations, every AWS call through the SDK meter, log lines) …');
  const cost = modelCost(stack, saga, functions, await meter.records());
  cost.notes.push(await busCrossCheck(saga, cost.usage.busEvents));
  const ruleSends = await ruleQueueDeliveries(saga, functions);
  // every `busQueue` is a standard queue (scripts/deploy/operations-plugin.mjs)
  cost.sqsByOperation['SendMessage (EventBridge rule → queue target, made by EventBridge; standard queues)'] =
    ruleSends;
  cost.usage.sqsRequests += ruleSends;
  return cost;
}

/**
 * 4–6. The stack (behind the SDK meter): the metered saga run, its memory and cost; the latency run; throughput;
 * flash sale; stopped after. Latency comes from a second run, once the meter has stopped metering (it only
 * passes calls on then): its bookkeeping (an after-image read per update, capacity cross-checks) runs on the
 * same two cores and the same DynamoDB Local as the saga, and AWS has no such instrument.
 */
async function measureOnStack(functions: Map<string, FunctionInfo>): Promise<{
  saga: SagaRun;
  latency: SagaRun;
  cost: CostInputs;
  memory: StackMemory;
  throughput: Throughput;
  sale: FlashSale;
}> {
  let stack: Stack | undefined;
  let meterChild: ChildProcess | undefined;
  const stop = () => {
    void stopStack(stack).finally(() => {
      meterChild?.kill();
      process.exit(130);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let meter: Meter | undefined;
  try {
    meter = await startMeter();
    meterChild = meter.child;
    const booted = Date.now();
    stack = await bootStack({ LOCAL_CLOUD_SDK_METER_URL: meter.url });
    say(`stack ready in ${round((Date.now() - booted) / 1000, 1)} s`);
    const setup = await prepareSaga();
    const saga = await runSaga(stack, setup, 'metered');
    if (saga.failures.length)
      say(`${saga.failures.length} orders failed: ${saga.failures.slice(0, 3).join('; ')}`);
    const memory = measureStackMemory(stack);
    const cost = await meterSagaCost(stack, saga, functions, meter);
    const latency = await runSaga(stack, setup, 'latency');
    if (latency.failures.length)
      say(`${latency.failures.length} orders failed: ${latency.failures.slice(0, 3).join('; ')}`);
    latency.hops = await sagaRunHops(latency);
    const throughput = await measureThroughput();
    const sale = await measureFlashSale();
    return { saga, latency, cost, memory, throughput, sale };
  } finally {
    await stopStack(stack);
    meter?.stop();
  }
}

/** The tables of the stack's measures: saga latency, throughput, units per order, the bill, memory. */
function printStackTables(
  m: StackMeasures,
  sagaP50: number,
  sagaP95: number,
  bill: ReturnType<typeof costPerMillionOrders>,
) {
  const { latency: saga, throughput, cost, memory } = m;
  const { lines: costLines, total: costTotal, outsideTotal } = bill;
  process.stdout.write(
    `\nSaga latency, latency run (${saga.latenciesMs.length} confirmed, ${saga.failures.length} failed)\n${table(
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
    `\nUnits per order, by function (counted)\n${table(FUNCTION_HEADERS, functionRows(cost))}\n`,
  );
  process.stdout.write(
    `\nDynamoDB per order, by table (counted)\n${table(TABLE_HEADERS, tableRows(cost))}\n`,
  );
  process.stdout.write(
    `\nModelled AWS bill for 1M orders (us-east-1)\n${table(
      ['item', 'units/order', 'USD / 1M orders'],
      [
        ...costLines.map((l) => [l.item, round(l.unitsPerOrder, 3), round(l.usdPerMillionOrders, 2)]),
        ['total', '', round(costTotal, 2)],
        ...outsideTotal.map((l) => [l.item, round(l.unitsPerOrder, 3), round(l.usdPerMillionOrders, 2)]),
      ],
    )}\n`,
  );
  process.stdout.write(
    `\nLocal stack memory after the saga (${round(memory.totalMB, 0)} MB)\n${table(['process', 'pid', 'RSS MB'], memoryRows(memory))}\n`,
  );
}

/** The run's figures under the keys the targets, the baseline and --json use. */
function benchResultOf(
  r: Pick<Report, 'sagaP50' | 'sagaP95' | 'throughput' | 'maxZipKB' | 'medianZipKB' | 'init' | 'middleware'>,
  costTotal: number,
  sale: FlashSale,
  u: PerOrderUsage,
  memory: StackMemory,
): BenchResult {
  return {
    sagaLatencyP50Ms: round(r.sagaP50, 0),
    sagaLatencyP95Ms: round(r.sagaP95, 0),
    getProductsThroughputRatio: round(r.throughput.ratio, 3),
    maxZipKB: round(r.maxZipKB, 1),
    medianZipKB: round(r.medianZipKB, 1),
    initRatio: round(r.init.ratio, 3),
    initRatioSampled: round(r.init.sampledRatio, 3),
    middlewareOverheadMs: round(r.middleware.overheadMs, 4),
    costPer1MOrdersUSD: round(costTotal, 2),
    ...flashSaleResult(sale),
    invocationsPerOrder: round(u.invocations, 2),
    writeUnitsPerOrder: round(u.dynamoWriteUnits, 2),
    readUnitsPerOrder: round(u.dynamoReadUnits, 2),
    eventsPerOrder: round(u.busEvents, 2),
    sqsRequestsPerOrder: round(u.sqsRequests, 2),
    logBytesPerOrder: round(u.logBytes, 0),
    tracesPerOrder: round(u.traces, 3),
    localStackRssMB: round(memory.totalMB, 0),
  };
}

/** Each target key: measured, target, met or MISSED; printed as the summary table. */
function printSummary(result: BenchResult): Array<Array<string | number>> {
  const summaryRows = (Object.keys(TARGETS) as TargetKey[]).map((key) => [
    key,
    result[key],
    `${TARGETS[key].kind === 'max' ? '≤' : '≥'} ${TARGETS[key].limit}`,
    meetsTarget(key, result[key]) ? 'met' : 'MISSED',
  ]);
  process.stdout.write(`\nSummary\n${table(['key', 'measured', 'target', ''], summaryRows)}\n`);
  return summaryRows;
}

/** Before/after: the recorded "before" runs, plus this one (recorded too with --save-baseline). */
function recordBaseline(result: BenchResult): Baseline {
  const baselineFile = join(ROOT, 'scripts', 'bench', 'baseline.json');
  let baseline: Baseline = { label: 'no before run recorded yet', runs: [] };
  try {
    baseline = JSON.parse(readFileSync(baselineFile, 'utf8')) as Baseline;
  } catch {
    // first run
  }
  if (args.has('--save-baseline')) {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    baseline = {
      label: `"before": the design at commit ${commit}${baseline.runs.length ? ` and earlier runs' commits` : ''}`,
      runs: [...baseline.runs, { when: new Date().toISOString(), commit, result }],
    };
    writeFileSync(baselineFile, `${JSON.stringify(baseline, null, 2)}\n`);
  }
  return baseline;
}

/** Documents: docs/bench/chart.svg, then results.md and cost.md, stamped with the time after the chart. */
function writeReports(r: Omit<Report, 'when'>) {
  const docs = join(ROOT, 'docs', 'bench');
  mkdirSync(docs, { recursive: true });
  writeFileSync(
    join(docs, 'chart.svg'),
    chartSvg({
      latenciesMs: r.latency.latenciesMs,
      p50: r.sagaP50,
      p95: r.sagaP95,
      zips: r.zips.map((z) => ({ name: z.name, codeKB: z.codeKB, mapKB: z.mapKB })),
      maxZipTargetKB: TARGETS.maxZipKB.limit,
      medianZipTargetKB: TARGETS.medianZipKB.limit,
    }),
  );
  const report: Report = { ...r, when: new Date().toISOString() };
  writeFileSync(join(docs, 'results.md'), resultsMarkdown(report));
  writeFileSync(join(docs, 'cost.md'), costMarkdown(report));
}

/** results.md: where and how it was measured, the chart */
function resultsIntro(r: Report): string {
  const { when } = r;
  return `# Benchmark results

Generated by \`npm run bench${QUICK ? ' -- --quick' : ''}\` on ${when} (${QUICK ? 'quick smoke run — small samples' : 'full run'}),
on the local stack of stage \`bench\` (serverless-offline + DynamoDB Local + fauxqs + the local bus, all on
one machine: ${cpus().length} cores, Node ${process.version}). Timings are not asserted by any test. Local
numbers say how our code compares with a bare baseline on the same stack; they are not AWS latencies.

![latency distribution and zip sizes](chart.svg)

`;
}

/** results.md: the summary against the targets */
function resultsSummary(r: Report): string {
  const { summaryRows } = r;
  return `## Summary

${markdownTable(['key', 'measured', 'target', ''], summaryRows)}

`;
}

/** results.md: the saga latency */
function resultsSaga(r: Report): string {
  const { latency: saga, saga: metered, sagaP50, sagaP95 } = r;
  return `## Saga latency — \`POST /orders\` → \`CONFIRMED\` visible via \`GET /orders/{id}\`

${saga.latenciesMs.length} orders confirmed, ${saga.failures.length} failed, ${plan.concurrency} at a time, polled every 50 ms, after
one warm-up order per product and ${WARM_UP_WAVES} waves of ${plan.concurrency} warm-up orders at once (so no cold start is in the samples).
This is the latency run, placed after the metered run (whose ${metered.latenciesMs.length} orders give the units and the cost): the
SDK meter then only passes the calls on, without its bookkeeping, which AWS does not have. The metered run
measured p50 ${round(percentile(metered.latenciesMs, 50), 0)} ms and p95 ${round(percentile(metered.latenciesMs, 95), 0)} ms.

${markdownTable(['min', 'p50', 'p90', 'p95', 'p99', 'max'], [[Math.min(...saga.latenciesMs), sagaP50, percentile(saga.latenciesMs, 90), sagaP95, percentile(saga.latenciesMs, 99), Math.max(...saga.latenciesMs)].map((v) => round(v, 0))])}

The saga crosses three outbox relays (DynamoDB stream → bus), payments' FIFO queue (behind its forwarder)
and three consumers; locally each hop also waits on an emulator's polling (stream reader, SQS long poll).
Where the time goes, from the event store (each hop spans a stream, a relay, the bus, maybe the FIFO queue,
and the consumer that decides; the last hop's consumer write is what \`GET /orders/{id}\` then sees):

${markdownTable(['hop', 'orders', 'p50 ms', 'p95 ms', 'max ms'], saga.hops)}

`;
}

/** results.md: GET /products throughput vs the bare handler */
function resultsThroughput(r: Report): string {
  const { throughput } = r;
  return `## \`GET /products\` throughput vs a bare handler

autocannon, ${plan.connections} connections, ${plan.loadRounds} × ${plan.loadSeconds} s per route, alternating, same offline stack (the bare
route is \`benchBare\`, \`functions/bench\`, deployed only on stage bench). Ratio = mean req/s of
\`GET /products\` ÷ mean req/s of \`GET /bench/bare\` = **${round(throughput.ratio, 3)}**.

${markdownTable(['route', 'round', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx + errors'], throughput.rows)}

`;
}

/** results.md: the flash sale */
function resultsFlashSale(r: Report): string {
  const { sale } = r;
  return `## Flash sale — ${sale.orders} concurrent orders for ${sale.units} units, against ${sale.orders} concurrent \`GET /products\`

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

`;
}

/** results.md: zip sizes */
function resultsZips(r: Report): string {
  const { zips, maxZipKB, medianZipKB, codeShare } = r;
  return `## Zip sizes (\`sls package --stage bench\`, ${zips.length} functions, the bench baseline excluded)

max **${round(maxZipKB, 1)} KB**, median **${round(medianZipKB, 1)} KB**. Source maps are ${round((1 - codeShare) * 100, 0)}% of the
compressed bytes; the code alone would be max ${round(Math.max(...zips.map((z) => z.codeKB)), 1)} KB, median ${round(median(zips.map((z) => z.codeKB)), 1)} KB.

${markdownTable(
  ['function', 'zip KB', 'code KB (compressed)', 'source map KB (compressed)'],
  zips.map((z) => [z.name, round(z.zipKB, 1), round(z.codeKB, 1), round(z.mapKB, 1)]),
)}

`;
}

/** results.md: cold init */
function resultsColdInit(r: Report): string {
  const { heaviest, init } = r;
  return `## Cold init

Module load + first invocation (no network) of the heaviest handler, \`${heaviest}\`, taken from the
package above: an HTTP handler gets an authorized HTTP API request for its route whose body fails validation
(middleware, schemas and the 400 problem run, no AWS call is made), any other handler \`{ "Records": [] }\`; vs \`scripts/bench/bare-sdk.ts\` (${BARE_BASELINE_MIRRORS}'s SDK clients — the DynamoDB
document client and KMS — bundled with the same esbuild options and aliases, nothing else), each in a fresh
\`node --enable-source-maps\` process (as \`NODE_OPTIONS\` sets on Lambda), ${plan.initRuns} runs each, median:
**${round(init.oursMs, 1)} ms vs ${round(init.bareMs, 1)} ms → ratio ${round(init.ratio, 3)}**.

The probe carries no trace header, as most requests do not once traffic exceeds X-Ray's default sampling
(1 request a second, then 5%). A request X-Ray samples (\`_X_AMZN_TRACE_ID\` with \`Sampled=1\`) also loads
the X-Ray SDK in the handler of a route that changes state, once per sandbox (decisions.md, entry 55):
${round(init.oursSampledMs, 1)} ms → ratio ${round(init.sampledRatio, 3)} (\`initRatioSampled\`, reported, no target).

`;
}

/** results.md: middleware overhead */
function resultsMiddleware(r: Report): string {
  const { middleware } = r;
  return `## Middleware overhead

\`tracedHttpHandler\` (the stack of a route that changes state, the heavier one: middy + Powertools
logger/metrics/tracer middlewares, correlation id, auth, CORS, problem mapping; every request sampled by
X-Ray, so the tracer's middleware runs) around a no-op route vs a bare function returning the same response, warm, in one
process, ${plan.mwRounds} rounds × ${plan.mwIterations} invocations, median per invocation:
**${round(middleware.oursMs * 1000, 1)} µs vs ${round(middleware.bareMs * 1000, 2)} µs → ${round(middleware.overheadMs, 4)} ms**. Outside Lambda the tracer
is disabled (no X-Ray segment work), the EMF metrics flush is included.

`;
}

/** results.md: units per order and cost */
function resultsCost(r: Report): string {
  const { u, costTotal, outsideTotal } = r;
  return `## Units per order and cost

Counted during the saga run: every AWS SDK call of every function passes through the bench's SDK meter,
DynamoDB units follow AWS's published capacity rules from the real item sizes. How each is counted, the
prices and where the units go (by function, by table) are in [cost.md](cost.md).

${markdownTable(
  ['unit', 'per order'],
  [
    ['Lambda invocations', round(u.invocations, 2)],
    ['DynamoDB write request units (index writes included)', round(u.dynamoWriteUnits, 2)],
    ['DynamoDB read request units', round(u.dynamoReadUnits, 2)],
    ['EventBridge events', round(u.busEvents, 2)],
    ['SQS requests (of which on FIFO queues)', `${round(u.sqsRequests, 2)} (${round(u.sqsFifoRequests, 2)})`],
    ['KMS requests', round(u.kmsRequests, 2)],
    ['SES e-mails', round(u.emails, 2)],
    ['log bytes (INFO + platform lines)', round(u.logBytes, 0)],
    ['X-Ray traces recorded', round(u.traces, 3)],
  ],
)}

**$${round(costTotal, 2)} per 1M orders** (SES e-mails, priced beside it: $${round(
    outsideTotal.reduce((sum, l) => sum + l.usdPerMillionOrders, 0),
    2,
  )}).

`;
}

/** results.md: the local stack's memory */
function resultsMemory(r: Report): string {
  const { memory } = r;
  return `## Local stack memory after the saga run

**${round(memory.totalMB, 0)} MB** resident: the sum of VmRSS (from \`/proc\`) over the stack's whole process tree — \`sls
offline\` (serverless-offline and its worker threads), every child it started (DynamoDB Local's java, esbuild's
service, …) — read right after the saga's last order and its tail, before the load tests. Largest members:

${markdownTable(['process', 'pid', 'RSS MB'], memoryRows(memory))}

`;
}

/** results.md: before / after */
function resultsBeforeAfter(r: Report): string {
  const { baseline, result } = r;
  return `## Before / after

Each run adds a column here; \`npm run bench -- --save-baseline\` records the run as a "before" run in
\`scripts/bench/baseline.json\` (${baseline.label}).

${beforeAfter(baseline, result)}
`;
}

/** docs/bench/results.md. */
function resultsMarkdown(r: Report): string {
  return [
    resultsIntro(r),
    resultsSummary(r),
    resultsSaga(r),
    resultsThroughput(r),
    resultsFlashSale(r),
    resultsZips(r),
    resultsColdInit(r),
    resultsMiddleware(r),
    resultsCost(r),
    resultsMemory(r),
    resultsBeforeAfter(r),
  ].join('');
}

/** cost.md: what the bill is modelled from */
function costIntro(r: Report): string {
  const { saga, when } = r;
  return `# Modelled AWS bill per 1M orders

Generated by \`npm run bench\` on ${when} from the metered saga run of ${saga.latenciesMs.length + saga.failures.length} orders (one line,
1–2 units, \`tok_visa\`), on the local stack of stage \`bench\` at log level INFO (prod's). Public us-east-1 list
prices, on-demand, no free tier, arm64. Units are **counted**, not estimated: every AWS SDK call of every
function passes through the bench's SDK meter (below), so the per-function and per-table tables say where
the units go.

`;
}

/** cost.md: the prices */
function costPrices(_r: Report): string {
  return `## Prices

${markdownTable(
  ['item', 'USD'],
  [
    ['Lambda requests, per 1M', PRICES.lambdaRequestPerMillion],
    ['Lambda arm64 compute, per GB-second', PRICES.lambdaArmGbSecond],
    ['DynamoDB on-demand write request units, per 1M', PRICES.dynamoWriteRequestUnitPerMillion],
    ['DynamoDB on-demand read request units, per 1M', PRICES.dynamoReadRequestUnitPerMillion],
    ['API Gateway HTTP API requests, per 1M (first 300M)', PRICES.httpApiRequestPerMillion],
    ['EventBridge custom events published, per 1M (64 KB chunks)', PRICES.eventBridgeCustomEventPerMillion],
    ['SQS standard requests, per 1M (64 KB chunks)', PRICES.sqsStandardRequestPerMillion],
    ['SQS FIFO requests, per 1M (64 KB chunks)', PRICES.sqsFifoRequestPerMillion],
    ['X-Ray traces recorded, per 1M', PRICES.xrayTraceRecordedPerMillion],
    ['CloudWatch Logs ingestion, per GB', PRICES.cloudWatchLogsIngestedPerGb],
    ['KMS requests, per 1M ($0.03 per 10,000)', PRICES.kmsRequestPerMillion],
    ['Secrets Manager API calls, per 1M ($0.05 per 10,000)', PRICES.secretsManagerCallPerMillion],
    ['SES e-mails, per 1M ($0.10 per 1,000)', PRICES.sesEmailPerMillion],
  ],
)}

DynamoDB Streams reads by Lambda event source mappings, the stream-triggered invocations' GetRecords and
TTL deletes are free, and so are not counted. Storage, KMS key-months, CloudWatch custom metrics (a
monthly per-metric price), alarms and data transfer are not per order and are left out.

`;
}

/** cost.md: how each unit is counted, and the notes of this run */
function costHowCounted(r: Report): string {
  const { cost } = r;
  return `## How each unit is counted

- **SDK meter** (\`scripts/bench/sdk-meter.ts\`): the bench starts the stack with \`LOCAL_CLOUD_SDK_METER_URL\`;
  the local cloud then points every function's \`AWS_ENDPOINT_URL_<SERVICE>\` at the meter, a pass-through
  HTTP endpoint in front of the emulators, and sets \`AWS_SDK_UA_APP_ID\` to the function's name, which the SDK
  puts in its user agent. Every call — our clients and Powertools' own (idempotency, parameters) — is
  recorded with its service, operation, function and billed units. Nothing of it is in a deployed bundle.
- **DynamoDB** (\`scripts/bench/metering.ts\`, AWS's published rules, links in its header): item size = attribute
  names + values; a write is 1 WRU per started KB of the larger of the before and after images, ×2 inside
  TransactWriteItems (ConditionCheck included), and a failed condition still consumes units; each secondary
  index entry a write puts, changes or removes is another write; reads are 1 RRU per started 4 KB strongly
  consistent, ½ eventually consistent, 2 in TransactGetItems; Query and Scan sum the items then round.
  Before images are what the meter saw written (the stage starts empty); an UpdateItem's after image is read
  back from DynamoDB Local after the answer. DynamoDB Local's own ReturnConsumedCapacity is only a
  cross-check (notes below): it agrees with the meter on every single-item, batch and query call, but its
  TransactWriteItems figures do not follow the per-item rule (checked 2026-12: 12 units for a 3-item orders
  transaction of items under 1 KB, 4 for a 3-item inventory one, 4 for a 1-item payments one).
- **EventBridge**: PutEvents entries, each 64 KB chunk of an entry one event (entry size per AWS's rule).
- **SQS** (each request at its queue's rate: FIFO queues' is higher): every SendMessage / SendMessageBatch the
  functions make, one request per 64 KB chunk of the payload, on the queue its \`QueueUrl\` names; one
  SendMessage per event that a rule with a queue target (a \`busQueue\`, always standard) matches, made by
  EventBridge, counted from the local bus's record of the orders' events; plus 2 requests (ReceiveMessage, DeleteMessageBatch) per SQS-triggered invocation for
  Lambda's poller (modelled: the local poller is not metered); the pollers' empty long polls are a
  per-queue constant (≈ 6 queues × a few pollers × 3 req/min), not per order.
- **Lambda**: invocations and billed durations from serverless-offline's report lines; compute = Σ billed
  duration × memory. Durations are local (x86 worker threads, 2 shared cores, emulators on the same
  machine): higher than warm arm64 Lambda on AWS.
- **HTTP API**: 2 per order (POST /orders and one GET /orders/{id}).
- **X-Ray**: a trace starts at an HTTP request or a stream batch of a function under active tracing
  (trace-starting invocations below); read routes run PassThrough and start none; the outbox relays run
  PassThrough too and publish each event under the trace header its writer stored, and EventBridge and
  SQS pass the caller's trace header on, so their targets join it. Lambda samples a request without a
  sampled header by X-Ray's default rule, 1 request per second (the reservoir) + 5% of the rest, assumed per
  function, at 1M orders a month spread evenly (0.39 orders/s, Poisson): at that volume the reservoir records
  most of them, so traces per order ≈ trace-starting invocations per order × ${round(
    cost.usage.traces /
      Math.max(
        1e-9,
        Object.values(cost.traceRoots).reduce((a, b) => a + b, 0),
      ),
    2,
  )}. Were the reservoir shared by all functions instead (one rule for the account), it would be
  ${round(tracesPerOrder({ all: Object.values(cost.traceRoots).reduce((a, b) => a + b, 0) }), 2)} traces per order; far above the reservoir's volume, 5% of the trace-starting invocations.
- **Logs**: the bytes of every JSON line the functions printed during the run at INFO, by \`function_name\`,
  plus ${PLATFORM_LOG_BYTES} B of Lambda platform lines (START, END, REPORT) per invocation. Powertools' EMF metric
  lines are switched off locally (\`POWERTOOLS_METRICS_DISABLED\`), so they are not in the figure.
- **SES**: e-mails (one per recipient), priced beside the total, not in it: they are what the shop sends its
  customers, not what the design spends moving an order.

${cost.notes.map((note) => `- ${note}`).join('\n')}${cost.unmetered.length ? `\n- Calls the meter could not price: ${[...new Set(cost.unmetered)].slice(0, 10).join('; ')}.` : ''}

`;
}

/** cost.md: the per-order counts of this run */
function costPerOrder(r: Report): string {
  const { costLines, costTotal, outsideTotal, cost } = r;
  return `## Per-order counts of this run

${markdownTable(
  ['item', 'units per order', 'USD per 1M orders'],
  [
    ...costLines.map((l) => [l.item, round(l.unitsPerOrder, 3), round(l.usdPerMillionOrders, 2)]),
    ['**total**', '', `**${round(costTotal, 2)}**`],
    ...outsideTotal.map((l) => [l.item, round(l.unitsPerOrder, 3), round(l.usdPerMillionOrders, 2)]),
  ],
)}

### By function (per order)

WRU includes transactions' doubling; index WRU is the secondary indexes' share; KMS and log bytes exclude the
platform lines; "AWS calls" counts every SDK call the function made.

${markdownTable(FUNCTION_HEADERS, functionRows(cost))}

### By table (per order)

${markdownTable(TABLE_HEADERS, tableRows(cost))}

### Bus events (per order, by detail-type)

${markdownTable(
  ['detail-type', 'events per order'],
  Object.entries(cost.eventsByType)
    .sort((a, b) => b[1] - a[1])
    .map(([type, count]) => [type, round(count, 2)]),
)}

### SQS requests (per order, by operation)

${markdownTable(
  ['operation', 'requests per order'],
  Object.entries(cost.sqsByOperation).map(([op, count]) => [op, round(count, 2)]),
)}

### Trace-starting invocations (per order)

${markdownTable(
  ['function', 'invocations per order'],
  Object.entries(cost.traceRoots).map(([name, count]) => [name, round(count, 2)]),
)}
`;
}

/** docs/bench/cost.md. */
function costMarkdown(r: Report): string {
  return [costIntro(r), costPrices(r), costHowCounted(r), costPerOrder(r)].join('');
}

async function main() {
  if (FLASH_SALE_ONLY) return flashSaleOnly();
  say(
    `${QUICK ? 'quick smoke run' : 'full run'}: ${plan.orders} orders, ${plan.loadRounds}×${plan.loadSeconds} s load per route, ${plan.initRuns} cold-init runs`,
  );
  const functions = await functionsOfProject();
  const zipSizes = measureZipSizes();
  const heaviest = zipSizes.zips[0]?.name as string;
  const init = await measureColdInit(zipSizes.packageDir, heaviest);
  const middleware = await measureMiddlewareOverhead();
  const measures = await measureOnStack(functions);
  const { latency, cost, memory, sale } = measures;

  const sagaP50 = percentile(latency.latenciesMs, 50);
  const sagaP95 = percentile(latency.latenciesMs, 95);
  const bill = costPerMillionOrders(cost.usage);
  const u = cost.usage;
  printStackTables(measures, sagaP50, sagaP95, bill);
  const figures = { ...zipSizes, ...measures, heaviest, init, middleware, sagaP50, sagaP95 };
  const result = benchResultOf(figures, bill.total, sale, u, memory);
  printFlashSale(sale);
  const summaryRows = printSummary(result);
  const baseline = recordBaseline(result);
  writeReports({
    ...figures,
    costLines: bill.lines,
    costTotal: bill.total,
    outsideTotal: bill.outsideTotal,
    u,
    result,
    summaryRows,
    baseline,
  });
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
