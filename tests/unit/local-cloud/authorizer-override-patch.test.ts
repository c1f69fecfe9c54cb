/**
 * Upstream serverless-offline lets the `sls-offline-authorizer-override` request header and the
 * `AUTHORIZER` environment variable replace the authorizer context that a function reads its caller
 * from. patches/serverless-offline+14.8.2.patch removes both: the event a function receives carries
 * only the claims of the token the JWT authorizer verified, as on API Gateway. The auth-attacks drill
 * proves the same through a running stack.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../scripts/local-cloud/dev-issuer.mjs';

const EVENTS_DIR = join(PROJECT_ROOT, 'node_modules/serverless-offline/src/events/http/lambda-events');

interface HttpApiEvent {
  requestContext: { authorizer: { jwt?: { claims?: Record<string, unknown> } } };
}
type EventClass = new (request: unknown, stage: string, routeKey: string) => { create(): HttpApiEvent };

let LambdaProxyIntegrationEventV2: EventClass;

beforeAll(async () => {
  const file = pathToFileURL(join(EVENTS_DIR, 'LambdaProxyIntegrationEventV2.js')).href;
  ({ default: LambdaProxyIntegrationEventV2 } = (await import(file)) as { default: EventClass });
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Customer A's token as the authorizer let it through (its signature is checked there, not here). */
const customerA = `${b64({ alg: 'RS256', kid: 'k' })}.${b64({ sub: 'customer-a', 'cognito:groups': [] })}.sig`;
/** What an attacker would put in the header or the environment: customer B, an admin. */
const customerB = JSON.stringify({ jwt: { claims: { sub: 'customer-b', 'cognito:groups': ['admin'] } } });

/** A hapi request with only what the event builder reads. */
function request(headers: Record<string, string>) {
  return {
    auth: { credentials: { claims: { sub: 'customer-a' } } },
    headers: { 'user-agent': 'vitest' },
    info: { received: Date.now(), remoteAddress: '127.0.0.1' },
    method: 'get',
    params: {},
    payload: null,
    raw: { req: { rawHeaders: Object.entries(headers).flat() } },
    state: {},
    url: new URL('http://127.0.0.1/orders'),
  };
}

const callerOf = (event: HttpApiEvent) => event.requestContext.authorizer.jwt?.claims?.sub;

describe('patched serverless-offline: no one replaces the verified caller', () => {
  afterEach(() => {
    delete process.env.AUTHORIZER;
  });

  it('ignores the sls-offline-authorizer-override header', () => {
    const event = new LambdaProxyIntegrationEventV2(
      request({ Authorization: `Bearer ${customerA}`, 'sls-offline-authorizer-override': customerB }),
      'test',
      'GET /orders',
    ).create();

    expect(callerOf(event)).toBe('customer-a');
    expect(JSON.stringify(event.requestContext.authorizer)).not.toContain('customer-b');
  });

  it('ignores the AUTHORIZER environment variable', () => {
    process.env.AUTHORIZER = customerB;

    const event = new LambdaProxyIntegrationEventV2(
      request({ Authorization: `Bearer ${customerA}` }),
      'test',
      'GET /orders',
    ).create();

    expect(callerOf(event)).toBe('customer-a');
    expect(JSON.stringify(event.requestContext.authorizer)).not.toContain('admin');
  });
});
