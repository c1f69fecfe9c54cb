import { route as createProduct } from './catalog/create-product.js';
import { route as getProduct } from './catalog/get-product.js';
import { route as listProducts } from './catalog/list-products.js';
import { route as changePrice } from './catalog/request-price-change.js';
import { route as getMe } from './customers/get-me.js';
import { route as updateMe } from './customers/update-me.js';
import { route as listEvents } from './eventstore/list-events.js';
import { route as getStock } from './inventory/get-stock.js';
import { route as setStock } from './inventory/set-stock.js';
import { route as listNotifications } from './notifications/list-notifications.js';
import { route as cancelOrder } from './orders/cancel-order.js';
import { route as getOrder } from './orders/get-order.js';
import { route as placeOrder } from './orders/place-order.js';
import { route as health } from './platform/health.js';
import { route as openApi } from './platform/openapi-route.js';
import { route as listMyOrders } from './views/list-orders.js';

/**
 * Every HTTP route's declaration, the source of docs/openapi.json (`npm run docs:openapi`), of the typed
 * client and of the e2e tests' response checks. A route in a `functions/<domain>/serverless.yml` that is
 * missing here fails tests/unit/openapi.test.ts.
 */
export const routes = [
  health,
  openApi,
  listProducts,
  getProduct,
  createProduct,
  changePrice,
  setStock,
  getStock,
  placeOrder,
  getOrder,
  listMyOrders,
  cancelOrder,
  getMe,
  updateMe,
  listEvents,
  listNotifications,
] as const;
