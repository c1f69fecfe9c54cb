import fc from 'fast-check';
// The bounds come from the code that enforces them, so the drill probes exactly at and past each one.
import { MAX_STOCK_QUANTITY } from '../../../domains/inventory/model.js';
import { MAX_LINES } from '../../../domains/orders/model.js';
import { MAX_MONEY_AMOUNT } from '../../../events/money.js';
import {
  call,
  check,
  type Drill,
  eventually,
  guarded,
  openShop,
  pool,
  type Shop,
  type Stack,
  sleep,
  uniqueId,
} from '../harness.js';

interface HostileRequest {
  path: string;
  contentType: string | null;
  rawBody: string;
  headers: Record<string, string>;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json',
  'text/plain',
  null,
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'multipart/form-data; boundary=x',
  'application/xml',
];

const NASTY_BODIES = [
  '',
  '{',
  '}',
  '[]',
  'null',
  'true',
  '"string"',
  '0',
  '{"a":1,}',
  "{'a':1}",
  '\uFEFF{}',
  '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}',
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
  `{"x":"${'y'.repeat(300_000)}"}`,
  `{"x":"${'y'.repeat(1_200_000)}"}`,
  '{"a":"\u0000\u0001\u0002"}',
  '{"amount":1e400}',
  '{"amount":-0}',
  '{"amount":9007199254740993}',
  '\u00ff\u00fe\u0000{',
];

const json = fc.jsonValue({ maxDepth: 3 });
const bigString = fc.constantFrom('x'.repeat(5_000), 'é'.repeat(70_000), '\u0000'.repeat(10), ' ', '');

/** A field that is sometimes valid and often of the wrong type, size or content. */
function confused<T>(valid: fc.Arbitrary<T>) {
  return fc.oneof(
    { arbitrary: valid, weight: 4 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 1 },
    { arbitrary: fc.integer(), weight: 1 },
    { arbitrary: fc.double(), weight: 1 },
    { arbitrary: fc.boolean(), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: fc.array(json, { maxLength: 3 }), weight: 1 },
    { arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), json, { maxKeys: 3 }), weight: 1 },
    { arbitrary: bigString, weight: 1 },
  );
}

/** An amount of minor units, now and then exactly at the contracts' money limit or one above it. */
const amount = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 100_000 }), weight: 6 },
  { arbitrary: fc.constantFrom(MAX_MONEY_AMOUNT, MAX_MONEY_AMOUNT + 1), weight: 1 },
);

const money = fc.record({
  amount: confused(amount),
  currency: confused(fc.constantFrom('EUR', 'USD')),
});

function shaped(model: Record<string, fc.Arbitrary<unknown>>) {
  return fc
    .tuple(
      fc.record(model, { requiredKeys: [] }),
      fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), json, { maxKeys: 2 }), { freq: 4 }),
    )
    .map(([record, extra]) => JSON.stringify(extra ? { ...record, ...extra } : record));
}

function body(model: Record<string, fc.Arbitrary<unknown>>) {
  return fc.oneof(
    { arbitrary: shaped(model), weight: 6 },
    { arbitrary: json.map((v) => JSON.stringify(v)), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 1 },
    { arbitrary: fc.constantFrom(...NASTY_BODIES), weight: 2 },
  );
}

function pathId(valid: string) {
  return fc.oneof(
    { arbitrary: fc.constant(valid), weight: 6 },
    { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), weight: 1 },
    {
      arbitrary: fc.constantFrom(
        '..',
        '%2e%2e',
        ' ',
        'a'.repeat(1500),
        '\u0000',
        "x' OR '1'='1",
        'PRODUCT#x',
        `${valid}#extra`,
      ),
      weight: 1,
    },
  );
}

const enc = (id: string) => encodeURIComponent(id);

interface RouteSpec {
  label: string;
  method: string;
  token: string;
  arbitrary: fc.Arbitrary<HostileRequest>;
  /** What the request could touch, read before and after; undefined when it is only checkable at the end. */
  snapshot?: (req: HostileRequest) => Promise<string>;
}

function request(
  path: fc.Arbitrary<string>,
  raw: fc.Arbitrary<string>,
  headers: fc.Arbitrary<Record<string, string>> = fc.constant({}),
): fc.Arbitrary<HostileRequest> {
  return fc
    .record({ path, contentType: fc.constantFrom(...CONTENT_TYPES), rawBody: raw, headers })
    .map((r) => ({ ...r }));
}

async function productsCount(stack: Stack): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r: any = await call(stack, 'GET', `/products?limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`);
    count += r.body?.items?.length ?? 0;
    cursor = r.body?.nextCursor ?? null;
  } while (cursor && ++pages < 200);
  return count;
}

async function ordersOf(stack: Stack, token: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r: any = await call(stack, 'GET', `/orders?limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`, {
      token,
    });
    items.push(...(r.body?.items ?? []));
    cursor = r.body?.nextCursor ?? null;
  } while (cursor && ++pages < 50);
  return items;
}

/** Products the bound probes (and then the generators) order from. */
interface BoundProducts {
  /** Priced one minor unit below the money limit: with `penny` an order totals exactly the limit. */
  top: string;
  penny: string;
  /** MAX_LINES distinct products in stock. */
  lines: string[];
}

const problemOf = (body: any) => `${body?.type ?? ''} ${JSON.stringify(body?.errors ?? body?.detail ?? '')}`;

/** The bound products, the prober customer, and the probe's helpers: reads of what a refusal could touch. */
async function openProber(shop: Shop, progress: (line: string) => void) {
  const { stack, admin } = shop;
  const prober = await shop.customer(uniqueId('drill-bounds'));
  const [top, penny] = await Promise.all([
    shop.product({ amount: MAX_MONEY_AMOUNT - 1, stock: 1 }),
    shop.product({ amount: 1, stock: 3 }),
  ]);
  const lines = await pool(Array.from({ length: MAX_LINES }), 4, () =>
    shop.product({ amount: 100, stock: 1 }),
  );
  progress(`bounds: ${lines.length + 2} products created`);
  // A confirmed order's units leave the shelf a moment after it is CONFIRMED (inventory sells them on
  // OrderConfirmed): what a refusal could touch is read once nothing is reserved any more.
  const stockOf = (ids: string[]) =>
    eventually(
      async () => {
        const levels = await Promise.all(ids.map((id) => shop.stock(id)));
        return levels.every((level) => level.reserved === 0) ? JSON.stringify(levels) : undefined;
      },
      { description: 'the stock of confirmed orders to be sold', timeoutMs: 30_000 },
    );
  const historyOf = async () => (await ordersOf(stack, prober.token)).map((order) => order.orderId).sort();
  // The order history is a projection that reads the bus in batches: it shows an order up to about a
  // second after the order itself (decisions.md, entry 34). A refusal's "before" waits for it.
  const historyShows = (orderId: string) =>
    eventually(async () => (await historyOf()).includes(orderId) || undefined, {
      description: `order ${orderId} in the order history`,
      timeoutMs: 30_000,
    });
  const refused = async (
    label: string,
    expected: { status: number; type: string },
    send: () => Promise<{ status: number; body: any }>,
    touched: () => Promise<string>,
  ) => {
    const before = await touched();
    const answer = await send();
    check(
      answer.status === expected.status && answer.body?.type === `urn:commerce:problem:${expected.type}`,
      `${label}: expected ${expected.status} ${expected.type}, got ${answer.status} ${problemOf(answer.body)}`,
    );
    await sleep(2000);
    const after = await touched();
    check(after === before, `${label} answered ${answer.status} but changed ${before} into ${after}`);
    return answer;
  };
  const postOrder = (items: Array<{ productId: string; quantity: number }>) =>
    call(stack, 'POST', '/orders', {
      token: prober.token,
      body: { items, paymentToken: 'tok_visa' },
      headers: { 'idempotency-key': uniqueId('bounds-key') },
    });
  return {
    shop,
    stack,
    admin,
    prober,
    top,
    penny,
    lines,
    stockOf,
    historyOf,
    historyShows,
    refused,
    postOrder,
  };
}

type Prober = Awaited<ReturnType<typeof openProber>>;

/** The order total: exactly the limit goes through the whole saga (every consumer accepts its events). */
async function probeOrderTotal(p: Prober) {
  const { shop, prober, top, penny, historyShows, refused, postOrder, historyOf, stockOf } = p;
  const atLimit = await shop.placeOrder(prober.token, [
    { productId: top, quantity: 1 },
    { productId: penny, quantity: 1 },
  ]);
  const settled = await shop.waitForFinal(prober.token, atLimit.orderId, 90_000);
  check(
    settled.status === 'CONFIRMED' && settled.total?.amount === MAX_MONEY_AMOUNT,
    `an order of exactly ${MAX_MONEY_AMOUNT} minor units ended ${settled.status} with total ${JSON.stringify(settled.total)}`,
  );
  await historyShows(atLimit.orderId);
  const aboveLimit = await refused(
    `a total of ${MAX_MONEY_AMOUNT + 1}`,
    { status: 422, type: 'order-total-too-large' },
    () =>
      postOrder([
        { productId: top, quantity: 1 },
        { productId: penny, quantity: 2 },
      ]),
    async () => `${JSON.stringify(await historyOf())} ${await stockOf([top, penny])}`,
  );
  check(
    aboveLimit.body?.total?.amount === MAX_MONEY_AMOUNT + 1 &&
      aboveLimit.body?.maxTotal?.amount === MAX_MONEY_AMOUNT,
    `the 422 does not name the total and the limit: ${JSON.stringify(aboveLimit.body)}`,
  );
}

/** Distinct lines: the most an order may hold is reserved in one transaction; one more line is a 400. */
async function probeDistinctLines(p: Prober) {
  const { shop, prober, lines, penny, historyShows, refused, postOrder, historyOf, stockOf } = p;
  const widest = await shop.placeOrder(
    prober.token,
    lines.map((productId) => ({ productId, quantity: 1 })),
  );
  const widestSettled = await shop.waitForFinal(prober.token, widest.orderId, 90_000);
  check(
    widestSettled.status === 'CONFIRMED' && widestSettled.items?.length === MAX_LINES,
    `an order of ${MAX_LINES} distinct products ended ${widestSettled.status} (${widestSettled.reason ?? 'no reason'})`,
  );
  await historyShows(widest.orderId);
  await refused(
    `${MAX_LINES + 1} distinct lines`,
    { status: 400, type: 'validation-failed' },
    () => postOrder([...lines, penny].map((productId) => ({ productId, quantity: 1 }))),
    async () => `${JSON.stringify(await historyOf())} ${await stockOf([penny, ...lines.slice(0, 3)])}`,
  );
}

/** Stock: the documented maximum is taken, one unit more is the route's 400. */
async function probeStockQuantity(p: Prober) {
  const { stack, admin, lines, refused, stockOf } = p;
  const [counted] = lines;
  const setStock = (quantity: number) =>
    call(stack, 'PUT', `/inventory/${counted}`, { token: admin, body: { quantity } });
  const atMaximum = await setStock(MAX_STOCK_QUANTITY);
  check(
    atMaximum.status === 200 && atMaximum.body?.onHand === MAX_STOCK_QUANTITY,
    `PUT /inventory of ${MAX_STOCK_QUANTITY} answered ${atMaximum.status} ${problemOf(atMaximum.body)}`,
  );
  await refused(
    `a stock quantity of ${MAX_STOCK_QUANTITY + 1}`,
    { status: 400, type: 'validation-failed' },
    () => setStock(MAX_STOCK_QUANTITY + 1),
    () => stockOf([counted as string]),
  );
}

/** A price above the money limit never reaches the catalog. */
async function probePrice(p: Prober) {
  const { stack, admin, penny, refused } = p;
  await refused(
    `a price of ${MAX_MONEY_AMOUNT + 1}`,
    { status: 400, type: 'validation-failed' },
    () =>
      call(stack, 'PUT', `/products/${penny}/price`, {
        token: admin,
        body: { amount: MAX_MONEY_AMOUNT + 1, currency: 'EUR' },
      }),
    async () => JSON.stringify((await call(stack, 'GET', `/products/${penny}`)).body?.price),
  );
}

/**
 * Each bound the contracts need, probed exactly at it (accepted, and carried through the saga) and just
 * past it (the documented 4xx, and nothing stored): the order total, the distinct lines of an order, the
 * stock quantity and a price.
 */
async function probeBounds(
  shop: Shop,
  progress: (line: string) => void,
): Promise<BoundProducts & { report: string }> {
  const p = await openProber(shop, progress);
  await probeOrderTotal(p);
  await probeDistinctLines(p);
  await probeStockQuantity(p);
  await probePrice(p);
  const { top, penny, lines } = p;
  return {
    top,
    penny,
    lines,
    report:
      `bounds held: total ${MAX_MONEY_AMOUNT} CONFIRMED, +1 → 422; ${MAX_LINES} distinct lines CONFIRMED, ` +
      `+1 → 400; stock ${MAX_STOCK_QUANTITY} → 200, +1 → 400; price ${MAX_MONEY_AMOUNT}+1 → 400; refusals stored nothing`,
  };
}

/** What the hostile requests run against: the shop, its fixture products and customers, the bounds. */
interface Fixtures {
  shop: Shop;
  admin: string;
  product: string;
  priceProduct: string;
  stockProduct: string;
  buyer: { id: string; token: string };
  owner: { id: string; token: string };
  profile: { id: string; token: string };
  orderId: string;
  bounds: BoundProducts & { report: string };
  products0: number;
}

/** What the hostile requests got: 5xx, partial writes, transport errors, and what was accepted by chance. */
interface Outcome {
  sent: number;
  serverErrors: string[];
  serverErrorKinds: Map<string, Set<string>>;
  partial: string[];
  transport: string[];
  accepted: Record<string, HostileRequest[]>;
  acceptedOrders: string[];
}

const pathOf = (path: string) => decodeURIComponent(path.split('/')[2] ?? '');

const describe = (spec: RouteSpec, req: HostileRequest) =>
  `${spec.method} ${req.path.slice(0, 80)} ct=${req.contentType} body=${JSON.stringify(req.rawBody.slice(0, 120))}${req.rawBody.length > 120 ? `…(${req.rawBody.length} chars)` : ''}`;

/** The fixtures: products to price, stock and order, three customers, a settled order to cancel, the bounds. */
async function openFixtures(stack: Stack, progress: (line: string) => void): Promise<Fixtures> {
  const shop: Shop = await openShop(stack);
  const admin = shop.admin;
  const product = await shop.product({ amount: 4321, stock: 0 });
  await shop.waitForPrice(product);
  await shop.setStock(product, 1000);
  const priceProduct = await shop.product({ amount: 5555, stock: 1 });
  const stockProduct = await shop.product({ amount: 100, stock: 7 });
  const buyer = await shop.customer();
  const owner = await shop.customer();
  const profile = await shop.customer();
  const { orderId } = await shop.placeOrder(owner.token, [{ productId: product, quantity: 1 }]);
  await shop.waitForFinal(owner.token, orderId);
  const bounds = await probeBounds(shop, progress);
  const products0 = await productsCount(stack);
  return {
    shop,
    admin,
    product,
    priceProduct,
    stockProduct,
    buyer,
    owner,
    profile,
    orderId,
    bounds,
    products0,
  };
}

function createProductSpec(stack: Stack, f: Fixtures): RouteSpec {
  const productState = async (id: string) => {
    const r = await call(stack, 'GET', `/products/${enc(id)}`);
    return `${r.status}:${JSON.stringify(r.body?.price ?? null)}:${r.body?.name ?? ''}`;
  };
  return {
    label: 'POST /products',
    method: 'POST',
    token: f.admin,
    arbitrary: request(
      fc.constant('/products'),
      body({
        productId: confused(fc.constantFrom(f.product, uniqueId('hostile'), 'ok-id')),
        name: confused(fc.string({ minLength: 1, maxLength: 20 })),
        description: confused(fc.string({ maxLength: 20 })),
        price: confused(money),
      }),
    ),
    snapshot: async (req) => {
      let id: unknown;
      try {
        id = JSON.parse(req.rawBody)?.productId;
      } catch {
        id = undefined;
      }
      return typeof id === 'string' && id.length > 0 && id.length < 500 ? productState(id) : '';
    },
  };
}

function priceSpec(f: Fixtures): RouteSpec {
  return {
    label: 'PUT /products/{id}/price',
    method: 'PUT',
    token: f.admin,
    arbitrary: request(
      pathId(f.priceProduct).map((id) => `/products/${enc(id)}/price`),
      body({
        amount: confused(amount),
        currency: confused(fc.constantFrom('EUR', 'USD')),
      }),
    ),
  };
}

function stockSpec(stack: Stack, f: Fixtures): RouteSpec {
  return {
    label: 'PUT /inventory/{id}',
    method: 'PUT',
    token: f.admin,
    arbitrary: request(
      pathId(f.stockProduct).map((id) => `/inventory/${enc(id)}`),
      body({
        quantity: confused(
          fc.oneof(
            { arbitrary: fc.integer({ min: 500, max: 2000 }), weight: 6 },
            { arbitrary: fc.constantFrom(MAX_STOCK_QUANTITY, MAX_STOCK_QUANTITY + 1), weight: 1 },
          ),
        ),
      }),
    ),
    snapshot: async (req) => {
      const r = await call(stack, 'GET', `/inventory/${enc(pathOf(req.path))}`, { token: f.admin });
      return `${r.status}:${JSON.stringify(r.body?.onHand)}:${JSON.stringify(r.body?.reserved)}`;
    },
  };
}

function placeOrderSpec(f: Fixtures): RouteSpec {
  const { product, bounds } = f;
  return {
    label: 'POST /orders',
    method: 'POST',
    token: f.buyer.token,
    arbitrary: request(
      fc.constant('/orders'),
      body({
        // Lines of the bound products: around the money limit (the top-priced product once is
        // just under it, with anything else over), and now and then one line more than allowed.
        items: confused(
          fc.oneof(
            {
              arbitrary: fc.array(
                fc.record(
                  {
                    productId: confused(fc.constantFrom(product, product, bounds.top)),
                    quantity: confused(fc.integer({ min: 1, max: 3 })),
                  },
                  { requiredKeys: [] },
                ),
                { maxLength: 4 },
              ),
              weight: 6,
            },
            {
              arbitrary: fc.constant(
                [...bounds.lines, bounds.penny].map((productId) => ({ productId, quantity: 1 })),
              ),
              weight: 1,
            },
          ),
        ),
        paymentToken: confused(fc.constant('tok_visa')),
      }),
      fc.oneof(
        { arbitrary: fc.uuid().map((k) => ({ 'idempotency-key': k })), weight: 6 },
        { arbitrary: fc.constant({}), weight: 1 },
        {
          arbitrary: fc
            .constantFrom(' ', 'k'.repeat(300), 'ключ', 'a b')
            .map((k) => ({ 'idempotency-key': encodeURIComponent(k) === k ? k : 'a b' })),
          weight: 1,
        },
      ),
    ),
  };
}

function cancelSpec(f: Fixtures): RouteSpec {
  return {
    label: 'POST /orders/{id}/cancel',
    method: 'POST',
    token: f.owner.token,
    arbitrary: request(
      pathId(f.orderId).map((id) => `/orders/${enc(id)}/cancel`),
      body({ reason: confused(fc.string()) }),
    ),
    snapshot: async () => (await f.shop.order(f.owner.token, f.orderId))?.status ?? 'none',
  };
}

function profileSpec(stack: Stack, f: Fixtures): RouteSpec {
  return {
    label: 'PUT /me',
    method: 'PUT',
    token: f.profile.token,
    arbitrary: request(
      fc.constant('/me'),
      body({
        name: confused(fc.string({ minLength: 1, maxLength: 30 })),
        email: confused(fc.emailAddress()),
      }),
    ),
    snapshot: async () => {
      const r = await call(stack, 'GET', '/me', { token: f.profile.token });
      return JSON.stringify({ name: r.body?.name, email: r.body?.email });
    },
  };
}

/** Every write route, with its generator of hostile requests and what each request could touch. */
function writeRouteSpecs(stack: Stack, f: Fixtures): RouteSpec[] {
  return [
    createProductSpec(stack, f),
    priceSpec(f),
    stockSpec(stack, f),
    placeOrderSpec(f),
    cancelSpec(f),
    profileSpec(stack, f),
  ];
}

/** One hostile request: sent, its 5xx recorded, and a refused one checked to have changed nothing. */
async function sendHostile(
  stack: Stack,
  spec: RouteSpec,
  req: HostileRequest,
  outcome: Outcome,
  onSent: () => void,
): Promise<void> {
  const before = spec.snapshot ? await spec.snapshot(req) : '';
  let status: number;
  let responseBody: any;
  try {
    const r = await call(stack, spec.method, req.path, {
      token: spec.token,
      rawBody: req.rawBody,
      contentType: req.contentType,
      headers: req.headers,
    });
    status = r.status;
    responseBody = r.body;
  } catch (error) {
    outcome.transport.push(`${describe(spec, req)} → ${error instanceof Error ? error.message : error}`);
    return;
  } finally {
    onSent();
  }
  if (status >= 500) {
    const kind = `${status} for body ${JSON.stringify(req.rawBody.slice(0, 40))} (content-type ${req.contentType})`;
    const routes = outcome.serverErrorKinds.get(kind) ?? new Set<string>();
    routes.add(spec.label);
    outcome.serverErrorKinds.set(kind, routes);
  }
  if (status >= 500)
    outcome.serverErrors.push(
      `${describe(spec, req)} → ${status} ${JSON.stringify(responseBody).slice(0, 200)}`,
    );
  if (status < 300) {
    outcome.accepted[spec.label] = [...(outcome.accepted[spec.label] ?? []), req];
    if (spec.label === 'POST /orders' && responseBody?.orderId)
      outcome.acceptedOrders.push(responseBody.orderId);
    if (spec.label === 'POST /orders/{id}/cancel') await sleep(500);
  } else if (spec.snapshot) {
    const after = await spec.snapshot(req);
    if (after !== before)
      outcome.partial.push(`${describe(spec, req)} → ${status} but ${before} became ${after}`);
  }
}

/** `perRoute` generated requests on every route, the routes side by side, each route's requests in turn. */
async function sendAllHostile(
  stack: Stack,
  specs: RouteSpec[],
  perRoute: number,
  progress: (line: string) => void,
): Promise<Outcome> {
  const outcome: Outcome = {
    sent: 0,
    serverErrors: [],
    serverErrorKinds: new Map(),
    partial: [],
    transport: [],
    accepted: {},
    acceptedOrders: [],
  };
  const onSent = () => {
    outcome.sent++;
    if (outcome.sent % 100 === 0) progress(`${outcome.sent}/${perRoute * specs.length} hostile requests`);
  };
  await Promise.all(
    specs.map(async (spec, index) => {
      const requests = fc.sample(spec.arbitrary, { numRuns: perRoute, seed: 1000 + index });
      for (const req of requests) await sendHostile(stack, spec, req, outcome, onSent);
    }),
  );
  return outcome;
}

/** Settled checks for what only shows asynchronously: the buyer's order history, the price, the catalog. */
async function checkSettledState(stack: Stack, f: Fixtures, outcome: Outcome): Promise<void> {
  const { shop, buyer, priceProduct } = f;
  const { accepted, acceptedOrders, partial } = outcome;
  for (const id of new Set(acceptedOrders)) await shop.waitForFinal(buyer.token, id, 90_000);
  const expectedOrders = new Set(acceptedOrders).size;
  const history = await eventually(
    async () => {
      const items = await ordersOf(stack, buyer.token);
      return items.length >= expectedOrders ? items : undefined;
    },
    { description: 'the buyer history', timeoutMs: 20_000 },
  ).catch(() => ordersOf(stack, buyer.token));
  await sleep(2000);
  const history2 = await ordersOf(stack, buyer.token);
  if (history2.length !== expectedOrders)
    partial.push(
      `buyer has ${history2.length} orders in the view, ${expectedOrders} were accepted (first look ${history.length})`,
    );
  const priceAccepted = (accepted['PUT /products/{id}/price'] ?? []).filter(
    (r) => pathOf(r.path) === priceProduct,
  );
  const finalPrice = (await call(stack, 'GET', `/products/${priceProduct}`)).body?.price;
  if (priceAccepted.length === 0 && finalPrice?.amount !== 5555)
    partial.push(
      `price of the fixture product changed to ${JSON.stringify(finalPrice)} with no accepted change`,
    );
  const createdCount = (accepted['POST /products'] ?? []).length;
  const products1 = await productsCount(stack);
  if (products1 - f.products0 !== createdCount)
    partial.push(`products grew by ${products1 - f.products0}, ${createdCount} creations were accepted`);
}

/** ≥ 1,000 generated malformed, oversized and type-confused requests on every write route. */
export function hostileInput(options: { requests?: number } = {}): Drill {
  return {
    name: 'hostile-input',
    fault:
      '≥ 1,000 generated malformed, oversized and type-confused requests on every write route (fast-check), ' +
      'and probes exactly at and one past each bound: order total, distinct lines, stock quantity, price',
    mustHold:
      '0 responses 5xx; 0 partial writes (refused requests change nothing they could touch); at each bound ' +
      'the order goes through the saga, one past it is the documented 422/400 and nothing is stored',
    run: ({ stack, progress, quick }) =>
      guarded(async () => {
        const total = options.requests ?? (quick ? 120 : 1_020);
        const fixtures = await openFixtures(stack, progress);
        const specs = writeRouteSpecs(stack, fixtures);
        const perRoute = Math.ceil(total / specs.length);
        const outcome = await sendAllHostile(stack, specs, perRoute, progress);
        const { sent, serverErrors, serverErrorKinds, partial, transport, accepted } = outcome;
        progress(`${sent} requests sent; checking settled state`);
        await checkSettledState(stack, fixtures, outcome);
        const acceptedCounts = Object.entries(accepted)
          .map(([label, list]) => `${label} ${list.length}`)
          .join(', ');
        check(
          serverErrors.length === 0 && partial.length === 0,
          `${serverErrors.length} 5xx, ${partial.length} partial writes of ${sent}: ${[
            ...[...serverErrorKinds].map(([kind, routes]) => `${kind} on ${[...routes].join(', ')}`),
            ...partial.slice(0, 5),
          ].join(' | ')}; e.g. ${serverErrors[0]?.slice(0, 260)}`,
        );
        const transportNote = transport.length
          ? `; ${transport.length} without response (${transport[0]?.slice(0, 160)})`
          : '';
        return `${fixtures.bounds.report}; ${sent} requests on ${specs.length} write routes: 0 5xx, 0 partial writes; accepted by chance: ${acceptedCounts || 'none'}${transportNote}`;
      }),
  };
}
