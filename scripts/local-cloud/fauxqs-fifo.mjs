// fauxqs, with FIFO receives that behave like SQS.
//
// SQS hands a FIFO consumer up to 10 messages per receive and, for one message group, several of its messages in
// order (Lambda's FIFO batches rely on it: "SQS first attempts to return as many messages with the same message
// group ID as possible"). fauxqs (1.9.2, and 2.4.1 alike) locks a group as soon as ONE of its messages is in flight
// and so returns at most one message per group per receive; a poison message and the messages queued behind it
// never meet in one batch, which is exactly the case partial batch failures and maxReceiveCount have to handle.
//
// The SQS API alone cannot work around that: the next message of a locked group is invisible to every receive
// until the first one is deleted. So this wraps the queue's FIFO dequeue in place: it dequeues again, with the
// group locks that this very receive took hidden, until the batch is full or nothing more is available. The locks
// are fauxqs's own in-flight counters, so a group stays locked while any message of the batch is in flight, as on
// SQS. Messages that come back after their visibility timeout are put back in sequence-number order (fauxqs puts
// each back in front of its group, which reverses several messages of one group that expire together).
// fauxqs 2.4.1 (the latest major) still locks a group on its first in-flight message and has the same queue
// internals: this wrapper applies to it unchanged (checked against 2.4.1 outside the repository), so an upgrade
// does not make it redundant (decisions.md, entry 18).
// Plain ESM with JSDoc types: the Serverless CLI loads this file without a TypeScript compiler.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startFauxqs } from 'fauxqs';
import { PROJECT_ROOT } from './dev-issuer.mjs';

/** The queue class behind startFauxqs (not exported by the package: loaded from the same file it loads). */
const QUEUE_MODULE = join(PROJECT_ROOT, 'node_modules', 'fauxqs', 'dist', 'sqs', 'sqsStore.js');

let patched = false;

/**
 * startFauxqs, with FIFO receives returning several messages of a group.
 * @param {Parameters<typeof startFauxqs>[0]} options
 */
export async function startLocalSqs(options) {
  await receiveFifoGroupsInBatches();
  return startFauxqs(options);
}

/** Applies the FIFO receive behaviour to every fauxqs queue of this process (idempotent). */
export async function receiveFifoGroupsInBatches() {
  if (patched) return;
  if (!existsSync(QUEUE_MODULE)) {
    throw new Error(`fauxqs-fifo: ${QUEUE_MODULE} not found; check the fauxqs version (written for 1.9.2).`);
  }
  const { SqsQueue } = await import(pathToFileURL(QUEUE_MODULE).href);
  const proto = SqsQueue?.prototype;
  for (const method of ['dequeueFifo', 'processTimers', 'isFifo']) {
    if (typeof proto?.[method] !== 'function') {
      throw new Error(
        `fauxqs-fifo: SqsQueue.${method} is missing; check the fauxqs version (written for 1.9.2).`,
      );
    }
  }
  const dequeueOnePerGroup = proto.dequeueFifo;
  const processTimers = proto.processTimers;

  /**
   * @this {any}
   * @param {number} maxCount
   * @param {number | undefined} visibilityTimeoutOverride
   * @param {unknown} dlqResolver
   */
  proto.dequeueFifo = function dequeueFifo(maxCount, visibilityTimeoutOverride, dlqResolver) {
    const limit = Math.min(maxCount, 10);
    /** @type {{ ReceiptHandle: string }[]} */
    const received = [];
    /** @type {Map<{ ReceiptHandle: string }, string>} */
    const groupOf = new Map();
    /** Groups this receive took messages from (they were unlocked when it started, or it could not have). */
    const taken = new Set();
    while (received.length < limit) {
      /** @type {Map<string, number>} */
      const hidden = new Map();
      for (const group of taken) {
        const count = this.fifoLockedGroups.get(group);
        if (count !== undefined) hidden.set(group, count);
        this.fifoLockedGroups.delete(group);
      }
      const batch = dequeueOnePerGroup.call(
        this,
        limit - received.length,
        visibilityTimeoutOverride,
        dlqResolver,
      );
      for (const [group, count] of hidden) {
        this.fifoLockedGroups.set(group, count + (this.fifoLockedGroups.get(group) ?? 0));
      }
      if (batch.length === 0) break;
      for (const message of batch) {
        const group = this.inflightMessages.get(message.ReceiptHandle)?.message.messageGroupId ?? '__default';
        groupOf.set(message, group);
        taken.add(group);
        received.push(message);
      }
    }
    // One group's messages together, groups in the order they were first served, each group in its own order.
    const groups = [...new Set(received.map((message) => groupOf.get(message)))];
    return groups.flatMap((group) => received.filter((message) => groupOf.get(message) === group));
  };

  /** @this {any} */
  proto.processTimers = function processTimersInOrder() {
    processTimers.call(this);
    if (!this.isFifo()) return;
    for (const messages of this.fifoMessages.values()) {
      if (messages.length > 1) messages.sort(bySequenceNumber);
    }
  };

  patched = true;
}

/**
 * fauxqs numbers FIFO messages with zero-padded decimal strings; compare them as numbers all the same.
 * @param {{ sequenceNumber?: string }} a
 * @param {{ sequenceNumber?: string }} b
 */
function bySequenceNumber(a, b) {
  const x = BigInt(a.sequenceNumber ?? '0');
  const y = BigInt(b.sequenceNumber ?? '0');
  return x < y ? -1 : x > y ? 1 : 0;
}
