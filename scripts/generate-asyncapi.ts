/**
 * Writes the AsyncAPI 3 document of every event contract to `docs/asyncapi.json`, generated from `events/`
 * (contracts in `allContracts`, examples from `events/samples/`): never edit the document by hand.
 *
 *   npm run docs:asyncapi                          # regenerate docs/asyncapi.json, report snapshot status
 *   npm run docs:asyncapi -- --update-snapshots    # also create missing snapshots of released versions
 *                                                  # and refresh compatible ones; refuses breaking changes
 *
 * Snapshots (`events/snapshots/<Type>.v<version>.json`) are what `tests/unit/events/compatibility.test.ts`
 * compares the contracts with (docs/events.md). Exit code 1 when a snapshot could not be updated.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type ContractSnapshot,
  checkAgainstSnapshot,
  contractJsonSchema,
  createSnapshot,
  snapshotFileName,
} from '../events/compatibility.js';
import type { EventContract } from '../events/envelope.js';
import { allContracts } from '../events/index.js';

type Contract = EventContract<string, unknown>;
type Json = Record<string, unknown>;

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ASYNCAPI_PATH = join(ROOT, 'docs/asyncapi.json');
export const SNAPSHOTS_DIR = join(ROOT, 'events/snapshots');
const SAMPLES_DIR = join(ROOT, 'events/samples');
export const UPDATE_SNAPSHOTS_COMMAND = 'npm run docs:asyncapi -- --update-snapshots';

/** The EventBridge `source` of a producing domain (`commerce.orders`). */
export function eventSource(producer: string): string {
  return `commerce.${producer}`;
}

const messageId = (contract: Contract) => `${contract.type}.v${contract.version}`;

/** The bus event of `events/samples/<Type>.v<version>.json`, if there is one. */
function sampleOf(
  contract: Contract,
): { source: string; 'detail-type': string; detail: unknown } | undefined {
  const file = join(SAMPLES_DIR, `${messageId(contract)}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

function message(contract: Contract): Json {
  const source = eventSource(contract.producer);
  const sample = sampleOf(contract);
  return {
    name: contract.type,
    title: `${contract.type} v${contract.version}`,
    summary: `${contract.type}, version ${contract.version}, published by ${contract.producer} (source ${source}).`,
    contentType: 'application/json',
    correlationId: { $ref: '#/components/correlationIds/correlationId' },
    headers: {
      description: 'The EventBridge fields around the payload (`detail`) that rules match on.',
      type: 'object',
      properties: {
        source: { type: 'string', const: source },
        'detail-type': { type: 'string', const: contract.type },
      },
      required: ['source', 'detail-type'],
    },
    payload: {
      schemaFormat: 'application/schema+json;version=draft-07',
      schema: contractJsonSchema(contract),
    },
    ...(sample && {
      examples: [
        {
          name: messageId(contract),
          summary: `events/samples/${messageId(contract)}.json`,
          headers: { source: sample.source, 'detail-type': sample['detail-type'] },
          payload: sample.detail,
        },
      ],
    }),
    tags: [{ name: contract.producer }],
  };
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The AsyncAPI 3.0.0 document: a channel per detail-type, a message per contract version, a send operation per producer and detail-type. */
export function buildAsyncApiDocument(contracts: ReadonlyArray<Contract> = allContracts): Json {
  const sorted = [...contracts].sort((a, b) => a.type.localeCompare(b.type) || a.version - b.version);
  const types = [...new Set(sorted.map((contract) => contract.type))];
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};

  for (const type of types) {
    const versions = sorted.filter((contract) => contract.type === type);
    const producers = [...new Set(versions.map((contract) => contract.producer))].sort();
    channels[type] = {
      address: type,
      title: type,
      description: `EventBridge events with detail-type \`${type}\` (source ${producers.map((p) => `\`${eventSource(p)}\``).join(', ')}). Versions are published side by side; \`metadata.eventVersion\` tells them apart.`,
      servers: [{ $ref: '#/servers/eventbridge' }],
      messages: Object.fromEntries(
        versions.map((contract) => [
          messageId(contract),
          { $ref: `#/components/messages/${messageId(contract)}` },
        ]),
      ),
    };
    for (const producer of producers) {
      const source = eventSource(producer);
      operations[`${producer}.send${type}`] = {
        action: 'send',
        channel: { $ref: `#/channels/${type}` },
        title: `${producer} publishes ${type}`,
        description: `The ${producer} domain publishes ${type} through its transactional outbox: PutEvents with Source \`${source}\` and DetailType \`${type}\`.`,
        tags: [{ name: producer }],
        messages: versions
          .filter((contract) => contract.producer === producer)
          .map((contract) => ({ $ref: `#/channels/${type}/messages/${messageId(contract)}` })),
        'x-eventbridge': { source, detailType: type },
      };
    }
    for (const contract of versions) messages[messageId(contract)] = message(contract);
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Commerce events',
      version: packageVersion(),
      description: [
        'Every event published on the commerce event bus. Generated from `events/` by `npm run docs:asyncapi`: do not edit by hand.',
        '',
        'The payload is the EventBridge `detail`: `{ metadata, data }`. `metadata` carries `eventId`, `eventType`, `eventVersion`, `occurredAt`, `correlationId` (from the HTTP request, copied into every event downstream), `causationId` (the event or request that caused this one) and `producer`.',
        '',
        'Delivery is at least once and may be out of order: consumers are idempotent through their own state: writes conditional on the aggregate version or status they read, or on a record keyed by `metadata.eventId`. Consumers accept unknown fields; a breaking change is a new version, published side by side until no consumer needs the old one (docs/events.md).',
      ].join('\n'),
    },
    defaultContentType: 'application/json',
    servers: {
      eventbridge: {
        host: 'events.{region}.amazonaws.com',
        protocol: 'https',
        title: 'Amazon EventBridge',
        summary: 'The custom event bus of the stage, `commerce-<stage>-bus`.',
        description:
          'Producers publish with PutEvents from their transactional outbox; consumers subscribe with rules on `source` and `detail-type` (Lambda targets, a standard SQS queue of the consumer read in batches, or an SQS FIFO queue through a forwarder). Every event is archived for replays. `npm start` runs a local emulator of the same API (scripts/local-cloud).',
        variables: { region: { default: 'us-east-1', description: 'The AWS region of the stage.' } },
        'x-eventbridge-bus-name': 'commerce-<stage>-bus',
      },
    },
    channels,
    operations,
    components: {
      messages,
      correlationIds: {
        correlationId: {
          description:
            'Starts at the HTTP request (or its `x-correlation-id` header) and is copied into every event.',
          location: '$message.payload#/metadata/correlationId',
        },
      },
    },
  };
}

export function readSnapshot(contract: { type: string; version: number }): ContractSnapshot | undefined {
  const file = join(SNAPSHOTS_DIR, snapshotFileName(contract));
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ContractSnapshot) : undefined;
}

/** Snapshot files whose contract version is no longer in `contracts`. */
export function orphanSnapshots(contracts: ReadonlyArray<Contract> = allContracts): string[] {
  if (!existsSync(SNAPSHOTS_DIR)) return [];
  const published = new Set(contracts.map(snapshotFileName));
  return readdirSync(SNAPSHOTS_DIR)
    .filter((file) => file.endsWith('.json') && !published.has(file))
    .sort();
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function main(args: string[]): void {
  const { values } = parseArgs({ args, options: { 'update-snapshots': { type: 'boolean' } } });
  const update = values['update-snapshots'] === true;

  const document = buildAsyncApiDocument();
  writeJson(ASYNCAPI_PATH, document);
  console.log(
    `Wrote ${relative(ROOT, ASYNCAPI_PATH)}: ${Object.keys(document.channels as Json).length} channels, ${allContracts.length} messages.`,
  );

  const written: string[] = [];
  const pending: string[] = [];
  for (const contract of allContracts) {
    const name = `${contract.type} v${contract.version}`;
    const file = join(SNAPSHOTS_DIR, snapshotFileName(contract));
    const check = checkAgainstSnapshot(contract, readSnapshot(contract));
    if (check.status === 'breaking') {
      process.exitCode = 1;
      console.error(
        `${name} breaks its released snapshot ${relative(ROOT, file)}; publish a new version side by side instead:\n${check.problems.map((problem) => `  - ${problem}`).join('\n')}`,
      );
    } else if (check.status !== 'current') {
      if (update) {
        writeJson(file, createSnapshot(contract));
        written.push(file);
        console.log(`${check.status === 'missing' ? 'Created' : 'Refreshed'} ${relative(ROOT, file)}.`);
      } else {
        pending.push(`${name} (${check.status})`);
      }
    }
  }
  if (pending.length > 0) {
    console.log(`Snapshots to write: ${pending.join(', ')}. Run \`${UPDATE_SNAPSHOTS_COMMAND}\`.`);
  }
  for (const orphan of orphanSnapshots()) {
    console.warn(
      `events/snapshots/${orphan} has no contract in allContracts: keep released versions published side by side; delete the snapshot only when the version is retired.`,
    );
  }
  if (written.length > 0) {
    // Biome formats JSON differently from JSON.stringify (short arrays on one line): keep `npm run lint` clean.
    execFileSync(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', ...written], {
      stdio: 'ignore',
    });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
