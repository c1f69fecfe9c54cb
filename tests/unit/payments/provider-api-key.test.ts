import { describe, expect, it, vi } from 'vitest';
import { providerApiKey } from '../../../domains/payments/adapters/provider-api-key.js';

describe('providerApiKey', () => {
  it('uses the key from the environment when one is set, without reading any secret', async () => {
    const readSecret = vi.fn();

    const key = providerApiKey({ fromEnvironment: 'sandbox-key', secretName: () => 'unused', readSecret });

    expect(await key()).toBe('sandbox-key');
    expect(readSecret).not.toHaveBeenCalled();
  });

  it('reads the secret once per environment, as a plain key or JSON with apiKey', async () => {
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

    expect([await plainKey(), await plainKey()]).toEqual(['sk_live_plain', 'sk_live_plain']);
    expect(plain).toHaveBeenCalledOnce();
    expect(plain).toHaveBeenCalledWith('commerce/dev/payments/provider');
    expect(await jsonKey()).toBe('sk_live_json');
  });

  it('tries again after a failed read, and refuses a secret without a key', async () => {
    const readSecret = vi.fn().mockRejectedValueOnce(new Error('throttled')).mockResolvedValue('{"other":1}');
    const key = providerApiKey({ fromEnvironment: undefined, secretName: () => 'name', readSecret });

    await expect(key()).rejects.toThrow('throttled');
    await expect(key()).rejects.toThrow(/holds no payment provider API key/);
    expect(readSecret).toHaveBeenCalledTimes(2);
  });
});
