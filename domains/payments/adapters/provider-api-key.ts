import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

/** The provider's API key as the HTTP adapter uses it: the current one, and a fresh read after a 401. */
export interface ProviderApiKey {
  /** The key, read again from the secret once the cached copy is older than its maximum age. */
  current(): Promise<string>;
  /** Reads the secret again now, bypassing the cache: the provider refused the key, so it was rotated. */
  refresh(): Promise<string>;
}

export type ReadSecret = (name: string, options: { maxAge: number; forceFetch: boolean }) => Promise<unknown>;

/**
 * How long an execution environment keeps using a key it read. A rotation that keeps the old key valid for
 * a while reaches every container within this time; one that revokes the old key at once is caught by the
 * provider's 401, which refreshes the key immediately (HttpPaymentProvider).
 */
export const API_KEY_MAX_AGE_SECONDS = 300;

/**
 * Where the provider's API key comes from: the environment when set (local stages, where a refresh reads
 * the same value), otherwise a Secrets Manager secret holding the key itself or JSON with an `apiKey`
 * field. The cache is Powertools' own, per maxAge; a failed read is not cached, so the next call tries again.
 */
export function providerApiKey(options: {
  fromEnvironment: string | undefined;
  secretName: () => string;
  maxAgeSeconds?: number;
  readSecret?: ReadSecret;
}): ProviderApiKey {
  const { fromEnvironment } = options;
  if (fromEnvironment) {
    const key = async () => fromEnvironment;
    return { current: key, refresh: key };
  }
  const maxAge = options.maxAgeSeconds ?? API_KEY_MAX_AGE_SECONDS;
  const readSecret: ReadSecret = options.readSecret ?? ((name, readOptions) => getSecret(name, readOptions));
  const read = async (forceFetch: boolean) => {
    const name = options.secretName();
    return apiKeyIn(name, await readSecret(name, { maxAge, forceFetch }));
  };
  return { current: () => read(false), refresh: () => read(true) };
}

function apiKeyIn(name: string, secret: unknown): string {
  const text =
    typeof secret === 'string'
      ? secret
      : secret instanceof Uint8Array
        ? new TextDecoder().decode(secret)
        : '';
  const apiKey = text.trimStart().startsWith('{') ? jsonField(name, text) : text;
  if (typeof apiKey !== 'string' || apiKey === '') {
    throw new Error(`Secret ${name} holds no payment provider API key (a string, or JSON with "apiKey")`);
  }
  return apiKey;
}

function jsonField(name: string, text: string): unknown {
  try {
    return (JSON.parse(text) as { apiKey?: unknown }).apiKey;
  } catch {
    // Not the parser's message: it quotes the text, and the text is the secret.
    throw new Error(`Secret ${name} starts like JSON but is not valid JSON`);
  }
}
