import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import {
  call,
  check,
  type Drill,
  eventually,
  guarded,
  openShop,
  type Shop,
  type Stack,
  tokenFor,
  uniqueId,
} from '../harness.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

type Customer = Awaited<ReturnType<Shop['customer']>>;
type Route = { method: string; path: string; body?: unknown; headers?: Record<string, string> };
type GuardedRoute = { method: string; path: string; body?: unknown; expect: number[] };
/** What the attempts add up to: every call counted, any 2xx a pass, any unexpected status a failure. */
type Tally = { attempts: number; passes: number; failures: string[] };

const idem = () => ({ 'idempotency-key': uniqueId('k') });

/** The victim's order, settled (and its sale visible in the stock), before any attack. */
async function victimOrder(stack: Stack) {
  const shop = await openShop(stack);
  const product = await shop.product({ amount: 1234, stock: 5 });
  const owner = await shop.customer();
  const { orderId } = await shop.placeOrder(owner.token, [{ productId: product, quantity: 1 }]);
  const settled = await shop.waitForFinal(owner.token, orderId, 120_000);
  if (settled.status === 'CONFIRMED')
    await eventually(async () => (await shop.stock(product)).onHand === 4 || undefined, {
      description: 'the sale',
      timeoutMs: 20_000,
    });
  const stockBefore = JSON.stringify(await shop.stock(product));
  return { shop, product, owner, orderId, settled, stockBefore };
}

/** Tokens that must get a 401 everywhere: missing, garbage, expired, tampered, unsigned, foreign, misaddressed. */
async function badTokensOf(
  stack: Stack,
  attackerId: string,
  victimId: string,
): Promise<Record<string, string | undefined>> {
  const valid = await tokenFor(stack, attackerId);
  const [h, p, s] = valid.split('.') as [string, string, string];
  const claims = decode(p);
  const { kid } = decodeProtectedHeader(valid);
  const { privateKey } = await generateKeyPair('RS256');
  const foreignKey = await new SignJWT({ ...claims, 'cognito:groups': ['admin'] })
    .setProtectedHeader({ alg: 'RS256', kid })
    .sign(privateKey);
  return {
    'no token': undefined,
    garbage: 'not.a.jwt',
    expired: await tokenFor(stack, attackerId, { admin: true, expiresIn: -120 }),
    'tampered (admin group added)': `${h}.${b64({ ...claims, 'cognito:groups': ['admin'] })}.${s}`,
    'tampered (sub = victim)': `${h}.${b64({ ...claims, sub: victimId, 'cognito:username': victimId })}.${s}`,
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, 'cognito:groups': ['admin'] })}.`,
    'signed by a foreign key': foreignKey,
    'wrong audience': await tokenFor(stack, attackerId, { admin: true, audience: 'commerce-prod' }),
    'wrong issuer': await tokenFor(stack, attackerId, {
      admin: true,
      issuer: 'https://evil.example.com',
    }),
  };
}

/** One route of every protected kind: the customer's own, the victim's order, a write, the admin ones. */
function protectedRoutes(orderId: string, product: string): Route[] {
  return [
    { method: 'GET', path: '/orders' },
    { method: 'GET', path: `/orders/${orderId}` },
    { method: 'POST', path: `/orders/${orderId}/cancel` },
    { method: 'GET', path: '/me' },
    {
      method: 'POST',
      path: '/orders',
      body: { items: [{ productId: product, quantity: 1 }], paymentToken: 'tok_visa' },
    },
    { method: 'PUT', path: `/products/${product}/price`, body: { amount: 1, currency: 'EUR' } },
    { method: 'PUT', path: `/inventory/${product}`, body: { quantity: 999 } },
    { method: 'GET', path: '/admin/events?correlationId=x' },
  ];
}

/** Every bad token on every protected route: each must be a 401. */
async function tryBadTokens(
  stack: Stack,
  badTokens: Record<string, string | undefined>,
  routes: Route[],
  tally: Tally,
) {
  for (const [label, token] of Object.entries(badTokens)) {
    for (const route of routes) {
      tally.attempts++;
      const r = await call(stack, route.method, route.path, {
        token,
        body: route.body,
        headers: route.method === 'POST' ? idem() : undefined,
      });
      if (r.status < 300) tally.passes++;
      if (r.status !== 401) tally.failures.push(`${label}: ${route.method} ${route.path} → ${r.status}`);
    }
  }
}

/** Authorization: a valid customer token used on someone else's order and on admin routes. */
async function tryAsCustomer(
  stack: Stack,
  attacker: Customer,
  orderId: string,
  product: string,
  victimId: string,
  tally: Tally,
): Promise<GuardedRoute[]> {
  const authz: GuardedRoute[] = [
    { method: 'GET', path: `/orders/${orderId}`, expect: [403, 404] },
    { method: 'POST', path: `/orders/${orderId}/cancel`, expect: [403, 404] },
    {
      method: 'POST',
      path: '/products',
      body: {
        productId: uniqueId('evil'),
        name: 'x',
        description: '',
        price: { amount: 1, currency: 'EUR' },
      },
      expect: [403],
    },
    {
      method: 'PUT',
      path: `/products/${product}/price`,
      body: { amount: 1, currency: 'EUR' },
      expect: [403],
    },
    { method: 'PUT', path: `/inventory/${product}`, body: { quantity: 999 }, expect: [403] },
    { method: 'GET', path: `/inventory/${product}`, expect: [403] },
    { method: 'GET', path: '/admin/events?correlationId=x', expect: [403] },
    { method: 'GET', path: `/admin/notifications?customerId=${victimId}`, expect: [403] },
  ];
  for (const route of authz) {
    tally.attempts++;
    const r = await call(stack, route.method, route.path, { token: attacker.token, body: route.body });
    if (r.status < 300) tally.passes++;
    if (!route.expect.includes(r.status))
      tally.failures.push(`customer: ${route.method} ${route.path} → ${r.status}`);
  }
  return authz;
}

/**
 * Impersonation: the attacker's own valid token plus serverless-offline's override header naming the
 * victim, as an admin. API Gateway has no such header; the patched local gateway ignores it too, so
 * each call is the attacker's: someone else's order is not found, admin routes are forbidden, and the
 * attacker's own reads show the attacker. (`AUTHORIZER` in the stack's environment is ignored alike:
 * tests/unit/local-cloud/authorizer-override-patch.test.ts.)
 */
async function tryOverrideHeader(
  stack: Stack,
  attacker: Customer,
  orderId: string,
  product: string,
  victimId: string,
  tally: Tally,
): Promise<GuardedRoute[]> {
  const impersonation = {
    'sls-offline-authorizer-override': JSON.stringify({
      jwt: {
        claims: { sub: victimId, 'cognito:username': victimId, 'cognito:groups': ['admin'] },
        scopes: null,
      },
    }),
  };
  const asVictim: GuardedRoute[] = [
    { method: 'GET', path: `/orders/${orderId}`, expect: [403, 404] },
    { method: 'POST', path: `/orders/${orderId}/cancel`, expect: [403, 404] },
    { method: 'PUT', path: `/inventory/${product}`, body: { quantity: 999 }, expect: [403] },
    { method: 'GET', path: '/admin/events?correlationId=x', expect: [403] },
    { method: 'GET', path: `/admin/notifications?customerId=${victimId}`, expect: [403] },
  ];
  for (const route of asVictim) {
    tally.attempts++;
    const r = await call(stack, route.method, route.path, {
      token: attacker.token,
      body: route.body,
      headers: { ...impersonation, ...(route.method === 'POST' ? idem() : {}) },
    });
    if (r.status < 300) tally.passes++;
    if (!route.expect.includes(r.status))
      tally.failures.push(`override header: ${route.method} ${route.path} → ${r.status}`);
  }
  const me = await call(stack, 'GET', '/me', { token: attacker.token, headers: impersonation });
  const ownOrders = await call(stack, 'GET', '/orders', {
    token: attacker.token,
    headers: impersonation,
  });
  check(
    me.status === 200 && me.body?.customerId === attacker.id,
    `override header: GET /me → ${me.status} ${JSON.stringify(me.body)}, expected the attacker's own profile`,
  );
  check(
    ownOrders.status === 200 &&
      !(ownOrders.body?.items ?? []).some((item: { orderId?: string }) => item.orderId === orderId),
    `override header: GET /orders listed the victim's order (${ownOrders.status})`,
  );
  return asVictim;
}

/** Nothing changed: the victim's order, the stock, the price; no order for the attacker. */
async function checkNothingChanged(
  stack: Stack,
  victim: Awaited<ReturnType<typeof victimOrder>>,
  attacker: Customer,
) {
  const { shop, owner, orderId, product, settled, stockBefore } = victim;
  const order = await shop.order(owner.token, orderId);
  const stock = await shop.stock(product);
  const catalog = await call(stack, 'GET', `/products/${product}`);
  check(
    order.status === settled.status && order.reason === settled.reason,
    `victim's order went from ${settled.status} to ${order.status} ${order.reason ?? ''}`,
  );
  check(JSON.stringify(stock) === stockBefore, `stock changed: ${stockBefore} → ${JSON.stringify(stock)}`);
  check(catalog.body?.price?.amount === 1234, `price changed: ${JSON.stringify(catalog.body?.price)}`);
  const mine = await call(stack, 'GET', '/orders', { token: attacker.token });
  check((mine.body?.items ?? []).length === 0, 'an order was placed for the attacker');
}

/** Forged, expired, foreign and unauthorized credentials on every kind of protected route. */
export const authAttacks: Drill = {
  name: 'auth-attacks',
  fault:
    "no token, expired, tampered, alg none, foreign key, wrong issuer/audience, another customer, customer on admin routes, a valid token with serverless-offline's authorizer-override header claiming the victim as admin",
  mustHold: '0 passes: 401 for bad tokens, 403/404 for authorization; nothing changes',
  run: ({ stack, progress }) =>
    guarded(async () => {
      const victim = await victimOrder(stack);
      const { shop, product, orderId } = victim;
      const victimId = victim.owner.id;
      const attacker = await shop.customer(uniqueId('mallory'));
      const badTokens = await badTokensOf(stack, attacker.id, victimId);
      const routes = protectedRoutes(orderId, product);
      const tally: Tally = { attempts: 0, passes: 0, failures: [] };
      await tryBadTokens(stack, badTokens, routes, tally);
      progress(`${tally.attempts} bad-token attempts done`);
      const authz = await tryAsCustomer(stack, attacker, orderId, product, victimId, tally);
      const asVictim = await tryOverrideHeader(stack, attacker, orderId, product, victimId, tally);
      progress('override-header impersonation attempts done');
      await checkNothingChanged(stack, victim, attacker);
      const { attempts, passes, failures } = tally;
      check(attempts >= 40, `only ${attempts} attempts`);
      check(
        passes === 0 && failures.length === 0,
        `${passes} passes; unexpected answers: ${failures.join('; ')}`,
      );
      return `${attempts} attempts (${Object.keys(badTokens).length} bad tokens × ${routes.length} routes + ${authz.length} authorization checks + ${asVictim.length} override-header impersonations, which were answered as the attacker): 0 passes, all 401/403/404 as expected, no state changed`;
    }),
};
