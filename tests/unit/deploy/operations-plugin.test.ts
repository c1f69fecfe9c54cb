import { describe, expect, it } from 'vitest';
import OperationsPlugin, { refusePlaceholders } from '../../../scripts/deploy/operations-plugin.mjs';

const real = {
  alarmEmail: 'oncall@shop.io',
  mailIdentity: 'shop.io',
  mailFromAddress: 'orders@shop.io',
};

describe('sls deploy refuses a stage whose params are still placeholders', () => {
  it('lets a stage with real values through', () => {
    expect(() => refusePlaceholders('prod', real)).not.toThrow();
  });

  it('names every placeholder, what it would break and where to set it', () => {
    const attempt = () =>
      refusePlaceholders('prod', {
        ...real,
        alarmEmail: 'commerce-alarms-prod@example.com',
        mailIdentity: 'shop.example.com',
      });
    expect(attempt).toThrow(/alarmEmail "commerce-alarms-prod@example\.com" \(its alarms would go/);
    expect(attempt).toThrow(/mailIdentity "shop\.example\.com" \(SES would refuse/);
    expect(attempt).toThrow(/Set params\.prod\.alarmEmail, mailIdentity in serverless\.yml/);
  });

  it('catches every reserved documentation domain, not look-alikes', () => {
    expect(() => refusePlaceholders('dev', { ...real, mailFromAddress: 'orders@dev.example.org' })).toThrow(
      /mailFromAddress/,
    );
    expect(() => refusePlaceholders('dev', { ...real, mailIdentity: 'myexample.com' })).not.toThrow();
  });
});

describe('routes declared once, in their handler', () => {
  const placeOrder = { operationId: 'placeOrder', method: 'POST', url: '/orders', access: 'customer' };
  const health = { operationId: 'health', method: 'GET', url: '/health', access: 'public' };
  const modules: Record<string, Record<string, unknown>> = {
    'functions/orders/place-order.ts': { route: placeOrder },
    'functions/platform/health.ts': { route: health },
    'functions/orders/on-saga-events.ts': {},
  };

  function serviceWith(functions: Record<string, { handler: string; events?: unknown[] }>) {
    const serverless = {
      config: { servicePath: '/repo' },
      configSchemaHandler: { defineFunctionProperties: () => {} },
      service: {
        getAllFunctions: () => Object.keys(functions),
        getFunction: (name: string) => functions[name],
      },
    };
    const plugin = new OperationsPlugin(serverless, {});
    const declarationsOf = async (files: string[]) =>
      Object.fromEntries(
        files.flatMap((file) => {
          const route = modules[file.replace('/repo/', '')]?.route;
          return route ? [[file, route]] : [];
        }),
      );
    return {
      functions,
      wire: () => plugin.wireHttpRoutes(declarationsOf as never),
      /** What the plugin's `initialize` hook does with the routes: wire them, then set each one's tracing. */
      wireAndTrace: async () =>
        plugin.traceOnlyRoutesThatChangeState(await plugin.wireHttpRoutes(declarationsOf as never)),
    };
  }

  /** A route that changes state, a read, and a function that serves no route. */
  const aWriteAReadAndAConsumer = () => ({
    ordersPlaceOrder: { handler: 'functions/orders/place-order.handler' },
    health: { handler: 'functions/platform/health.handler' },
    ordersApplySagaEvent: { handler: 'functions/orders/on-saga-events.handler', events: [{ sqs: {} }] },
  });

  it("gives each route's function its httpApi event, with the JWT authorizer unless the route is public", async () => {
    const { functions, wire } = serviceWith(aWriteAReadAndAConsumer());

    await wire();

    expect(functions.ordersPlaceOrder?.events).toEqual([
      { httpApi: { method: 'POST', path: '/orders', authorizer: { name: 'jwt' } } },
    ]);
    expect(functions.health?.events).toEqual([{ httpApi: { method: 'GET', path: '/health' } }]);
    expect(functions.ordersApplySagaEvent?.events).toEqual([{ sqs: {} }]);
  });

  it('refuses a function that also declares its route by hand in serverless.yml', async () => {
    const { wire } = serviceWith({
      ordersPlaceOrder: {
        handler: 'functions/orders/place-order.handler',
        events: [{ httpApi: { method: 'POST', path: '/orders' } }],
      },
    });

    await expect(wire()).rejects.toThrow(
      /ordersPlaceOrder has an httpApi event in serverless\.yml, but its handler declares route POST \/orders \(placeOrder\)/,
    );
  });

  it('records traces for a route that changes state, and none of its own for a read', async () => {
    const { functions, wireAndTrace } = serviceWith(aWriteAReadAndAConsumer());

    await wireAndTrace();

    // the write keeps the provider's active tracing; a consumer, not a route, is left alone too
    expect(functions.ordersPlaceOrder).not.toHaveProperty('tracing');
    expect(functions.ordersApplySagaEvent).not.toHaveProperty('tracing');
    expect(functions.health).toHaveProperty('tracing', 'PassThrough');
  });

  it('refuses a read route that sets its tracing by hand', async () => {
    const { wireAndTrace } = serviceWith({
      health: { handler: 'functions/platform/health.handler', tracing: 'Active' } as never,
    });

    await expect(wireAndTrace()).rejects.toThrow(
      /health sets tracing: Active in serverless\.yml, but it serves the read GET \/health, which runs PassThrough/,
    );
  });
});
