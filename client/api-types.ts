// Generated from docs/openapi.json by `npm run docs:openapi` (openapi-typescript): do not edit.

export interface paths {
  '/admin/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Stored bus events of one correlation id or one aggregate, oldest first
     * @description Pass exactly one of `correlationId` and `aggregateId`.
     */
    get: operations['listEvents'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/notifications': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One customer's notifications, newest first */
    get: operations['listNotifications'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness */
    get: operations['health'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/inventory/{productId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The stock of one product */
    get: operations['getStock'];
    /**
     * Set the on-hand stock of a product
     * @description A quantity below the units reserved by open orders is a 409; above 1000000000 units, a 400.
     */
    put: operations['setStock'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/me': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The caller's profile (created on first use) */
    get: operations['getMe'];
    /** Update the caller's name and e-mail */
    put: operations['updateMe'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/openapi.json': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** This OpenAPI 3.1 document */
    get: operations['getOpenApiDocument'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/orders': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A page of the caller's own orders, newest first
     * @description Served by the read side: an order shows up here shortly after it is placed or changes.
     */
    get: operations['listMyOrders'];
    put?: never;
    /**
     * Place an order
     * @description The same Idempotency-Key with the same body returns the same order; with another body it is a 409. Unknown products, or products priced in different currencies, are a 422 listing every such line. A total above the largest amount Money carries (100,000,000,000 minor units) is a 422 `order-total-too-large` with `total` and `maxTotal`. The card token is sealed for payments before anything is stored or published.
     */
    post: operations['placeOrder'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/orders/{orderId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One order, for its owner or an admin
     * @description Someone else's order is a 404.
     */
    get: operations['getOrder'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/orders/{orderId}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Cancel one of your orders
     * @description A pending order is cancelled, a confirmed one refunded and its stock released. Someone else's order is a 404; an order already cancelled is a 409.
     */
    post: operations['cancelOrder'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/products': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A page of products */
    get: operations['listProducts'];
    put?: never;
    /**
     * Create a product
     * @description A given `productId` that exists already is a 409; without one, the server chooses it.
     */
    post: operations['createProduct'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/products/{productId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One product, with the stock a customer can still order */
    get: operations['getProduct'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/products/{productId}/price': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /**
     * Change a product's price
     * @description Accepted (202) and applied shortly after; changes of one product are applied in the order received.
     */
    put: operations['changePrice'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    /** @description API Gateway's own answer, given without calling a function. */
    GatewayMessage: {
      message: string;
    } & {
      [key: string]: unknown;
    };
    Health: {
      /** @constant */
      status: 'ok';
    };
    Money: {
      amount: number;
      currency: string;
    };
    Notification: {
      notificationId: string;
      customerId: string;
      /** @enum {string} */
      kind: 'order-confirmed' | 'order-cancelled' | 'payment-declined';
      orderId: string;
      subject: string;
      body: string;
      /** @description `ses`, or `none` when no e-mail is known (`log` on records made before e-mail) */
      channel: string;
      recipient?: string;
      /** @enum {string} */
      status: 'recorded' | 'sent' | 'failed';
      failureReason?: string;
      /** @description The provider's id of the accepted message (SES MessageId), once sent */
      providerMessageId?: string;
      sourceEventId: string;
      correlationId: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    NotificationPage: {
      items: components['schemas']['Notification'][];
      /** @description Pass as `?cursor=` for the next page; null on the last page */
      nextCursor: string | null;
    };
    /** @description The document you are reading */
    OpenApiDocument: {
      /** @constant */
      openapi: '3.1.0';
      info: {
        [key: string]: unknown;
      };
      paths: {
        [key: string]: unknown;
      };
    } & {
      [key: string]: unknown;
    };
    Order: {
      orderId: string;
      customerId: string;
      /** @enum {string} */
      status: 'PENDING' | 'CONFIRMED' | 'CANCELLED';
      items: {
        productId: string;
        quantity: number;
        /** @description The product's price when the order was placed */
        unitPrice: components['schemas']['Money'];
      }[];
      total: components['schemas']['Money'];
      /**
       * @description Set once the order is cancelled
       * @enum {string}
       */
      reason?:
        | 'OUT_OF_STOCK'
        | 'PAYMENT_DECLINED'
        | 'PAYMENT_UNAVAILABLE'
        | 'CANCELLED_BY_CUSTOMER'
        | 'TIMEOUT';
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    OrderHistoryEntry: {
      orderId: string;
      customerId: string;
      /** @enum {string} */
      status: 'PENDING' | 'CONFIRMED' | 'CANCELLED';
      items: {
        productId: string;
        quantity: number;
        unitPrice: components['schemas']['Money'];
      }[];
      total: components['schemas']['Money'];
      /** @enum {string} */
      reason?:
        | 'OUT_OF_STOCK'
        | 'PAYMENT_DECLINED'
        | 'PAYMENT_UNAVAILABLE'
        | 'CANCELLED_BY_CUSTOMER'
        | 'TIMEOUT';
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    OrderHistoryPage: {
      items: components['schemas']['OrderHistoryEntry'][];
      /** @description Pass as `?cursor=` for the next page; null on the last page */
      nextCursor: string | null;
    };
    PlacedOrder: {
      orderId: string;
      /** @constant */
      status: 'PENDING';
    };
    PriceChangeAccepted: {
      productId: string;
      price: components['schemas']['Money'];
      /** @description Id of the queued price change command */
      requestId: string;
    };
    /** @description RFC 9457 problem details (application/problem+json). Domain problems add extension members (for example `productId`). */
    Problem: {
      /** @description A stable URN naming the problem: urn:commerce:problem:<code> */
      type: string;
      title: string;
      status: number;
      detail: string;
      /** @description The request path */
      instance?: string;
      correlationId?: string;
      /** @description Every offending field of a request that failed validation, with dotted paths */
      errors?: {
        path: string;
        message: string;
      }[];
    } & {
      [key: string]: unknown;
    };
    Product: {
      productId: string;
      name: string;
      description: string;
      price: components['schemas']['Money'];
      /** @description The stock a customer can still order */
      available: number;
      /** @description Version of the stock report `available` is from */
      stockVersion?: number;
      /** @description Number of prices the product has had, from 1 */
      priceVersion: number;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    ProductPage: {
      items: components['schemas']['Product'][];
      /** @description Pass as `?cursor=` for the next page; null on the last page */
      nextCursor: string | null;
    };
    Profile: {
      /** @description The token's subject */
      customerId: string;
      name?: string;
      email?: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    StockLevel: {
      productId: string;
      onHand: number;
      reserved: number;
      /** @description onHand − reserved */
      available: number;
    };
    StoredEvent: {
      id: string;
      'detail-type': string;
      source: string;
      time: string;
      detail: {
        metadata: {
          eventId: string;
          eventType: string;
          eventVersion: number;
          /** Format: date-time */
          occurredAt: string;
          correlationId: string;
        } & {
          [key: string]: unknown;
        };
        data: unknown;
      } & {
        [key: string]: unknown;
      };
    } & {
      [key: string]: unknown;
    };
    StoredEventPage: {
      items: components['schemas']['StoredEvent'][];
      /** @description Pass as `?cursor=` for the next page; null on the last page */
      nextCursor: string | null;
    };
  };
  responses: {
    /** @description The request is malformed or invalid; `errors` lists every offending field. */
    Problem400: {
      headers: {
        'x-correlation-id': components['headers']['CorrelationId'];
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description The bearer token is missing, expired, badly signed or for another audience. Refused by the API Gateway JWT authorizer (`{"message":"Unauthorized"}`, application/json, no x-correlation-id) or by the function (a problem). */
    Problem401: {
      headers: {
        'x-correlation-id': components['headers']['CorrelationIdIfFunction'];
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['GatewayMessage'];
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description The caller is not in the group the route requires (admin). */
    Problem403: {
      headers: {
        'x-correlation-id': components['headers']['CorrelationId'];
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description The resource does not exist (or is not the caller’s). */
    Problem404: {
      headers: {
        'x-correlation-id': components['headers']['CorrelationId'];
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description The request conflicts with the current state. */
    Problem409: {
      headers: {
        'x-correlation-id': components['headers']['CorrelationId'];
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description The request body is too large. */
    Problem413: {
      headers: {
        'x-correlation-id': components['headers']['CorrelationId'];
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description The request body is not application/json. */
    Problem415: {
      headers: {
        'x-correlation-id': components['headers']['CorrelationId'];
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description A valid request that a business rule refuses. */
    Problem422: {
      headers: {
        'x-correlation-id': components['headers']['CorrelationId'];
        [name: string]: unknown;
      };
      content: {
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description An unexpected error; quote the correlation id when reporting it. Or, when the function crashed before answering, API Gateway's own `{"message":"Internal Server Error"}` (application/json, no x-correlation-id). */
    Problem500: {
      headers: {
        'x-correlation-id': components['headers']['CorrelationIdIfFunction'];
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['GatewayMessage'];
        'application/problem+json': components['schemas']['Problem'];
      };
    };
    /** @description API Gateway throttled the request: each stage allows a steady rate and a burst of requests per second (dev: 50/s, burst 100; staging: 50/s, burst 100; prod: 500/s, burst 1000). Its own `{"message":"Too Many Requests"}`, without x-correlation-id; retry after a pause, with exponential backoff and jitter. */
    Throttled: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['GatewayMessage'];
      };
    };
    /** @description The function did not answer in time (API Gateway waits at most 30 s): API Gateway's own `{"message":"Service Unavailable"}`, without x-correlation-id. Retry later; a POST /orders retried with the same Idempotency-Key is safe. */
    Unavailable: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['GatewayMessage'];
      };
    };
  };
  parameters: {
    /** @description Page size (1-100, default 20) */
    Limit: number;
    /** @description The `nextCursor` of the previous page (opaque) */
    Cursor: string;
  };
  requestBodies: never;
  headers: {
    /** @description The request's correlation id: the `x-correlation-id` it sent (1-128 of A-Z a-z 0-9 . _ : -), otherwise a new one. Quote it when reporting a problem. */
    CorrelationId: string;
    /** @description The request's correlation id, as on every answer of a function; absent when API Gateway answered by itself. */
    CorrelationIdIfFunction: string;
  };
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  listEvents: {
    parameters: {
      query?: {
        correlationId?: string;
        aggregateId?: string;
        /** @description Page size (1-100, default 20) */
        limit?: components['parameters']['Limit'];
        /** @description The `nextCursor` of the previous page (opaque) */
        cursor?: components['parameters']['Cursor'];
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['StoredEventPage'];
        };
      };
      400: components['responses']['Problem400'];
      401: components['responses']['Problem401'];
      403: components['responses']['Problem403'];
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  listNotifications: {
    parameters: {
      query: {
        customerId: string;
        /** @description Page size (1-100, default 20) */
        limit?: components['parameters']['Limit'];
        /** @description The `nextCursor` of the previous page (opaque) */
        cursor?: components['parameters']['Cursor'];
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['NotificationPage'];
        };
      };
      400: components['responses']['Problem400'];
      401: components['responses']['Problem401'];
      403: components['responses']['Problem403'];
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  health: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Health'];
        };
      };
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  getStock: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        productId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['StockLevel'];
        };
      };
      400: components['responses']['Problem400'];
      401: components['responses']['Problem401'];
      403: components['responses']['Problem403'];
      404: components['responses']['Problem404'];
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  setStock: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        productId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          quantity: number;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['StockLevel'];
        };
      };
      400: components['responses']['Problem400'];
      401: components['responses']['Problem401'];
      403: components['responses']['Problem403'];
      409: components['responses']['Problem409'];
      413: components['responses']['Problem413'];
      415: components['responses']['Problem415'];
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  getMe: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Profile'];
        };
      };
      401: components['responses']['Problem401'];
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  updateMe: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          name: string;
          /** Format: email */
          email: string;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Profile'];
        };
      };
      400: components['responses']['Problem400'];
      401: components['responses']['Problem401'];
      409: components['responses']['Problem409'];
      413: components['responses']['Problem413'];
      415: components['responses']['Problem415'];
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  getOpenApiDocument: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OpenApiDocument'];
        };
      };
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  listMyOrders: {
    parameters: {
      query?: {
        /** @description Page size (1-100, default 20) */
        limit?: components['parameters']['Limit'];
        /** @description The `nextCursor` of the previous page (opaque) */
        cursor?: components['parameters']['Cursor'];
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OrderHistoryPage'];
        };
      };
      400: components['responses']['Problem400'];
      401: components['responses']['Problem401'];
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  placeOrder: {
    parameters: {
      query?: never;
      header: {
        /** @description A new unique key (e.g. a UUID) per order, the same key on retries */
        'Idempotency-Key': string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          items: {
            productId: string;
            quantity: number;
          }[];
          paymentToken: string;
        };
      };
    };
    responses: {
      /** @description Accepted */
      202: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          /** @description The URL of the order: /orders/{orderId} */
          location: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PlacedOrder'];
        };
      };
      400: components['responses']['Problem400'];
      401: components['responses']['Problem401'];
      409: components['responses']['Problem409'];
      413: components['responses']['Problem413'];
      415: components['responses']['Problem415'];
      422: components['responses']['Problem422'];
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  getOrder: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        orderId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Order'];
        };
      };
      400: components['responses']['Problem400'];
      401: components['responses']['Problem401'];
      404: components['responses']['Problem404'];
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  cancelOrder: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        orderId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Accepted */
      202: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Order'];
        };
      };
      400: components['responses']['Problem400'];
      401: components['responses']['Problem401'];
      404: components['responses']['Problem404'];
      409: components['responses']['Problem409'];
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  listProducts: {
    parameters: {
      query?: {
        /** @description Page size (1-100, default 20) */
        limit?: components['parameters']['Limit'];
        /** @description The `nextCursor` of the previous page (opaque) */
        cursor?: components['parameters']['Cursor'];
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ProductPage'];
        };
      };
      400: components['responses']['Problem400'];
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  createProduct: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          productId?: string;
          name: string;
          /** @default  */
          description?: string;
          price: {
            amount: number;
            currency: string;
          };
        };
      };
    };
    responses: {
      /** @description Created */
      201: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Product'];
        };
      };
      400: components['responses']['Problem400'];
      401: components['responses']['Problem401'];
      403: components['responses']['Problem403'];
      409: components['responses']['Problem409'];
      413: components['responses']['Problem413'];
      415: components['responses']['Problem415'];
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  getProduct: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        productId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Product'];
        };
      };
      400: components['responses']['Problem400'];
      404: components['responses']['Problem404'];
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
  changePrice: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        productId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          amount: number;
          currency: string;
        };
      };
    };
    responses: {
      /** @description Accepted */
      202: {
        headers: {
          'x-correlation-id': components['headers']['CorrelationId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PriceChangeAccepted'];
        };
      };
      400: components['responses']['Problem400'];
      401: components['responses']['Problem401'];
      403: components['responses']['Problem403'];
      404: components['responses']['Problem404'];
      413: components['responses']['Problem413'];
      415: components['responses']['Problem415'];
      429: components['responses']['Throttled'];
      500: components['responses']['Problem500'];
      503: components['responses']['Unavailable'];
    };
  };
}
