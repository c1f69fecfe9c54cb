import { describe, expect, it } from 'vitest';
import {
  coverNeeded,
  covers,
  movement,
  release,
  reserve,
  restock,
  STOCK_FIGURES,
  type StockLevel,
  sell,
} from '../../../domains/inventory/model.js';

/*
 * The stock invariant: no figure below zero and available = onHand - reserved, always. Stores apply
 * movements as atomic deltas, so the invariant rests on two guards here: every movement is consistent,
 * and a movement applies only where the stock covers what it lowers.
 */
const level = (onHand: number, reserved: number): StockLevel => ({
  onHand,
  reserved,
  available: onHand - reserved,
});

describe('stock movements', () => {
  it('each keeps available = onHand - reserved', () => {
    expect(reserve(3)).toEqual({ onHand: 0, reserved: 3, available: -3 });
    expect(release(3)).toEqual({ onHand: 0, reserved: -3, available: 3 });
    expect(sell(3)).toEqual({ onHand: -3, reserved: -3, available: 0 });
    expect(restock(3)).toEqual({ onHand: 3, reserved: 0, available: 3 });
  });

  it('refuses a movement that would break available = onHand - reserved', () => {
    expect(() => movement({ available: -1 })).toThrow('available = onHand - reserved');
    expect(() => movement({ onHand: 2, reserved: 1 })).toThrow('available = onHand - reserved');
  });

  it('needs every figure it lowers to cover the decrease, and nothing for what it raises', () => {
    expect(coverNeeded(reserve(3))).toEqual({ available: 3 });
    expect(coverNeeded(release(2))).toEqual({ reserved: 2 });
    expect(coverNeeded(sell(2))).toEqual({ onHand: 2, reserved: 2 });
    expect(coverNeeded(restock(2))).toEqual({});
  });

  it('applies only where the stock covers it: no oversell, no double release or sale', () => {
    expect(covers(level(5, 2), reserve(3))).toBe(true);
    expect(covers(level(5, 3), reserve(3))).toBe(false);
    expect(covers(level(5, 1), release(2))).toBe(false);
    expect(covers(level(1, 1), sell(2))).toBe(false);
    expect(covers(level(0, 0), restock(2))).toBe(true);
  });

  it('never lets any sequence of covered movements take a figure below zero', () => {
    // a deterministic walk of many movements, each applied only where covered, as the store does
    let stock = level(3, 0);
    let seed = 7;
    const next = () => {
      seed = (seed * 48271) % 2147483647;
      return seed;
    };
    const kinds = [reserve, release, sell, restock];
    for (let step = 0; step < 2000; step++) {
      const moving = (kinds[next() % kinds.length] as typeof reserve)(1 + (next() % 3));
      if (!covers(stock, moving)) continue;
      stock = Object.fromEntries(
        STOCK_FIGURES.map((f) => [f, stock[f] + moving[f]]),
      ) as unknown as StockLevel;
      expect(Math.min(stock.onHand, stock.reserved, stock.available)).toBeGreaterThanOrEqual(0);
      expect(stock.available).toBe(stock.onHand - stock.reserved);
    }
  });
});
