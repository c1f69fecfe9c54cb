import { issuerUrlForStage, keysDirForStage, signDevToken } from '../../scripts/local-cloud/dev-issuer.mjs';
import { eventually } from './eventually.js';
import { stack, TEST_STAGE } from './stack.js';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = any>(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined || options.rawBody !== undefined)
    headers['content-type'] ??= 'application/json';
  const response = await fetch(`${stack.api}${path}`, {
    method,
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text, the assertion will show it
  }
  return { status: response.status, headers: response.headers, body: body as T };
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
