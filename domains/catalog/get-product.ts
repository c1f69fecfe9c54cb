import { type Product, ProductNotFound } from './model.js';
import type { ProductPage, ProductRepository } from './ports.js';
import type { ListProductsQuery } from './schemas.js';

export async function getProduct(
  productId: string,
  ports: { products: ProductRepository },
): Promise<Product> {
  const product = await ports.products.get(productId);
  if (!product) throw new ProductNotFound(productId);
  return product;
}

export function listProducts(
  query: ListProductsQuery,
  ports: { products: ProductRepository },
): Promise<ProductPage> {
  return ports.products.list(query);
}
