/** The stock figures the catalog shows, as StockLevelChanged reports them. */
export interface StockLevelReport {
  productId: string;
  available: number;
  /** Increases with every change of the product's stock: an older report never overwrites a newer one. */
  stockVersion: number;
}

/** `stale`: a newer (or the same) report was applied before; `unknown-product`: no such product here. */
export type AvailabilityOutcome = 'applied' | 'stale' | 'unknown-product';

/** The catalog's projection of inventory: the `available` figure of each product. */
export interface ProductAvailability {
  /** Stores the report on the product only if its stockVersion is newer than the stored one. */
  apply(report: StockLevelReport): Promise<AvailabilityOutcome>;
}

/**
 * Keeps `available` of a product in step with inventory. Reports may arrive twice or out of order; the
 * version check drops the stale ones. Stock of a product the catalog does not know is ignored.
 */
export function projectStockLevel(
  report: StockLevelReport,
  ports: { availability: ProductAvailability },
): Promise<AvailabilityOutcome> {
  return ports.availability.apply({
    productId: report.productId,
    available: report.available,
    stockVersion: report.stockVersion,
  });
}
