import { execFileSync } from 'node:child_process';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  type BenchResult,
  chartSvg,
  costPerMillionOrders,
  countBy,
  dynamoItemBytes,
  histogram,
  hopSummary,
  jsonLine,
  meetsTarget,
  type PerOrderUsage,
  PRICES,
  percentile,
  sagaHops,
  writeUnits,
  zipEntries,
  zipEntryContent,
} from '../../scripts/bench/lib.js';

describe('bench statistics', () => {
  it('computes nearest-rank percentiles of unsorted samples', () => {
    const samples = [50, 10, 40, 20, 30, 60, 70, 80, 90, 100];
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 95)).toBe(100);
    expect(percentile(samples, 90)).toBe(90);
    expect(percentile(samples, 0)).toBe(10);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(samples[0]).toBe(50); // not sorted in place
  });

  it('bins a histogram with an overflow bin', () => {
    expect(histogram([0, 5, 10, 25, 1000], 10, 4)).toEqual([2, 1, 1, 1]);
  });
});

describe('bench cost model', () => {
  const usage: PerOrderUsage = {
    invocations: 10,
    gbSeconds: 0.5,
    dynamoWriteUnits: 8,
    dynamoReadUnits: 4,
    apiRequests: 2,
    busEvents: 6,
    sqsRequests: 9,
    sqsFifoRequests: 4,
    kmsRequests: 2,
    secretsManagerCalls: 0,
    emails: 1,
    logBytes: 1024 ** 3 / 1_000_000, // 1 GB per million orders
    traces: 0.5,
  };

  it('prices each unit per million orders and sums them', () => {
    const { lines, total, outsideTotal } = costPerMillionOrders(usage);
    const byItem = Object.fromEntries(lines.map((line) => [line.item, line.usdPerMillionOrders]));
    expect(byItem['Lambda requests']).toBeCloseTo(10 * PRICES.lambdaRequestPerMillion);
    expect(byItem['Lambda compute (GB-s, arm64)']).toBeCloseTo(0.5 * 1_000_000 * PRICES.lambdaArmGbSecond);
    expect(byItem['DynamoDB write request units']).toBeCloseTo(8 * 0.625);
    expect(byItem['DynamoDB read request units']).toBeCloseTo(4 * 0.125);
    expect(byItem['HTTP API requests']).toBeCloseTo(2);
    expect(byItem['EventBridge custom events']).toBeCloseTo(6);
    // standard and FIFO queues at their own rates
    expect(byItem['SQS standard requests']).toBeCloseTo(5 * 0.4);
    expect(byItem['SQS FIFO requests']).toBeCloseTo(4 * 0.5);
    expect(byItem['CloudWatch Logs ingestion (bytes)']).toBeCloseTo(0.5);
    expect(byItem['X-Ray traces recorded (default sampling)']).toBeCloseTo(0.5 * 5);
    expect(byItem['KMS requests']).toBeCloseTo(2 * 3);
    expect(total).toBeCloseTo(lines.reduce((sum, line) => sum + line.usdPerMillionOrders, 0));
    expect(total).toBeCloseTo(2 + 6.667 + 5 + 0.5 + 2 + 6 + 2 + 2 + 0.5 + 2.5 + 6, 2);
    // E-mail is priced beside the data path's total, not in it.
    expect(outsideTotal).toEqual([
      { item: 'SES e-mails (not in the total)', unitsPerOrder: 1, usdPerMillionOrders: 100 },
    ]);
  });

  it('counts write units per started KB, doubled in transactions, and item sizes as DynamoDB does', () => {
    expect(writeUnits(10)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(writeUnits(900, true)).toBe(2);
    expect(dynamoItemBytes({ pk: { S: 'abc' }, n: { N: '12345' }, ok: { BOOL: true } })).toBe(
      2 + 3 + 1 + 4 + 2 + 1,
    );
  });
});

describe('bench output', () => {
  const result: BenchResult = {
    sagaLatencyP50Ms: 900,
    sagaLatencyP95Ms: 2000,
    getProductsThroughputRatio: 0.85,
    maxZipKB: 240,
    medianZipKB: 170,
    initRatio: Number.NaN,
    initRatioSampled: 1.6,
    middlewareOverheadMs: 0.1,
    costPer1MOrdersUSD: 7.5,
    flashSaleSecondsToFinal: 12.5,
    flashSaleGetProductsSeconds: 2.5,
    flashSaleToGetProductsRatio: 5,
    flashSaleOutcomes: { CONFIRMED: 50, OUT_OF_STOCK: 150 },
    invocationsPerOrder: 25,
    writeUnitsPerOrder: 60,
    readUnitsPerOrder: 20,
    eventsPerOrder: 7,
    sqsRequestsPerOrder: 8,
    logBytesPerOrder: 9000,
    tracesPerOrder: 4.2,
    localStackRssMB: 2100,
  };

  it('prints one JSON object on one line, every key, non-finite values as null', () => {
    const line = jsonLine(result);
    expect(line).not.toContain('\n');
    const parsed = JSON.parse(line);
    expect(Object.keys(parsed)).toEqual([
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
    ]);
    expect(parsed.initRatio).toBeNull();
    expect(parsed.sagaLatencyP50Ms).toBe(900);
    expect(parsed.flashSaleOutcomes).toEqual({ CONFIRMED: 50, OUT_OF_STOCK: 150 });
  });

  it('the JSON line is the last line of stdout when printed after the tables', () => {
    const script = `import { jsonLine } from './scripts/bench/lib.ts';
      process.stdout.write('table\\n---\\n');
      process.stdout.write(jsonLine(${JSON.stringify({ ...result, initRatio: 1.2 })}) + '\\n');`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    const last = out.trimEnd().split('\n').at(-1) as string;
    expect(JSON.parse(last).initRatio).toBe(1.2);
  });

  it('checks targets in the right direction', () => {
    expect(meetsTarget('getProductsThroughputRatio', 0.8)).toBe(true);
    expect(meetsTarget('getProductsThroughputRatio', 0.79)).toBe(false);
    expect(meetsTarget('maxZipKB', 251)).toBe(false);
    expect(meetsTarget('initRatio', Number.NaN)).toBe(false);
    expect(meetsTarget('writeUnitsPerOrder', 24)).toBe(true);
    expect(meetsTarget('localStackRssMB', 1501)).toBe(false);
  });

  it('reads zip entry sizes from the central directory', () => {
    const zip = tinyZip([
      { name: 'a.mjs', data: Buffer.from('x'.repeat(1000)) },
      { name: 'a.mjs.map', data: Buffer.from('y'.repeat(50)) },
    ]);
    const entries = zipEntries(zip);
    expect(entries.map((e) => [e.name, e.uncompressedBytes])).toEqual([
      ['a.mjs', 1000],
      ['a.mjs.map', 50],
    ]);
    expect(entries[0]?.compressedBytes).toBeLessThan(100);
  });

  it('reads an entry back as it was written, past the other entries', () => {
    const bundle = Buffer.from(`import{request}from"node:https";${'z'.repeat(500)}`);
    const zip = tinyZip([
      { name: 'a.mjs.map', data: Buffer.from('y'.repeat(50)) },
      { name: 'a.mjs', data: bundle },
    ]);
    const entry = zipEntries(zip).find((e) => e.name === 'a.mjs');
    expect(entry && zipEntryContent(zip, entry).equals(bundle)).toBe(true);
  });

  it('splits an order saga into hops between decision events, up to the outcome', () => {
    const at = (s: number) => new Date(Date.UTC(2026, 10, 22, 10, 0, s)).toISOString();
    const posted = Date.parse(at(0));
    const hops = sagaHops(
      [
        { eventType: 'OrderConfirmed', occurredAt: at(9) },
        { eventType: 'StockLevelChanged', occurredAt: at(3) },
        { eventType: 'OrderPlaced', occurredAt: at(1) },
        { eventType: 'StockReserved', occurredAt: at(3) },
        { eventType: 'PaymentAuthorized', occurredAt: at(6) },
        { eventType: 'PaymentCaptured', occurredAt: at(12) },
      ],
      posted,
    );
    expect(hops).toEqual([
      { hop: 'POST /orders → OrderPlaced', ms: 1000 },
      { hop: 'OrderPlaced → StockReserved', ms: 2000 },
      { hop: 'StockReserved → PaymentAuthorized', ms: 3000 },
      { hop: 'PaymentAuthorized → OrderConfirmed', ms: 3000 },
    ]);
    expect(hopSummary([hops, hops.slice(1, 2)])[0]).toEqual([
      'OrderPlaced → StockReserved',
      2,
      2000,
      2000,
      2000,
    ]);
    expect(countBy(['OUT_OF_STOCK', 'CONFIRMED', 'OUT_OF_STOCK'])).toEqual({ CONFIRMED: 1, OUT_OF_STOCK: 2 });
  });

  it('renders an SVG chart', () => {
    const svg = chartSvg({
      latenciesMs: [100, 200, 300],
      p50: 200,
      p95: 300,
      zips: [{ name: 'fn<1>', codeKB: 100, mapKB: 200 }],
      maxZipTargetKB: 250,
      medianZipTargetKB: 180,
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('fn&lt;1&gt;');
    expect(svg).toContain('p95 300 ms');
  });
});

function tinyZip(files: Array<{ name: string; data: Buffer }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const compressed = deflateRawSync(file.data);
    const name = Buffer.from(file.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(file.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += 30 + name.length + compressed.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDirectory, end]);
}
