import { createCommerceClient } from '../../client/index.js';
import { issuerUrlForStage, keysDirForStage, signDevToken } from '../../scripts/local-cloud/dev-issuer.mjs';
import { assertDocumented } from './contract.js';
import { eventually } from './eventually.js';
import { stack, TEST_STAGE } from './stack.js';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

async function jsonOrText(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text; // not JSON: keep the text, the assertion will show it
  }
}

/**
 * `fetch` for the API under test: every response is checked against the documented response schema of
 * its route and status (tests/support/contract.ts); a mismatch fails the test that made the call.
 */
export const documentedFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const url = typeof input === 'string' || input instanceof URL ? String(input) : input.url;
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  assertDocumented(method, url, {
    status: response.status,
    headers: response.headers,
    body: await jsonOrText(response.clone()),
  });
  return response;
};

/** The typed client of client/, on the test stack, with every response checked against the document. */
export const api = createCommerceClient({ baseUrl: stack.api, fetch: documentedFetch });

/** Any request by method and path (through the same checked client); the body stays untyped for tests. */
export async function call<T = any>(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const { status, headers, body } = await api.request(method, path, options);
  return { status, headers, body: body as T };
}

export function tokenFor(
  userId: string,
  options: { admin?: boolean; expiresIn?: string | number; audience?: string } = {},
) {
  return signDevToken({
    keysDir: keysDirForStage(TEST_STAGE),
    issuer: issuerUrlForStage(TEST_STAGE),
    audience: options.audience ?? stack.audience,
    userId,
    admin: options.admin ?? false,
    expiresIn: options.expiresIn ?? '15m',
  });
}

export interface BusEvent {
  id: string;
  'detail-type': string;
  source: string;
  detail: { metadata: Record<string, string>; data: any };
}

/** Waits until the local bus has seen an event matching the filters (the bus keeps recent events). */
export function waitForBusEvent(
  filter: { detailType: string; correlationId?: string },
  matches: (event: BusEvent) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<BusEvent> {
  const query = new URLSearchParams({ detailType: filter.detailType });
  if (filter.correlationId) query.set('correlationId', filter.correlationId);
  return eventually(
    async () => {
      const events = (await (await fetch(`${stack.bus}/_local/events?${query}`)).json()) as BusEvent[];
      return events.find(matches);
    },
    { timeoutMs, description: `a ${filter.detailType} event on the bus` },
  );
}

export const uniqueId = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
