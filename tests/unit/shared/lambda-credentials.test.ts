import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { defaultProvider } from '../../../shared/aws/lambda-credentials.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe("a function's credentials (shared/aws/lambda-credentials.ts)", () => {
  afterEach(() => vi.unstubAllEnvs());

  it('are the execution role credentials Lambda puts in the environment', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'session');

    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'session',
    });
  });

  it('fail with the SDK’s own error when the environment holds none, rather than looking elsewhere', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');

    await expect(defaultProvider()()).rejects.toThrow(/Unable to find environment variable credentials/);
  });

  it('replace the default chain in every bundle: no SSO, ini, web identity or login provider, nor their clients', async () => {
    // given the esbuild settings serverless.yml bundles every function with
    const { alias } = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')).custom.esbuild;

    // when a handler using DynamoDB is bundled with them
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: ['functions/catalog/get-product.ts'],
      alias,
      bundle: true,
      platform: 'node',
      format: 'esm',
      mainFields: ['module', 'main'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });

    // then the credentials come from the environment only
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('shared/aws/lambda-credentials.ts');
    expect(
      inputs.filter((file) => /credential-provider-(?!env)|nested-clients|token-providers/.test(file)),
    ).toEqual([]);
  });
});
