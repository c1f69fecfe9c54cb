import type { Drill } from '../harness.js';
import { authAttacks } from './auth-attacks.js';
import { busOutage } from './bus-outage.js';
import { consumerCrashRedrive } from './consumer-crash-redrive.js';
import { duplicateDelivery } from './duplicate-delivery.js';
import { fifoPoisonBatch } from './fifo-poison-batch.js';
import { hostileInput } from './hostile-input.js';
import { outOfOrder } from './out-of-order.js';
import { oversell } from './oversell.js';
import { providerOutage } from './provider-outage.js';
import { relayExhausted } from './relay-exhausted.js';
import { replayRebuild } from './replay-rebuild.js';
import { ruleConsumerCrash } from './rule-consumer-crash.js';

export {
  authAttacks,
  busOutage,
  consumerCrashRedrive,
  duplicateDelivery,
  fifoPoisonBatch,
  hostileInput,
  outOfOrder,
  oversell,
  providerOutage,
  relayExhausted,
  replayRebuild,
  ruleConsumerCrash,
};

/** Every drill, in the order `npm run drill` runs them (replay-rebuild last: it rebuilds everything before). */
export const allDrills: Drill[] = [
  authAttacks,
  hostileInput(),
  oversell,
  duplicateDelivery,
  outOfOrder,
  busOutage(),
  consumerCrashRedrive,
  ruleConsumerCrash,
  relayExhausted(),
  fifoPoisonBatch,
  providerOutage,
  replayRebuild,
];
