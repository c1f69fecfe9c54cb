/**
 * Traffic through a validator we did not write: Stoplight Prism in proxy mode, built from
 * docs/openapi.json, in front of the test stack. Prism forwards each request and validates the real
 * response against the document; what does not conform comes back in its `sl-violations` header. A tour
 * of every operation — successes, the problems each documents, and API Gateway's own 401 — must come back
 * with no response violation. A fake upstream that answers off-contract proves the check bites.
 *
 * Prism checks a body against the first media type its status documents, whatever the response's
 * content type (stoplightio/prism#2713): the statuses the gateway may answer itself (401, 500) list its
 * `application/json` first, so a function's problem on those statuses is not something this proxy can
 * judge. tests/support/contract.ts, on all other e2e traffic, checks media types as documented.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommerceClient } from '../../client/index.js';
import { freePort } from '../integration/local-cloud/harness.js';
import { tokenFor, uniqueId } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { stack } from '../support/stack.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DOCUMENT = join(ROOT, 'docs', 'openapi.json');

interface Violation {
  location: string[];
  severity: string;
  message: string;
}

interface Proxy {
  url: string;
  process: ChildProcess;
  log: string[];
}

/** Starts `prism proxy` for the document in front of `upstream`, answering once it serves requests. */
async function startPrism(upstream: string): Promise<Proxy> {
  const port = await freePort();
  const prism = spawn(
    join(ROOT, 'node_modules', '.bin', 'prism'),
    // No CORS headers of its own, and requests pass unvalidated: the tour sends refused requests on purpose.
    ['proxy', DOCUMENT, upstream, '--port', String(port), '--cors=false', '--validate-request=false'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: string[] = [];
  prism.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString('utf8')));
  prism.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString('utf8')));
  await eventually(async () => log.join('').includes('Prism is listening') || undefined, {
    timeoutMs: 30_000,
    description: `prism proxy on port ${port} (log: ${log.join('').slice(-500)})`,
  });
  return { url: `http://127.0.0.1:${port}`, process: prism, log };
}

function stop(proxy: Proxy | undefined): void {
  if (proxy && proxy.process.exitCode === null) proxy.process.kill('SIGTERM');
}

/** Every response that passes the proxy, with the violations of the response Prism found in it. */
interface Seen {
  request: string;
  status: number;
  violations: Violation[];
}

function recordingFetch(seen: Seen[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = typeof input === 'string' || input instanceof URL ? String(input) : input.url;
    const header = response.headers.get('sl-violations');
    const all: Violation[] = header ? JSON.parse(header) : [];
    seen.push({
      request: `${init?.method ?? 'GET'} ${new URL(url).pathname}`,
      status: response.status,
      violations: all.filter((violation) => violation.location[0] === 'response'),
    });
    return response;
  };
}

describe('the end-to-end traffic, validated by Prism against docs/openapi.json', () => {
  let proxy: Proxy | undefined;
  const seen: Seen[] = [];

  beforeAll(async () => {
    proxy = await startPrism(stack.api);
  }, 60_000);
  afterAll(() => stop(proxy));

  it('finds every answer of every operation conforming, the gateway 401 included', async () => {
    if (!proxy) throw new Error('prism did not start');
    const api = createCommerceClient({ baseUrl: proxy.url, fetch: recordingFetch(seen) });
    const admin = await tokenFor(uniqueId('prism-admin'), { admin: true });
    const customerId = uniqueId('prism-customer');
    const customer = await tokenFor(customerId);
    const productId = uniqueId('prism');

    await api.health();
    await api.getOpenApiDocument();
    await api.createProduct(
      { body: { productId, name: 'Prism cup', price: { amount: 1200, currency: 'EUR' } } },
      { token: admin },
    );
    await api.createProduct(
      { body: { productId, name: 'Again', price: { amount: 1, currency: 'EUR' } } },
      {
        token: admin,
      },
    ); // 409
    await api.createProduct(
      { body: { productId: uniqueId('x'), name: 'No', price: { amount: 1, currency: 'EUR' } } },
      {
        token: customer,
      },
    ); // 403
    await api.createProduct(
      { body: { productId: uniqueId('x'), name: 'No', price: { amount: 1, currency: 'EUR' } } },
      {
        token: null,
      },
    ); // the gateway's own 401
    await api.setStock({ path: { productId }, body: { quantity: 5 } }, { token: admin });
    await api.request('PUT', `/inventory/${productId}`, { token: admin, body: { quantity: 2_000_000_000 } }); // 400
    await api.getStock({ path: { productId } }, { token: admin });
    await api.listProducts({ query: { limit: 5 } });
    await api.getProduct({ path: { productId } });
    await api.getProduct({ path: { productId: 'no-such-product' } }); // 404
    await api.changePrice({ path: { productId }, body: { amount: 1300, currency: 'EUR' } }, { token: admin });

    const placed = await eventually(
      async () => {
        const response = await api.placeOrder(
          {
            header: { 'Idempotency-Key': uniqueId('key') },
            body: { items: [{ productId, quantity: 1 }], paymentToken: 'tok_visa' },
          },
          { token: customer },
        );
        return response.status === 202 ? response : undefined; // 422 while prices are projected
      },
      { timeoutMs: 15_000, description: 'the order to be accepted' },
    );
    const orderId = placed.status === 202 ? placed.body.orderId : '';
    await api.request('POST', '/orders', { token: customer, body: { items: [{ productId, quantity: 1 }] } }); // 400
    await api.getOrder({ path: { orderId } }, { token: customer });
    await api.getOrder({ path: { orderId: 'no-such-order' } }, { token: customer }); // 404
    await api.listMyOrders({}, { token: customer });
    await api.cancelOrder({ path: { orderId } }, { token: customer });
    await api.updateMe(
      { body: { name: 'Prism Tester', email: `${customerId}@shop.test` } },
      { token: customer },
    );
    await api.getMe({}, { token: customer });
    await api.listEvents({ query: { aggregateId: orderId } }, { token: admin });
    await api.listNotifications({ query: { customerId } }, { token: admin });

    const statuses = new Set(seen.map(({ status }) => status));
    for (const status of [200, 201, 202, 400, 401, 403, 404, 409]) expect(statuses).toContain(status);
    const document = JSON.parse(readFileSync(DOCUMENT, 'utf8')) as { paths: Record<string, object> };
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => ({
        method: method.toUpperCase(),
        pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      })),
    );
    const untried = operations.filter(
      ({ method, pattern }) =>
        !seen.some(
          ({ request }) => request.startsWith(`${method} `) && pattern.test(request.split(' ')[1] ?? ''),
        ),
    );
    expect(untried.map(({ method, pattern }) => `${method} ${pattern.source}`)).toEqual([]);
    expect(seen.filter(({ violations }) => violations.length > 0)).toEqual([]);
  });
});

describe('the Prism check itself', () => {
  let upstream: Server | undefined;
  let proxy: Proxy | undefined;

  beforeAll(async () => {
    upstream = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-correlation-id': 'c-1' });
      response.end(JSON.stringify({ status: 'ok', uptime: 'forever' }));
    });
    await new Promise<void>((resolve) => upstream?.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    proxy = await startPrism(`http://127.0.0.1:${port}`);
  }, 60_000);
  afterAll(() => {
    stop(proxy);
    upstream?.close();
  });

  it('reports a response the document does not allow', async () => {
    if (!proxy) throw new Error('prism did not start');
    const seen: Seen[] = [];
    await createCommerceClient({ baseUrl: proxy.url, fetch: recordingFetch(seen) }).health();
    expect(seen[0]?.violations).toEqual([
      expect.objectContaining({ location: ['response', 'body'], message: expect.stringContaining('uptime') }),
    ]);
  });
});
