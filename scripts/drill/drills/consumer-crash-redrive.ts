import {
  call,
  check,
  type Drill,
  eventually,
  guarded,
  openShop,
  runScript,
  sendToQueue,
  uniqueId,
} from '../harness.js';

/** A price change for a product that does not exist yet: the consumer throws until the product exists. */
export const consumerCrashRedrive: Drill = {
  name: 'consumer-crash-redrive',
  fault: 'catalogApplyPriceChange throws for a change of a not-yet-existing product until it is created',
  mustHold: 'the message lands in the DLQ; after npm run redrive the change is applied and the DLQ is empty',
  run: ({ stack, progress }) =>
    guarded(async () => {
      const shop = await openShop(stack);
      const productId = uniqueId('late');
      const commandId = uniqueId('cmd');
      await sendToQueue(
        stack,
        'catalog-price-changes.fifo',
        {
          commandId,
          productId,
          price: { amount: 777, currency: 'EUR' },
          requestedAt: new Date().toISOString(),
          correlationId: commandId,
        },
        productId,
        commandId,
      );
      progress('poisoned price change queued; waiting for the DLQ');
      await eventually(
        async () => {
          const listed = await runScript('redrive.mjs', [
            'catalog-price-changes',
            '--dry-run',
            '--stage',
            stack.stage,
          ]);
          return listed.stdout.includes(productId) || listed.stderr.includes(productId) || undefined;
        },
        { description: 'the poisoned change in the DLQ', timeoutMs: 90_000, intervalMs: 2000 },
      );
      const created = await call(stack, 'POST', '/products', {
        token: shop.admin,
        body: { productId, name: 'Late product', description: '', price: { amount: 100, currency: 'EUR' } },
      });
      check(created.status === 201, `POST /products answered ${created.status}`);
      const redrive = await runScript('redrive.mjs', ['catalog-price-changes', '--stage', stack.stage]);
      check(redrive.code === 0, `redrive exited ${redrive.code}: ${redrive.stderr.slice(-500)}`);
      await eventually(
        async () =>
          (await call(stack, 'GET', `/products/${productId}`)).body?.price?.amount === 777 ? true : undefined,
        { description: 'the redriven change to be applied', timeoutMs: 30_000 },
      );
      const after = await runScript('redrive.mjs', [
        'catalog-price-changes',
        '--dry-run',
        '--stage',
        stack.stage,
      ]);
      check(
        !`${after.stdout}${after.stderr}`.includes(productId),
        'the change is still listed in the DLQ after redrive',
      );
      return 'poisoned change reached catalog-price-changes DLQ; after creating the product, npm run redrive moved it back and price 777 was applied; DLQ no longer holds it';
    }),
};
