/**
 * Waits for something asynchronous to become true — an event on the bus, a state in a table — by
 * polling with a deadline, instead of sleeping for a guessed time.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false>,
  options: { timeoutMs?: number; intervalMs?: number; description: string },
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`Timed out waiting for ${options.description}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

/**
 * Asserts that something does NOT happen: the probe must hold on every poll for the whole window.
 * Used after redelivering events, where the correct outcome is that nothing changes.
 */
export async function holdsFor(
  probe: () => Promise<boolean>,
  options: { windowMs: number; intervalMs?: number; description: string },
): Promise<void> {
  const end = Date.now() + options.windowMs;
  while (Date.now() < end) {
    if (!(await probe())) throw new Error(`Expected ${options.description} to hold, but it did not`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}

/** `eventually` for tight local polling loops: resolves with the probe's first value that is set. */
export function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  return eventually(async () => probe(), { timeoutMs, intervalMs: 25, description: 'the condition' });
}
