import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

/**
 * Where the provider's API key comes from: the environment when set (local stages), otherwise a Secrets
 * Manager secret read once per execution environment. The secret is either the key itself or JSON with
 * an `apiKey` field. A failed read is not cached, so the next call tries again.
 */
export function providerApiKey(options: {
  fromEnvironment: string | undefined;
  secretName: () => string;
  readSecret?: (name: string) => Promise<unknown>;
}): () => Promise<string> {
  const { fromEnvironment } = options;
  if (fromEnvironment) return async () => fromEnvironment;
  const readSecret = options.readSecret ?? ((name: string) => getSecret(name, { maxAge: 3600 }));
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= load(options.secretName(), readSecret).catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}

async function load(name: string, readSecret: (name: string) => Promise<unknown>): Promise<string> {
  const secret = await readSecret(name);
  const text =
    typeof secret === 'string'
      ? secret
      : secret instanceof Uint8Array
        ? new TextDecoder().decode(secret)
        : '';
  const apiKey = text.trimStart().startsWith('{') ? (JSON.parse(text) as { apiKey?: unknown }).apiKey : text;
  if (typeof apiKey !== 'string' || apiKey === '') {
    throw new Error(`Secret ${name} holds no payment provider API key (a string, or JSON with "apiKey")`);
  }
  return apiKey;
}
