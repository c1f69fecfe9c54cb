import { afterAll, describe, expect, it } from 'vitest';
import { authAttacks, busOutage, hostileInput } from '../../scripts/drill/drills/index.js';
import { type Drill, setBusOutage, setSandboxOutage, stackFor } from '../../scripts/drill/harness.js';
import { TEST_STAGE } from '../support/stack.js';

/*
 * A fast subset of the fault drills of `npm run drill` (scripts/drill/), against the e2e stack (stage
 * test): the same modules with reduced sizes. The full drills run on their own stage with `npm run drill`.
 */
const stack = stackFor(TEST_STAGE);

async function run(drill: Drill) {
  const result = await drill.run({ stack, quick: true, progress: () => undefined });
  expect(result.passed, `${drill.name}: ${result.detail}`).toBe(true);
}

afterAll(async () => {
  await setBusOutage(stack, false);
  await setSandboxOutage(stack, 'off');
});

describe.sequential('fault drills (fast subset of npm run drill)', () => {
  it(
    'auth-attacks: forged, expired, foreign and unauthorized credentials never pass',
    () => run(authAttacks),
    180_000,
  );

  it(
    'hostile-input: generated malformed requests get no 5xx and write nothing',
    () => run(hostileInput({ requests: 150 })),
    180_000,
  );

  it(
    'bus-outage: orders placed while PutEvents fails all complete once the bus is back',
    () => run(busOutage({ outageMs: 4_000, orders: 2 })),
    240_000,
  );
});
