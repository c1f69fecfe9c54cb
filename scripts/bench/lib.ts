import { inflateRawSync } from 'node:zlib';
import { type Item, itemBytes, readUnitsFor, writeUnitsFor } from './metering.js';

/**
 * The pure parts of `npm run bench`: statistics, the cost model, zip reading, tables, the SVG chart and
 * the JSON result line. No I/O here, so tests/unit/bench.test.ts covers them without a stack.
 */

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

export const round = (value: number, digits = 2) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

// ---------------------------------------------------------------------------------------------- cost

/** Public us-east-1 list prices (USD), checked 2026-11; the model and its sources are in docs/bench/cost.md. */
export const PRICES = {
  lambdaRequestPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  dynamoWriteRequestUnitPerMillion: 0.625,
  dynamoReadRequestUnitPerMillion: 0.125,
  httpApiRequestPerMillion: 1.0,
  eventBridgeCustomEventPerMillion: 1.0,
  sqsStandardRequestPerMillion: 0.4,
  sqsFifoRequestPerMillion: 0.5,
  xrayTraceRecordedPerMillion: 5.0,
  cloudWatchLogsIngestedPerGb: 0.5,
  kmsRequestPerMillion: 3.0,
  secretsManagerCallPerMillion: 5.0,
  sesEmailPerMillion: 100.0,
} as const;

export type Prices = typeof PRICES;

/** What one order costs in units, counted during the saga run (modelled where cost.md says so). */
export interface PerOrderUsage {
  invocations: number;
  /** Σ over invocations of billed duration (ms) × memory (GB). */
  gbSeconds: number;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  apiRequests: number;
  busEvents: number;
  /** Every SQS request, standard and FIFO queues' alike. */
  sqsRequests: number;
  /** The share of `sqsRequests` made on FIFO queues (priced higher). */
  sqsFifoRequests: number;
  kmsRequests: number;
  secretsManagerCalls: number;
  /** SES e-mails (one per recipient): priced, but outside the total (see costPerMillionOrders). */
  emails: number;
  logBytes: number;
  /** Traces X-Ray records per order, after the default sampling rule (metering.ts, tracesPerOrder). */
  traces: number;
}

export interface CostLine {
  item: string;
  unitsPerOrder: number;
  usdPerMillionOrders: number;
}

/** USD for one million orders, line by line. */
export function costPerMillionOrders(
  usage: PerOrderUsage,
  prices: Prices = PRICES,
): { lines: CostLine[]; total: number; outsideTotal: CostLine[] } {
  const million = 1_000_000;
  const lines: CostLine[] = [
    {
      item: 'Lambda requests',
      unitsPerOrder: usage.invocations,
      usdPerMillionOrders: usage.invocations * prices.lambdaRequestPerMillion,
    },
    {
      item: 'Lambda compute (GB-s, arm64)',
      unitsPerOrder: usage.gbSeconds,
      usdPerMillionOrders: usage.gbSeconds * million * prices.lambdaArmGbSecond,
    },
    {
      item: 'DynamoDB write request units',
      unitsPerOrder: usage.dynamoWriteUnits,
      usdPerMillionOrders: usage.dynamoWriteUnits * prices.dynamoWriteRequestUnitPerMillion,
    },
    {
      item: 'DynamoDB read request units',
      unitsPerOrder: usage.dynamoReadUnits,
      usdPerMillionOrders: usage.dynamoReadUnits * prices.dynamoReadRequestUnitPerMillion,
    },
    {
      item: 'HTTP API requests',
      unitsPerOrder: usage.apiRequests,
      usdPerMillionOrders: usage.apiRequests * prices.httpApiRequestPerMillion,
    },
    {
      item: 'EventBridge custom events',
      unitsPerOrder: usage.busEvents,
      usdPerMillionOrders: usage.busEvents * prices.eventBridgeCustomEventPerMillion,
    },
    {
      item: 'SQS standard requests',
      unitsPerOrder: usage.sqsRequests - usage.sqsFifoRequests,
      usdPerMillionOrders: (usage.sqsRequests - usage.sqsFifoRequests) * prices.sqsStandardRequestPerMillion,
    },
    {
      item: 'SQS FIFO requests',
      unitsPerOrder: usage.sqsFifoRequests,
      usdPerMillionOrders: usage.sqsFifoRequests * prices.sqsFifoRequestPerMillion,
    },
    {
      item: 'CloudWatch Logs ingestion (bytes)',
      unitsPerOrder: usage.logBytes,
      usdPerMillionOrders: ((usage.logBytes * million) / 1024 ** 3) * prices.cloudWatchLogsIngestedPerGb,
    },
    {
      item: 'X-Ray traces recorded (default sampling)',
      unitsPerOrder: usage.traces,
      usdPerMillionOrders: usage.traces * prices.xrayTraceRecordedPerMillion,
    },
    {
      item: 'KMS requests',
      unitsPerOrder: usage.kmsRequests,
      usdPerMillionOrders: usage.kmsRequests * prices.kmsRequestPerMillion,
    },
    {
      item: 'Secrets Manager API calls',
      unitsPerOrder: usage.secretsManagerCalls,
      usdPerMillionOrders: usage.secretsManagerCalls * prices.secretsManagerCallPerMillion,
    },
  ];
  // E-mail is what the shop sends its customers, not what the design spends on moving an order: it is
  // priced beside the total so the data path's figure stays comparable across designs.
  const outsideTotal: CostLine[] = [
    {
      item: 'SES e-mails (not in the total)',
      unitsPerOrder: usage.emails,
      usdPerMillionOrders: usage.emails * prices.sesEmailPerMillion,
    },
  ];
  return { lines, total: lines.reduce((sum, line) => sum + line.usdPerMillionOrders, 0), outsideTotal };
}

/** DynamoDB on-demand: one write unit per started KB, one (strongly consistent) read unit per 4 KB. */
export const writeUnits = (bytes: number, transactional = false) => writeUnitsFor(bytes, transactional);
export const readUnits = (bytes: number) => readUnitsFor(bytes, 'strong');

/** Item size as DynamoDB counts it: attribute name lengths + value sizes (marshalled AttributeValue map). */
export const dynamoItemBytes = (item: Record<string, unknown>): number => itemBytes(item as Item);

// ----------------------------------------------------------------------------------------------- zip

export interface ZipEntry {
  name: string;
  compressedBytes: number;
  uncompressedBytes: number;
  /** 0 stored, 8 deflated: the only two methods zip writers use for our bundles. */
  method: number;
  /** Where the entry's local header starts; its data follows that header. */
  localHeaderOffset: number;
}

/** Lists a zip's entries from its central directory (no inflating needed for sizes). */
export function zipEntries(zip: Buffer): ZipEntry[] {
  const eocdSignature = 0x06054b50;
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === eocdSignature) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('Not a zip file (no end of central directory record)');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('Corrupt zip central directory');
    const method = zip.readUInt16LE(offset + 10);
    const compressedBytes = zip.readUInt32LE(offset + 20);
    const uncompressedBytes = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeaderOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    entries.push({ name, compressedBytes, uncompressedBytes, method, localHeaderOffset });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** One entry's bytes, inflated. */
export function zipEntryContent(zip: Buffer, entry: ZipEntry): Buffer {
  const header = entry.localHeaderOffset;
  if (zip.readUInt32LE(header) !== 0x04034b50) throw new Error(`Corrupt zip local header for ${entry.name}`);
  const start = header + 30 + zip.readUInt16LE(header + 26) + zip.readUInt16LE(header + 28);
  const data = zip.subarray(start, start + entry.compressedBytes);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return inflateRawSync(data);
  throw new Error(`Unsupported zip compression method ${entry.method} for ${entry.name}`);
}

// ------------------------------------------------------------------------------------------- output

/** A plain-text table with right-aligned numbers. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => String(cell)))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        /^-?[\d.,]+( ?[a-zA-Z%/]+)?$/.test(cell) && column > 0
          ? cell.padStart(widths[column] as number)
          : cell.padEnd(widths[column] as number),
      )
      .join('  ')
      .trimEnd();
  return [
    line(cells[0] as string[]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n');
}

/** Lambda's trace header for a request X-Ray samples (the bench's sampled cold init and middleware runs). */
export const SAMPLED_TRACE_HEADER =
  'Root=1-6925a1c0-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1';

/** The same rows as a Markdown table. */
export function markdownTable(headers: string[], rows: Array<Array<string | number>>): string {
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

export interface BenchResult {
  sagaLatencyP50Ms: number;
  sagaLatencyP95Ms: number;
  getProductsThroughputRatio: number;
  maxZipKB: number;
  medianZipKB: number;
  initRatio: number;
  /**
   * The same, for a request X-Ray samples: a handler of a route that changes state then also loads the
   * X-Ray SDK (shared/http/traced-handler.ts). Reported beside the target, which a sampled request is not.
   */
  initRatioSampled: number;
  middlewareOverheadMs: number;
  costPer1MOrdersUSD: number;
  /** Seconds from the first POST of the flash sale until its last order was CONFIRMED or CANCELLED. */
  flashSaleSecondsToFinal: number;
  /** Seconds that as many concurrent GET /products calls took, right after, on the same stack. */
  flashSaleGetProductsSeconds: number;
  /** flashSaleSecondsToFinal ÷ flashSaleGetProductsSeconds: how many plain requests' time the rush takes. */
  flashSaleToGetProductsRatio: number;
  /** Final orders of the flash sale by outcome: CONFIRMED, or the cancellation reason. */
  flashSaleOutcomes: Record<string, number>;
  /** Units per order, counted during the saga run (cost.md has the breakdown). */
  invocationsPerOrder: number;
  writeUnitsPerOrder: number;
  readUnitsPerOrder: number;
  eventsPerOrder: number;
  sqsRequestsPerOrder: number;
  logBytesPerOrder: number;
  tracesPerOrder: number;
  /** Resident memory of the whole local stack's process tree after the saga run, MB. */
  localStackRssMB: number;
}

/** The keys of the JSON line, in order. */
export const RESULT_KEYS: ReadonlyArray<keyof BenchResult> = [
  'sagaLatencyP50Ms',
  'sagaLatencyP95Ms',
  'getProductsThroughputRatio',
  'maxZipKB',
  'medianZipKB',
  'initRatio',
  'initRatioSampled',
  'middlewareOverheadMs',
  'costPer1MOrdersUSD',
  'flashSaleSecondsToFinal',
  'flashSaleGetProductsSeconds',
  'flashSaleToGetProductsRatio',
  'flashSaleOutcomes',
  'invocationsPerOrder',
  'writeUnitsPerOrder',
  'readUnitsPerOrder',
  'eventsPerOrder',
  'sqsRequestsPerOrder',
  'logBytesPerOrder',
  'tracesPerOrder',
  'localStackRssMB',
];

/** Measured figures with an agreed target (the flash-sale figures have none yet: they are reported). */
export type TargetKey = Exclude<
  keyof BenchResult,
  | 'flashSaleSecondsToFinal'
  | 'flashSaleGetProductsSeconds'
  | 'flashSaleToGetProductsRatio'
  | 'flashSaleOutcomes'
  | 'initRatioSampled'
  | 'readUnitsPerOrder'
  | 'sqsRequestsPerOrder'
  | 'logBytesPerOrder'
  | 'tracesPerOrder'
>;

export const TARGETS: Record<TargetKey, { limit: number; kind: 'max' | 'min' }> = {
  sagaLatencyP50Ms: { limit: 1000, kind: 'max' },
  sagaLatencyP95Ms: { limit: 2500, kind: 'max' },
  getProductsThroughputRatio: { limit: 0.8, kind: 'min' },
  maxZipKB: { limit: 250, kind: 'max' },
  medianZipKB: { limit: 180, kind: 'max' },
  initRatio: { limit: 1.3, kind: 'max' },
  middlewareOverheadMs: { limit: 0.3, kind: 'max' },
  // Issue 11's target for the counted model (the earlier estimate's target was $8).
  costPer1MOrdersUSD: { limit: 30, kind: 'max' },
  invocationsPerOrder: { limit: 14, kind: 'max' },
  writeUnitsPerOrder: { limit: 24, kind: 'max' },
  eventsPerOrder: { limit: 6, kind: 'max' },
  localStackRssMB: { limit: 1500, kind: 'max' },
};

export function meetsTarget(key: TargetKey, value: number): boolean {
  const target = TARGETS[key];
  if (!Number.isFinite(value)) return false;
  return target.kind === 'max' ? value <= target.limit : value >= target.limit;
}

/** The one machine-readable line: the bench's result keys in a fixed order, nothing else, no newline inside. */
export function jsonLine(result: BenchResult): string {
  const ordered: Record<string, unknown> = {};
  for (const key of RESULT_KEYS) {
    const value = result[key];
    ordered[key] = typeof value === 'number' ? (Number.isFinite(value) ? value : null) : value;
  }
  return JSON.stringify(ordered);
}

// --------------------------------------------------------------------------------------- flash sale

/** The events that move one order of the saga towards its outcome, as the event store returns them. */
export const DECISION_EVENTS: ReadonlySet<string> = new Set([
  'OrderPlaced',
  'StockReserved',
  'StockReservationFailed',
  'PaymentAuthorized',
  'PaymentDeclined',
  'PaymentUnavailable',
  'OrderConfirmed',
  'OrderCancelled',
]);
const FINAL_EVENTS = new Set(['OrderConfirmed', 'OrderCancelled']);

export interface Hop {
  hop: string;
  ms: number;
}

/**
 * The hops of one order's saga: the time between consecutive decision events (by `occurredAt`, each hop
 * spanning a stream, a relay, the bus, maybe a FIFO queue and a consumer), up to its final event, plus
 * the time from the client's POST to OrderPlaced. Events after the outcome (capture, sale, void) are
 * not on the order's path to final.
 */
export function sagaHops(
  events: ReadonlyArray<{ eventType: string; occurredAt: string }>,
  postedAt?: number,
): Hop[] {
  const path = events
    .filter((event) => DECISION_EVENTS.has(event.eventType))
    .map((event) => ({ type: event.eventType, at: Date.parse(event.occurredAt) }))
    .sort((a, b) => a.at - b.at);
  const end = path.findIndex((event) => FINAL_EVENTS.has(event.type));
  const steps = end < 0 ? path : path.slice(0, end + 1);
  const hops: Hop[] = [];
  const first = steps[0];
  if (postedAt !== undefined && first?.type === 'OrderPlaced') {
    hops.push({ hop: 'POST /orders → OrderPlaced', ms: first.at - postedAt });
  }
  for (let i = 1; i < steps.length; i++) {
    const from = steps[i - 1] as { type: string; at: number };
    const to = steps[i] as { type: string; at: number };
    hops.push({ hop: `${from.type} → ${to.type}`, ms: to.at - from.at });
  }
  return hops;
}

/** Per hop across orders: count, p50, p95 and max in ms, most frequent hop first. */
export function hopSummary(
  perOrder: ReadonlyArray<ReadonlyArray<Hop>>,
): Array<[string, number, number, number, number]> {
  const byHop = new Map<string, number[]>();
  for (const hops of perOrder) {
    for (const { hop, ms } of hops) byHop.set(hop, [...(byHop.get(hop) ?? []), ms]);
  }
  return [...byHop]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .map(([hop, samples]) => [
      hop,
      samples.length,
      round(percentile(samples, 50), 0),
      round(percentile(samples, 95), 0),
      round(Math.max(...samples), 0),
    ]);
}

/** How many of each: e.g. final orders by `CONFIRMED` or cancellation reason. */
export function countBy(values: ReadonlyArray<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of [...values].sort()) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

// -------------------------------------------------------------------------------------------- chart

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Histogram bins of width `width` from 0; the last bin holds everything above. */
export function histogram(samples: readonly number[], width: number, maxBins = 30): number[] {
  const bins = Math.min(maxBins, Math.max(1, Math.ceil((Math.max(0, ...samples) + 1) / width)));
  const counts = new Array<number>(bins).fill(0);
  for (const sample of samples) {
    const bin = Math.min(bins - 1, Math.floor(sample / width));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return counts;
}

interface ChartInput {
  latenciesMs: number[];
  p50: number;
  p95: number;
  zips: Array<{ name: string; codeKB: number; mapKB: number }>;
  maxZipTargetKB: number;
  medianZipTargetKB: number;
}

type Panel = { x: number; y: number; w: number; h: number };

/** Panel 1: the latency histogram with its axes, ticks and the p50/p95 lines. */
function latencyPanel(input: ChartInput, panel1: Panel): string[] {
  const parts: string[] = [];
  const maxLatency = Math.max(1, ...input.latenciesMs);
  const binWidth = niceStep(maxLatency / 25);
  const counts = histogram(input.latenciesMs, binWidth, 40);
  const maxCount = Math.max(1, ...counts);
  const scaleX = panel1.w / (counts.length * binWidth);
  counts.forEach((count, index) => {
    const barH = (count / maxCount) * panel1.h;
    parts.push(
      `<rect x="${(panel1.x + index * binWidth * scaleX).toFixed(1)}" y="${(panel1.y + panel1.h - barH).toFixed(1)}" width="${Math.max(1, binWidth * scaleX - 1).toFixed(1)}" height="${barH.toFixed(1)}" fill="#4c78a8"/>`,
    );
  });
  parts.push(
    `<line x1="${panel1.x}" y1="${panel1.y + panel1.h}" x2="${panel1.x + panel1.w}" y2="${panel1.y + panel1.h}" stroke="black"/>`,
    `<line x1="${panel1.x}" y1="${panel1.y}" x2="${panel1.x}" y2="${panel1.y + panel1.h}" stroke="black"/>`,
  );
  for (let tick = 0; tick <= counts.length * binWidth; tick += binWidth * 5) {
    const x = panel1.x + tick * scaleX;
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${panel1.y + panel1.h}" x2="${x.toFixed(1)}" y2="${panel1.y + panel1.h + 4}" stroke="black"/>`,
      `<text x="${x.toFixed(1)}" y="${panel1.y + panel1.h + 16}" text-anchor="middle">${tick}</text>`,
    );
  }
  parts.push(
    `<text x="${panel1.x + panel1.w / 2}" y="${panel1.y + panel1.h + 32}" text-anchor="middle">latency (ms)</text>`,
    `<text x="${panel1.x - 10}" y="${panel1.y + 4}" text-anchor="end">${maxCount}</text>`,
    `<text x="${panel1.x - 10}" y="${panel1.y + panel1.h}" text-anchor="end">0</text>`,
    `<text transform="translate(${panel1.x - 40},${panel1.y + panel1.h / 2}) rotate(-90)" text-anchor="middle">orders</text>`,
  );
  for (const [label, value, color] of [
    ['p50', input.p50, '#e45756'],
    ['p95', input.p95, '#f58518'],
  ] as const) {
    if (!Number.isFinite(value)) continue;
    const x = panel1.x + Math.min(value, counts.length * binWidth) * scaleX;
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${panel1.y}" x2="${x.toFixed(1)}" y2="${panel1.y + panel1.h}" stroke="${color}" stroke-dasharray="4 3" stroke-width="2"/>`,
      `<text x="${(x + 4).toFixed(1)}" y="${panel1.y + (label === 'p50' ? 12 : 26)}" fill="${color}">${label} ${Math.round(value)} ms</text>`,
    );
  }
  return parts;
}

/** Panel 2: each function's zip as code + source map bars, with the max and median targets as lines. */
function zipPanel(input: ChartInput, panel2: Panel, barHeight: number): string[] {
  const parts: string[] = [];
  parts.push(
    `<text x="${70}" y="${panel2.y - 22}" font-size="15" font-weight="bold">Per-function zip size (compressed KB): code + source map</text>`,
  );
  const maxKB = Math.max(input.maxZipTargetKB * 1.1, ...input.zips.map((zip) => zip.codeKB + zip.mapKB));
  const kbScale = panel2.w / maxKB;
  input.zips.forEach((zip, index) => {
    const y = panel2.y + index * (barHeight + 4);
    parts.push(
      `<text x="${panel2.x - 6}" y="${y + barHeight - 3}" text-anchor="end">${escapeXml(zip.name)}</text>`,
      `<rect x="${panel2.x}" y="${y}" width="${(zip.codeKB * kbScale).toFixed(1)}" height="${barHeight}" fill="#4c78a8"/>`,
      `<rect x="${(panel2.x + zip.codeKB * kbScale).toFixed(1)}" y="${y}" width="${(zip.mapKB * kbScale).toFixed(1)}" height="${barHeight}" fill="#bab0ac"/>`,
      `<text x="${(panel2.x + (zip.codeKB + zip.mapKB) * kbScale + 4).toFixed(1)}" y="${y + barHeight - 3}">${Math.round(zip.codeKB + zip.mapKB)}</text>`,
    );
  });
  for (const [label, kb, color] of [
    [`max target ${input.maxZipTargetKB} KB`, input.maxZipTargetKB, '#e45756'],
    [`median target ${input.medianZipTargetKB} KB`, input.medianZipTargetKB, '#f58518'],
  ] as const) {
    const x = panel2.x + kb * kbScale;
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${panel2.y - 6}" x2="${x.toFixed(1)}" y2="${panel2.y + panel2.h}" stroke="${color}" stroke-dasharray="4 3" stroke-width="2"/>`,
      `<text x="${(x + 4).toFixed(1)}" y="${panel2.y + panel2.h + 14}" fill="${color}">${label}</text>`,
    );
  }
  return parts;
}

/**
 * One SVG, two panels: the saga latency distribution (histogram, p50/p95 marked) and every function's
 * zip split into code and source map (compressed KB), with the targets as lines.
 */
export function chartSvg(input: ChartInput): string {
  const width = 960;
  const panel1 = { x: 70, y: 50, w: 860, h: 260 };
  const barHeight = 14;
  const panel2 = { x: 230, y: 400, w: 700, h: input.zips.length * (barHeight + 4) };
  const height = panel2.y + panel2.h + 60;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${panel1.x}" y="28" font-size="15" font-weight="bold">Saga latency: POST /orders → CONFIRMED visible (${input.latenciesMs.length} orders)</text>`,
  );
  parts.push(...latencyPanel(input, panel1));
  parts.push(...zipPanel(input, panel2, barHeight));
  parts.push(
    `<rect x="${panel2.x}" y="${panel2.y + panel2.h + 26}" width="12" height="10" fill="#4c78a8"/><text x="${panel2.x + 16}" y="${panel2.y + panel2.h + 35}">code (.mjs)</text>`,
    `<rect x="${panel2.x + 110}" y="${panel2.y + panel2.h + 26}" width="12" height="10" fill="#bab0ac"/><text x="${panel2.x + 126}" y="${panel2.y + panel2.h + 35}">source map (.mjs.map)</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

function niceStep(raw: number): number {
  if (raw <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const [step] = [1, 2, 5, 10].filter((candidate) => candidate * power >= raw);
  return (step ?? 10) * power;
}

// ------------------------------------------------------------------------------------ process tree

/** `root` and every process descending from it, given each process's parent. */
export function processTree(parents: ReadonlyMap<number, number>, root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, parent] of parents) children.set(parent, [...(children.get(parent) ?? []), pid]);
  const tree: number[] = [];
  const queue = parents.has(root) ? [root] : [];
  while (queue.length) {
    const pid = queue.shift() as number;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** A short name for a process: its program and the first arguments that say what it runs. */
export function describeProcess(argv: readonly string[]): string {
  const base = (arg: string) => arg.split('/').at(-1) ?? arg;
  const [program = '?', ...rest] = argv;
  const telling = rest
    .filter((arg) => !arg.startsWith('-D') && !arg.startsWith('-X') && !/^--?(cp|classpath)$/.test(arg))
    .map((arg) => (arg.includes('/') ? base(arg) : arg))
    .slice(0, 3);
  return [base(program), ...telling].join(' ').slice(0, 80);
}
