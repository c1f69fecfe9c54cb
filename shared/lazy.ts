/**
 * A value built on first use and kept for the life of the execution environment: how composition roots
 * create adapters, so a cold start pays only for what the invocation uses, and a test that never calls
 * the function never needs its environment variables.
 */
export function onFirstUse<Value>(build: () => Value): () => Value {
  let value: Value | undefined;
  return () => {
    value ??= build();
    return value;
  };
}
