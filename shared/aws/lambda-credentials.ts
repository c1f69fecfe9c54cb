/**
 * What the SDK clients' default credential chain resolves to inside a Lambda function, and only that.
 *
 * Every function bundle takes this module in place of `@aws-sdk/credential-provider-node` (esbuild's
 * `alias`, serverless.yml `custom.esbuild`). Lambda hands a function its execution role's credentials in
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, which the default chain's first link
 * (`fromEnv`) reads; the local cloud sets the same variables. The chain's other links (SSO, shared ini
 * files, credential processes, web identity tokens, console login, instance metadata) can never answer
 * there, yet they pulled their own STS, SSO and sign-in clients into every zip: about 95 KB of minified
 * code, 30 KB compressed (docs/decisions.md, entry 42). Tooling that runs on a laptop (`scripts/`) is
 * not bundled and keeps the full chain.
 *
 * The exports mirror `@aws-sdk/credential-provider-node`'s, which the clients' runtime configs import.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type ProviderInit = Parameters<typeof fromEnv>[0];
type CredentialProvider = ReturnType<typeof fromEnv>;
type Credentials = Awaited<ReturnType<CredentialProvider>>;

export const defaultProvider = (init: ProviderInit = {}): CredentialProvider => fromEnv(init);

/** As the default chain's: credentials with an expiry are refreshed five minutes before it. */
export const credentialsWillNeedRefresh = (credentials?: Credentials): boolean =>
  credentials?.expiration !== undefined;

export const credentialsTreatedAsExpired = (credentials?: Credentials): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
