import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEventBus } from '../../../scripts/local-cloud/event-bus.mjs';

let dir: string;
let archiveFile: string;
let bus: Awaited<ReturnType<typeof startEventBus>> | undefined;

async function start(clearArchiveOnStart: boolean) {
  bus = await startEventBus({
    port: 0,
    region: 'us-east-1',
    accountId: '123456789012',
    rules: [],
    deliver: { lambda: async () => ({ ok: true }), sqs: async () => undefined },
    log: () => undefined,
    archiveFile,
    clearArchiveOnStart,
  });
  return new EventBridgeClient({
    endpoint: bus.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

const archived = () =>
  readFileSync(archiveFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bus-archive-'));
  archiveFile = join(dir, 'bus-archive.jsonl');
});
afterEach(async () => {
  await bus?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('local event bus archive (EventBridge archive stand-in)', () => {
  it('appends every accepted event, whole, one JSON per line, and nothing that was refused', async () => {
    const client = await start(true);

    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'commerce.orders',
            DetailType: 'OrderPlaced',
            Detail: '{"data":{"orderId":"o-1"}}',
            EventBusName: 'commerce',
          },
          {
            Source: 'commerce.orders',
            DetailType: 'OrderPlaced',
            Detail: 'not json',
            EventBusName: 'commerce',
          },
          {
            Source: 'commerce.orders',
            DetailType: 'OrderConfirmed',
            Detail: '{"data":{"orderId":"o-1"}}',
            EventBusName: 'commerce',
          },
        ],
      }),
    );
    client.destroy();

    expect(result.FailedEntryCount).toBe(1);
    const events = archived();
    expect(events.map((event) => event['detail-type'])).toEqual(['OrderPlaced', 'OrderConfirmed']);
    expect(events[0]).toMatchObject({
      version: '0',
      id: result.Entries?.[0]?.EventId,
      source: 'commerce.orders',
      account: '123456789012',
      region: 'us-east-1',
      detail: { data: { orderId: 'o-1' } },
    });
  });

  it('starts empty for a stage without persisted data, and keeps what it had otherwise', async () => {
    writeFileSync(archiveFile, '{"earlier":true}\n');
    await start(false);
    expect(archived()).toEqual([{ earlier: true }]);
    await bus?.stop();

    await start(true);
    expect(archived()).toEqual([]);
  });
});
