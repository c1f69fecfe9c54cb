// Generated from docs/openapi.json by `npm run docs:openapi` (openapi-typescript): do not edit.

import type { operations as OperationTypes } from './api-types.js';

/** Every operation of the API by its operationId: its method and path template. */
export const operations = {
  listEvents: {
    method: 'GET',
    path: '/admin/events',
  },
  listNotifications: {
    method: 'GET',
    path: '/admin/notifications',
  },
  health: {
    method: 'GET',
    path: '/health',
  },
  setStock: {
    method: 'PUT',
    path: '/inventory/{productId}',
  },
  getStock: {
    method: 'GET',
    path: '/inventory/{productId}',
  },
  getMe: {
    method: 'GET',
    path: '/me',
  },
  updateMe: {
    method: 'PUT',
    path: '/me',
  },
  getOpenApiDocument: {
    method: 'GET',
    path: '/openapi.json',
  },
  placeOrder: {
    method: 'POST',
    path: '/orders',
  },
  listMyOrders: {
    method: 'GET',
    path: '/orders',
  },
  getOrder: {
    method: 'GET',
    path: '/orders/{orderId}',
  },
  cancelOrder: {
    method: 'POST',
    path: '/orders/{orderId}/cancel',
  },
  listProducts: {
    method: 'GET',
    path: '/products',
  },
  createProduct: {
    method: 'POST',
    path: '/products',
  },
  getProduct: {
    method: 'GET',
    path: '/products/{productId}',
  },
  changePrice: {
    method: 'PUT',
    path: '/products/{productId}/price',
  },
} as const satisfies Record<keyof OperationTypes, { method: string; path: string }>;
