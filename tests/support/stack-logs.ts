import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file tests/e2e/global-setup.ts writes everything the test stack prints to. */
export const STACK_LOG = join(import.meta.dirname, '..', '..', '.local', 'test', 'stack.log');

/** Everything the test stack (every function included) has printed so far in this run. */
export function stackLogs(): string {
  return readFileSync(STACK_LOG, 'utf8');
}

/** The log lines that mention `needle` (e.g. a card token, an e-mail address): a leak when not empty. */
export function logLinesMentioning(needle: string): string[] {
  return stackLogs()
    .split('\n')
    .filter((line) => line.includes(needle));
}
