import { ProductCreatedV1 } from '../../events/catalog/index.js';
import { type CausalContext, createEnvelope } from '../../events/envelope.js';
import type { Clock } from '../../shared/clock.js';
import { newProduct, type Product } from './model.js';
import type { ProductRepository } from './ports.js';
import type { CreateProductInput } from './schemas.js';

export async function createProduct(
  input: CreateProductInput,
  ports: { products: ProductRepository; clock: Clock; newId?: () => string },
  trace: CausalContext,
): Promise<Product> {
  const now = ports.clock.now();
  const product = newProduct({
    productId: input.productId ?? ports.newId?.() ?? crypto.randomUUID(),
    name: input.name,
    description: input.description,
    price: input.price,
    now,
  });
  const created = createEnvelope(
    ProductCreatedV1,
    {
      productId: product.productId,
      name: product.name,
      description: product.description,
      price: product.price,
      createdAt: product.createdAt,
    },
    trace,
    { now },
  );
  await ports.products.create(product, [created]);
  return product;
}
