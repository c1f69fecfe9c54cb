import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startStreamPoller } from '../../../scripts/local-cloud/stream-poller.mjs';

/*
 * How often the local stream poller reads an idle shard. Lambda polls a DynamoDB stream shard at a base
 * rate of 4 times a second; a local poller that read more often would make every stream hop of the saga
 * quicker than on AWS. The clock is vitest's fake one, so the reads' start times are exact, not measured.
 */
const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2026-12-02T00:00:00.000';

/** A stream of one open, empty shard whose GetRecords takes `readMs`; records when each read started. */
function emptyStream(readMs: number) {
  const readsStartedAt: number[] = [];
  const streams = {
    async send(command: unknown) {
      if (command instanceof DescribeStreamCommand) {
        return {
          StreamDescription: {
            StreamStatus: 'ENABLED',
            Shards: [{ ShardId: 'shard-1', SequenceNumberRange: { StartingSequenceNumber: '1' } }],
          },
        };
      }
      if (command instanceof GetShardIteratorCommand) return { ShardIterator: 'iterator-0' };
      if (command instanceof GetRecordsCommand) {
        readsStartedAt.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, readMs));
        return { Records: [], NextShardIterator: `iterator-${readsStartedAt.length}` };
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  return { streams, readsStartedAt };
}

const gapsBetween = (times: number[]) => times.slice(1).map((time, index) => time - (times[index] as number));

let stopPoller: (() => Promise<void>) | undefined;

beforeEach(() => {
  vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});

afterEach(async () => {
  // Stopping waits for the read in flight, whose delay is on the fake clock: move the clock until it ends.
  let stopped = false;
  const stopping = stopPoller?.().then(() => {
    stopped = true;
  });
  for (let tick = 0; tick < 100 && stopping && !stopped; tick++) await vi.advanceTimersByTimeAsync(100);
  await stopping;
  stopPoller = undefined;
  vi.useRealTimers();
});

/** A poller with the default interval on the given stream, stopped after the test. */
function startPollerOn(streams: ReturnType<typeof emptyStream>['streams']) {
  const poller = startStreamPoller({
    streams: streams as never,
    streamArn: STREAM_ARN,
    functionKey: 'relay',
    invoke: async () => ({ ok: true, payload: undefined }),
    log: () => undefined,
  });
  stopPoller = () => poller.stop();
}

describe('the local stream poller on an idle shard', () => {
  it.each([
    ['a quick GetRecords', 5],
    ['a GetRecords that takes 100 ms', 100],
  ])(
    'starts a read every 250 ms by default, as Lambda does (4 a second), after %s',
    async (_case, readMs) => {
      const { streams, readsStartedAt } = emptyStream(readMs);
      startPollerOn(streams);

      await vi.advanceTimersByTimeAsync(2_000);

      expect(readsStartedAt.length).toBeGreaterThanOrEqual(7);
      expect(new Set(gapsBetween(readsStartedAt))).toEqual(new Set([250]));
    },
  );

  it('reads again at once when a GetRecords took longer than the interval', async () => {
    const { streams, readsStartedAt } = emptyStream(400);
    startPollerOn(streams);

    await vi.advanceTimersByTimeAsync(2_000);

    // (a zero-length timeout still takes the 1 ms timers are clamped to)
    const gaps = gapsBetween(readsStartedAt);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    for (const gap of gaps) expect(gap).toBeLessThanOrEqual(401);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(400);
  });
});
