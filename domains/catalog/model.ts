import type { Money } from '../../events/money.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';

export interface Product {
  productId: string;
  name: string;
  description: string;
  price: Money;
  /** Stock a customer can still order; a projection of inventory events (0 until inventory reports). */
  available: number;
  /** Version of the stock report `available` comes from (absent until inventory reports). */
  stockVersion?: number;
  /** Number of price changes applied so far, starting at 1 for the price the product was created with. */
  priceVersion: number;
  createdAt: string;
  updatedAt: string;
}

export class ProductNotFound extends NotFoundError {
  override readonly code = 'product-not-found';
  constructor(productId: string) {
    super(`No product with id "${productId}".`, { productId });
  }
}

export class ProductAlreadyExists extends ConflictError {
  override readonly code = 'product-already-exists';
  constructor(productId: string) {
    super(`A product with id "${productId}" already exists.`, { productId });
  }
}

/** Product ids are part of URLs: lower-case slugs keep them readable and safe. */
export const PRODUCT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function newProduct(input: {
  productId: string;
  name: string;
  description: string;
  price: Money;
  now: Date;
}): Product {
  const timestamp = input.now.toISOString();
  return {
    productId: input.productId,
    name: input.name,
    description: input.description,
    price: input.price,
    available: 0,
    priceVersion: 1,
    createdAt: timestamp,
    updatedAt: timestamp,
  };
}

/** The product after a price change; the version lets consumers ignore changes they see out of order. */
export function withPrice(product: Product, price: Money, now: Date): Product {
  return { ...product, price, priceVersion: product.priceVersion + 1, updatedAt: now.toISOString() };
}
