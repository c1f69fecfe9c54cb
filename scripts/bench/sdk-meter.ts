/**
 * The bench's SDK meter: a pass-through HTTP endpoint in front of the local cloud's emulators. The bench
 * forks it before the stack and starts the stack with LOCAL_CLOUD_SDK_METER_URL, which makes the local
 * cloud point every function's AWS_ENDPOINT_URL_<SERVICE> here and name each function in its SDK user
 * agent (AWS_SDK_UA_APP_ID). So every AWS SDK call of every function — our clients, Powertools'
 * idempotency and parameters clients alike — passes through, unchanged, and is recorded: service,
 * operation, function, and what AWS would bill for it (scripts/bench/metering.ts). Nothing of it is in
 * a function's bundle. The local cloud's own pollers (streams, SQS) talk to the emulators directly.
 *
 * Items' before images come from what the meter saw written earlier (the bench stage starts with empty
 * tables); an UpdateItem's after image is read back from DynamoDB Local right after the answer went to
 * the function, so the function waits for nothing but the extra hop.
 *
 * IPC: sends { listening: port } once; answers { snapshot: true } with { records: MeterRecord[] }, and
 * from then on only passes calls through: the load tests after the saga pay the hop, not the accounting.
 */
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import {
  billedEvents,
  eventEntryBytes,
  type Item,
  type ItemWrite,
  itemBytes,
  itemWriteUnits,
  queryReadUnits,
  type ReadConsistency,
  readUnitsFor,
  sqsBilledRequests,
  type TableSchema,
} from './metering.js';

export interface MeterRecord {
  /** ms since epoch, when the call arrived. */
  t: number;
  fn: string;
  service: 'dynamodb' | 'sqs' | 'events' | 'kms' | 'ses' | 'secretsmanager' | 'other';
  op: string;
  /** DynamoDB: the table the units are billed to. */
  table?: string;
  writeUnits?: number;
  indexWriteUnits?: number;
  readUnits?: number;
  /** DynamoDB Local's own ReturnConsumedCapacity figure for the whole call (a cross-check, not the bill). */
  reportedUnits?: number;
  /** EventBridge: billed events, by detail-type. */
  events?: Record<string, number>;
  /** SQS: billed requests of this call. */
  sqsRequests?: number;
  /** SQS: whether the call was on a FIFO queue (priced higher than a standard one). */
  sqsFifo?: boolean;
  /** SES: e-mails (one per recipient). */
  emails?: number;
  status: number;
  /** With BENCH_METER_DUMP set: each item write's kind, before/after bytes and units. */
  writes?: string[];
}

const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);
const upstreams = JSON.parse(process.env.SDK_METER_UPSTREAMS ?? '{}') as Record<string, string>;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const records: MeterRecord[] = [];
let metering = true;
const schemas = new Map<string, Promise<TableSchema | undefined>>();
/** Last item image the meter saw written, by table and key; null: deleted. */
const images = new Map<string, Item | null>();

function serviceOf(req: IncomingMessage, body: string): { service: MeterRecord['service']; op: string } {
  const target = String(req.headers['x-amz-target'] ?? '');
  const [prefix, op = ''] = target.split('.');
  if (prefix?.startsWith('DynamoDBStreams')) return { service: 'other', op: `streams:${op}` };
  if (prefix?.startsWith('DynamoDB')) return { service: 'dynamodb', op };
  if (prefix === 'AmazonSQS') return { service: 'sqs', op };
  if (prefix === 'AWSEvents') return { service: 'events', op };
  if (prefix === 'TrentService') return { service: 'kms', op };
  if (prefix === 'secretsmanager') return { service: 'secretsmanager', op };
  if ((req.url ?? '').startsWith('/v2/email/outbound-emails')) return { service: 'ses', op: 'SendEmail' };
  if ((req.url ?? '').startsWith('/v2/email')) return { service: 'ses', op: req.url ?? '' };
  const action = /(?:^|&)Action=([^&]+)/.exec(body)?.[1];
  if (action) return { service: 'sqs', op: action };
  return { service: 'other', op: `${req.method} ${req.url}` };
}

function forward(
  base: string,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, any>; body: Buffer }> {
  const url = new URL(req.url ?? '/', base);
  const headers = { ...req.headers, host: url.host, 'content-length': String(body.length) };
  delete headers['accept-encoding'];
  delete headers['transfer-encoding'];
  return new Promise((resolve, reject) => {
    const upstream = request(url, { method: req.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    upstream.on('error', reject);
    upstream.end(body);
  });
}

async function dynamo(operation: string, input: unknown): Promise<any> {
  const response = await forward(
    upstreams.dynamodb as string,
    {
      url: '/',
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
    } as unknown as IncomingMessage,
    Buffer.from(JSON.stringify(input)),
  );
  return JSON.parse(response.body.toString() || '{}');
}

function schemaOf(table: string): Promise<TableSchema | undefined> {
  let schema = schemas.get(table);
  if (!schema) {
    schema = dynamo('DescribeTable', { TableName: table }).then((answer) => {
      const description = answer.Table;
      if (!description) return undefined;
      const keyOf = (keys: Array<{ AttributeName: string; KeyType: string }>) => ({
        hash: keys.find((k) => k.KeyType === 'HASH')?.AttributeName as string,
        range: keys.find((k) => k.KeyType === 'RANGE')?.AttributeName,
      });
      return {
        key: keyOf(description.KeySchema),
        indexes: [
          ...(description.GlobalSecondaryIndexes ?? []),
          ...(description.LocalSecondaryIndexes ?? []),
        ].map((index: any) => ({
          name: index.IndexName,
          ...keyOf(index.KeySchema),
          projection: index.Projection?.ProjectionType ?? 'ALL',
          nonKeyAttributes: index.Projection?.NonKeyAttributes,
        })),
      } satisfies TableSchema;
    });
    schemas.set(table, schema);
  }
  return schema;
}

const imageKey = (table: string, schema: TableSchema | undefined, item: Item) =>
  `${table}\u0000${JSON.stringify([item[schema?.key.hash ?? ''], schema?.key.range ? item[schema.key.range] : null])}`;

async function readBack(table: string, key: Item): Promise<Item | undefined> {
  const answer = await dynamo('GetItem', { TableName: table, Key: key, ConsistentRead: true });
  return answer.Item;
}

interface PendingWrite {
  table: string;
  kind: 'put' | 'update' | 'delete' | 'check';
  key: Item;
  item?: Item;
}

type DynamoUnits = { writeUnits?: number; indexWriteUnits?: number; readUnits?: number };

interface UnitsByTable {
  /** One record per table, in the order the tables were first billed. */
  records: Map<string, MeterRecord>;
  add(table: string, units: DynamoUnits): void;
}

function unitsByTable(base: Omit<MeterRecord, 'table'>): UnitsByTable {
  const records = new Map<string, MeterRecord>();
  const add = (table: string, units: DynamoUnits) => {
    const entry = records.get(table) ?? { ...base, table, writeUnits: 0, indexWriteUnits: 0, readUnits: 0 };
    entry.writeUnits = (entry.writeUnits ?? 0) + (units.writeUnits ?? 0);
    entry.indexWriteUnits = (entry.indexWriteUnits ?? 0) + (units.indexWriteUnits ?? 0);
    entry.readUnits = (entry.readUnits ?? 0) + (units.readUnits ?? 0);
    records.set(table, entry);
  };
  return { records, add };
}

const consistencyOf = (request: any): ReadConsistency =>
  request?.ConsistentRead && !request?.IndexName ? 'strong' : 'eventual';

/** The read units of a successful read call; a write call bills none here. */
function meterReads(op: string, input: any, output: any, units: UnitsByTable): void {
  switch (op) {
    case 'GetItem':
      units.add(input.TableName, { readUnits: readUnitsFor(itemBytes(output.Item), consistencyOf(input)) });
      break;
    case 'Query':
    case 'Scan':
      units.add(input.TableName, {
        readUnits: queryReadUnits(output.Items ?? [], consistencyOf(input), output.ScannedCount),
      });
      break;
    case 'BatchGetItem':
      for (const [table, request] of Object.entries<any>(input.RequestItems ?? {})) {
        const found: Item[] = output.Responses?.[table] ?? [];
        const unprocessed = output.UnprocessedKeys?.[table]?.Keys?.length ?? 0;
        const missing = Math.max(0, (request.Keys?.length ?? 0) - unprocessed - found.length);
        units.add(table, {
          readUnits:
            found.reduce((sum, item) => sum + readUnitsFor(itemBytes(item), consistencyOf(request)), 0) +
            missing * readUnitsFor(0, consistencyOf(request)),
        });
      }
      break;
    case 'TransactGetItems':
      (input.TransactItems ?? []).forEach((entry: any, i: number) => {
        units.add(entry.Get.TableName, {
          readUnits: readUnitsFor(itemBytes(output.Responses?.[i]?.Item), 'transactional'),
        });
      });
      break;
    default:
      break;
  }
}

/** The items a BatchWriteItem wrote: all it was asked for, less what DynamoDB handed back unprocessed. */
function batchWrites(input: any, output: any): PendingWrite[] {
  const writes: PendingWrite[] = [];
  for (const [table, requests] of Object.entries<any[]>(input.RequestItems ?? {})) {
    const unprocessed = new Set(
      (output.UnprocessedItems?.[table] ?? []).map((r: unknown) => JSON.stringify(r)),
    );
    for (const r of requests) {
      if (unprocessed.has(JSON.stringify(r))) continue;
      if (r.PutRequest) writes.push({ table, kind: 'put', key: r.PutRequest.Item, item: r.PutRequest.Item });
      if (r.DeleteRequest) writes.push({ table, kind: 'delete', key: r.DeleteRequest.Key });
    }
  }
  return writes;
}

function transactionWrites(input: any): PendingWrite[] {
  const writes: PendingWrite[] = [];
  for (const entry of input.TransactItems ?? []) {
    if (entry.Put)
      writes.push({ table: entry.Put.TableName, kind: 'put', key: entry.Put.Item, item: entry.Put.Item });
    if (entry.Update) writes.push({ table: entry.Update.TableName, kind: 'update', key: entry.Update.Key });
    if (entry.Delete) writes.push({ table: entry.Delete.TableName, kind: 'delete', key: entry.Delete.Key });
    if (entry.ConditionCheck)
      writes.push({
        table: entry.ConditionCheck.TableName,
        kind: 'check',
        key: entry.ConditionCheck.Key,
      });
  }
  return writes;
}

/** The item writes a call attempted (a read call attempts none). */
function attemptedWrites(op: string, input: any, output: any): PendingWrite[] {
  switch (op) {
    case 'PutItem':
      return [{ table: input.TableName, kind: 'put', key: input.Item, item: input.Item }];
    case 'UpdateItem':
      return [{ table: input.TableName, kind: 'update', key: input.Key }];
    case 'DeleteItem':
      return [{ table: input.TableName, kind: 'delete', key: input.Key }];
    case 'BatchWriteItem':
      return batchWrites(input, output);
    case 'TransactWriteItems':
      return transactionWrites(input);
    default:
      return [];
  }
}

/**
 * The item image after a successful write, remembered as the next write's before image. An update's
 * image comes from its answer when it asked for ALL_NEW, else from DynamoDB Local.
 */
async function imageAfter(
  write: PendingWrite,
  key: string,
  before: Item | undefined,
  input: any,
  output: any,
): Promise<Item | undefined> {
  let after: Item | undefined;
  if (write.kind === 'put') after = write.item;
  else if (write.kind === 'update')
    after =
      output.Attributes && input.ReturnValues === 'ALL_NEW'
        ? output.Attributes
        : await readBack(write.table, write.key);
  else if (write.kind === 'check') after = before;
  if (write.kind !== 'check') images.set(key, write.kind === 'delete' ? null : (after ?? null));
  return after;
}

interface WriteOutcome {
  input: any;
  output: any;
  failed: boolean;
  transactional: boolean;
}

async function meterWrite(write: PendingWrite, outcome: WriteOutcome, units: UnitsByTable): Promise<void> {
  const { input, output, failed, transactional } = outcome;
  const schema = await schemaOf(write.table);
  const key = imageKey(write.table, schema, write.key);
  const before = images.get(key) ?? undefined;
  const after = failed ? undefined : await imageAfter(write, key, before, input, output);
  const itemWrite: ItemWrite = {
    before,
    after,
    transactional,
    failed,
    conditionCheck: write.kind === 'check',
  };
  const written = itemWriteUnits(itemWrite, schema);
  units.add(write.table, { writeUnits: written.table, indexWriteUnits: written.indexes });
  if (process.env.BENCH_METER_DUMP) {
    const entry = units.records.get(write.table) as MeterRecord;
    entry.writes = [
      ...(entry.writes ?? []),
      `${write.kind} ${itemBytes(before)}→${itemBytes(after)} B: ${written.table}+${written.indexes}`,
    ];
  }
}

/** The DynamoDB units of one call, one record per table. */
async function meterDynamo(
  op: string,
  input: any,
  output: any,
  status: number,
  base: Omit<MeterRecord, 'table'>,
): Promise<MeterRecord[]> {
  const failed = status >= 400;
  const conditionFailed = /ConditionalCheckFailed|TransactionCanceled/.test(String(output?.__type ?? ''));
  const units = unitsByTable(base);
  if (!failed) meterReads(op, input, output, units);
  // Another error (validation, throttling) writes nothing and is not billed.
  const writes = failed && !conditionFailed ? [] : attemptedWrites(op, input, output);
  const outcome = { input, output, failed, transactional: op === 'TransactWriteItems' };
  for (const write of writes) await meterWrite(write, outcome, units);
  if (units.records.size === 0) return [{ ...base, table: input?.TableName }];
  return [...units.records.values()];
}

function meter(
  service: MeterRecord['service'],
  op: string,
  fn: string,
  t: number,
  requestBody: string,
  response: { status: number; body: Buffer },
): Promise<MeterRecord[]> | MeterRecord[] {
  const base: MeterRecord = { t, fn, service, op, status: response.status };
  const parse = (text: string) => {
    try {
      return JSON.parse(text || '{}');
    } catch {
      return {};
    }
  };
  if (service === 'dynamodb')
    return meterDynamo(op, parse(requestBody), parse(response.body.toString()), response.status, base);
  if (service === 'events' && op === 'PutEvents' && response.status < 400) {
    const events: Record<string, number> = {};
    for (const entry of parse(requestBody).Entries ?? []) {
      events[entry.DetailType ?? '?'] =
        (events[entry.DetailType ?? '?'] ?? 0) + billedEvents(eventEntryBytes(entry));
    }
    return [{ ...base, events }];
  }
  if (service === 'sqs') {
    const request = parse(requestBody);
    const sqsFifo = String(request.QueueUrl ?? '').endsWith('.fifo');
    return [{ ...base, sqsRequests: sqsBilledRequests(op, request), sqsFifo }];
  }
  if (service === 'ses' && op === 'SendEmail' && response.status < 400) {
    const destination = parse(requestBody).Destination ?? {};
    const emails =
      (destination.ToAddresses?.length ?? 0) +
      (destination.CcAddresses?.length ?? 0) +
      (destination.BccAddresses?.length ?? 0);
    return [{ ...base, emails: Math.max(1, emails) }];
  }
  return [base];
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const t = Date.now();
  const text = body.toString();
  const { service, op } = serviceOf(req, text);
  const fn = /(?:^|\s)app\/([A-Za-z0-9_]+)/.exec(String(req.headers['user-agent'] ?? ''))?.[1] ?? 'unknown';
  const upstream =
    service === 'dynamodb' || op.startsWith('streams:') ? upstreams.dynamodb : upstreams[service];
  if (!upstream) {
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(
      JSON.stringify({
        __type: 'UnknownOperationException',
        message: `the SDK meter has no ${service} endpoint`,
      }),
    );
    return;
  }
  // DynamoDB Local's own capacity figure, as a cross-check: asked for when the function did not ask,
  // and taken out of the answer again, so the function reads exactly what it would have read.
  let asked = false;
  let sent = body;
  if (metering && service === 'dynamodb' && CAPACITY_OPERATIONS.has(op)) {
    const input = JSON.parse(text || '{}');
    if (!input.ReturnConsumedCapacity) {
      asked = true;
      sent = Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'INDEXES' }));
    }
  }
  let answer: Awaited<ReturnType<typeof forward>>;
  try {
    answer = await forward(upstream, req, sent);
  } catch (error) {
    res.writeHead(502);
    res.end(String((error as Error).message));
    return;
  }
  let reportedUnits: number | undefined;
  if (asked && answer.status === 200) {
    const output = JSON.parse(answer.body.toString() || '{}');
    const consumed = [output.ConsumedCapacity ?? []].flat() as Array<{ CapacityUnits?: number }>;
    reportedUnits = consumed.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
    delete output.ConsumedCapacity;
    const rewritten = Buffer.from(JSON.stringify(output));
    const headers: Record<string, unknown> = {
      ...answer.headers,
      'content-length': String(rewritten.length),
    };
    delete headers['x-amz-crc32']; // the SDK checks it only when present; it described the old body
    answer = { ...answer, headers, body: rewritten };
  }
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
  if (!metering) return;
  try {
    const metered = await meter(service, op, fn, t, text, answer);
    if (reportedUnits !== undefined && metered[0]) metered[0].reportedUnits = reportedUnits;
    records.push(...metered);
  } catch (error) {
    records.push({
      t,
      fn,
      service,
      op: `${op} (unmetered: ${(error as Error).message})`,
      status: answer.status,
    });
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((error) => {
    if (!res.headersSent) res.writeHead(500);
    res.end(String(error));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.SDK_METER_PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ listening: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (message: any) => {
  if (message?.snapshot) {
    metering = false;
    process.send?.({ records });
  }
});
process.on('disconnect', () => process.exit(0));
