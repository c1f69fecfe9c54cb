import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  API_KEY_MAX_AGE_SECONDS,
  providerApiKey,
} from '../../../domains/payments/adapters/provider-api-key.js';

describe('providerApiKey', () => {
  it('uses the key from the environment when one is set, without reading any secret', async () => {
    const readSecret = vi.fn();

    const key = providerApiKey({ fromEnvironment: 'sandbox-key', secretName: () => 'unused', readSecret });

    expect([await key.current(), await key.refresh()]).toEqual(['sandbox-key', 'sandbox-key']);
    expect(readSecret).not.toHaveBeenCalled();
  });

  it('reads the secret as a plain key or JSON with apiKey, with its maximum age', async () => {
    const plain = vi.fn(async () => 'sk_live_plain');
    const json = vi.fn(async () => JSON.stringify({ apiKey: 'sk_live_json' }));

    const plainKey = providerApiKey({
      fromEnvironment: '',
      secretName: () => 'commerce/dev/payments/provider',
      readSecret: plain,
    });
    const jsonKey = providerApiKey({
      fromEnvironment: undefined,
      secretName: () => 'name',
      readSecret: json,
    });

    expect(await plainKey.current()).toBe('sk_live_plain');
    expect(plain).toHaveBeenCalledWith('commerce/dev/payments/provider', {
      maxAge: API_KEY_MAX_AGE_SECONDS,
      forceFetch: false,
    });
    expect(await jsonKey.current()).toBe('sk_live_json');
  });

  it('tries again after a failed read, and refuses a secret without a key without quoting it', async () => {
    const readSecret = vi
      .fn()
      .mockRejectedValueOnce(new Error('throttled'))
      .mockResolvedValueOnce('{"other":1}')
      .mockResolvedValueOnce('{not json sk_live_secret');
    const key = providerApiKey({ fromEnvironment: undefined, secretName: () => 'name', readSecret });

    await expect(key.current()).rejects.toThrow('throttled');
    await expect(key.current()).rejects.toThrow(/holds no payment provider API key/);
    const invalid = await key.current().catch((error: Error) => error.message);
    expect(invalid).toMatch(/not valid JSON/);
    expect(invalid).not.toContain('sk_live_secret');
    expect(readSecret).toHaveBeenCalledTimes(3);
  });
});

describe('providerApiKey with Powertools and Secrets Manager', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  let stored: string;
  let secretName: string;
  let tests = 0;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    stored = 'sk_old';
    // Powertools keeps one cache per process: a secret per test, so none sees another's cached key.
    secretName = `commerce/test/payments/provider-${++tests}`;
    secretsManager.reset();
    secretsManager
      .on(GetSecretValueCommand)
      .callsFake(async () => ({ SecretString: JSON.stringify({ apiKey: stored }) }));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps a read key for its maximum age, then uses the rotated one', async () => {
    const key = providerApiKey({ fromEnvironment: undefined, secretName: () => secretName });
    expect(await key.current()).toBe('sk_old');

    // when the secret is rotated
    stored = 'sk_new';
    vi.advanceTimersByTime((API_KEY_MAX_AGE_SECONDS - 1) * 1000);
    // then the cached key serves until its maximum age, from one read
    expect(await key.current()).toBe('sk_old');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    vi.advanceTimersByTime(2000);
    expect(await key.current()).toBe('sk_new');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('reads the secret again at once on refresh, and keeps the fresh key afterwards', async () => {
    const key = providerApiKey({ fromEnvironment: undefined, secretName: () => secretName });
    expect(await key.current()).toBe('sk_old');

    stored = 'sk_new';
    expect(await key.refresh()).toBe('sk_new');
    expect(await key.current()).toBe('sk_new');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});
