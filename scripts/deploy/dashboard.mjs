/**
 * The stage's CloudWatch dashboard and its saved Logs Insights queries (decisions.md, entry 41), written
 * into the template by the operations plugin (./operations-plugin.mjs) from what the template holds: the
 * failure queues and relays it alarms on, the HTTP API, every function's log group. The rest is what the
 * code emits, named here as it emits it (Powertools Metrics: the stage's namespace, default dimension
 * `service`):
 * - `Http4xx` / `Http5xx` (shared/http/handler.ts), one per response of a route handler;
 * - `PaymentProviderCircuitStateChange` with dimension `state` (functions/payments/dependencies.ts), one per
 *   transition of the payment provider's circuit breaker: `open`, `half-open`, `closed`;
 * - `PaymentProviderUnavailable` (functions/payments/on-order-and-inventory-events.ts), a payment left
 *   pending because the provider could not be reached.
 * - `OrderPlaced`, `OrderConfirmed`, `OrderCancelled` with dimension `reason`, and `OrderSagaDuration` (ms
 *   from placement to confirmation, or to a cancellation before confirmation), counted by the orders'
 *   functions after each write (functions/orders/lifecycle-metrics.ts).
 */

/** Dashboard grid: 24 columns. */
const HALF = 12;
const HEIGHT = 6;

/** The saga's steps that wait on a queue or do the work, as the template names them. */
export const SAGA_STEP_FUNCTIONS = [
  'InventoryOnOrderEventsLambdaFunction',
  'PaymentsHandleEventsLambdaFunction',
  'OrdersApplySagaEventLambdaFunction',
];
/** The saga's FIFO queue: a message's age there is the time an order waits for payments' next step. */
export const SAGA_QUEUES = ['PaymentsEventsQueue'];

/** Powertools metrics the dashboard shows (see the module comment). */
export const METRICS = {
  orderPlaced: 'OrderPlaced',
  orderConfirmed: 'OrderConfirmed',
  orderCancelled: 'OrderCancelled',
  sagaDuration: 'OrderSagaDuration',
  http4xx: 'Http4xx',
  http5xx: 'Http5xx',
  breaker: 'PaymentProviderCircuitStateChange',
  providerUnavailable: 'PaymentProviderUnavailable',
};
export const BREAKER_STATES = ['open', 'half-open', 'closed'];
/** Why an order is cancelled (events/orders: cancellationReasonSchema), one line each on the dashboard. */
export const CANCELLATION_REASONS = [
  'OUT_OF_STOCK',
  'PAYMENT_DECLINED',
  'PAYMENT_UNAVAILABLE',
  'CANCELLED_BY_CUSTOMER',
  'TIMEOUT',
];

/** Saved queries: the log key Powertools writes the correlation id under (shared/observability.ts). */
export const CORRELATION_ID_KEY = 'correlationId';
/** Logs Insights queries at most 50 log groups at once. */
const MAX_LOG_GROUPS = 50;

/**
 * @typedef {object} DashboardInput
 * @property {string} name `<service>-<stage>`: the dashboard's name and the saved queries' folder
 * @property {string} namespace the Powertools metrics namespace (POWERTOOLS_METRICS_NAMESPACE)
 * @property {string} service the Powertools `service` dimension (POWERTOOLS_SERVICE_NAME)
 * @property {string[]} failureQueues logical ids of the queues failures end in
 * @property {string[]} relays logical ids of the stream-triggered functions
 * @property {string} httpApi logical id of the HTTP API
 */

/**
 * @param {Record<string, any>} resources
 * @param {DashboardInput} input
 * @returns {Record<string, any>} the dashboard resource
 */
export function operationsDashboard(resources, input) {
  const missing = [...SAGA_STEP_FUNCTIONS, ...SAGA_QUEUES, input.httpApi].filter((id) => !resources[id]);
  if (missing.length > 0) {
    throw new Error(`The dashboard's saga widgets name ${missing.join(', ')}, which the template lacks.`);
  }
  const series = seriesOf(resources, input);
  const widgets = [
    text(
      0,
      `# ${input.name}\n` +
        `Saved Logs Insights queries (CloudWatch → Logs Insights → Saved queries): ` +
        `\`${input.name}/order-story-by-correlation-id\`, \`${input.name}/order-story-by-order-id\`.`,
    ),
    ...orderWidgets(series, 2),
    ...apiWidgets(series, input, 2 + HEIGHT),
    ...providerAndSagaStepWidgets(series, 2 + 2 * HEIGHT),
    ...failureWidgets(series, input, 2 + 3 * HEIGHT),
  ];
  return {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      DashboardName: input.name,
      DashboardBody: { 'Fn::Sub': JSON.stringify({ widgets }) },
    },
  };
}

/**
 * How a widget names its lines: a Powertools metric in the stage's namespace and service, a queue or a
 * function by the name CloudFormation gives it (resolved by the body's Fn::Sub).
 * @param {Record<string, any>} resources
 * @param {DashboardInput} input
 */
function seriesOf(resources, input) {
  return {
    powertools: (
      /** @type {string} */ metric,
      /** @type {Record<string, unknown>} */ options,
      /** @type {string[]} */ extra = [],
    ) => [input.namespace, metric, 'service', input.service, ...extra, options],
    queueName: (/** @type {string} */ id) => `\${${id}.QueueName}`,
    functionName: (/** @type {string} */ id) => `\${${id}}`,
    label: (/** @type {string} */ id) => resources[id]?.Properties?.QueueName ?? id,
  };
}

/** @typedef {ReturnType<typeof seriesOf>} Series */

/**
 * @param {Series} series
 * @param {number} y
 */
function orderWidgets({ powertools }, y) {
  return [
    metric(0, y, 'Orders: placed, confirmed, cancelled by reason', 'Sum', [
      powertools(METRICS.orderPlaced, { label: 'placed' }),
      powertools(METRICS.orderConfirmed, { label: 'confirmed' }),
      ...CANCELLATION_REASONS.map((reason) =>
        powertools(METRICS.orderCancelled, { label: `cancelled: ${reason}` }, ['reason', reason]),
      ),
    ]),
    metric(HALF, y, 'Saga: placement to confirmation or cancellation (ms)', 'p50', [
      powertools(METRICS.sagaDuration, { label: 'p50' }),
      powertools(METRICS.sagaDuration, { label: 'p95', stat: 'p95' }),
      powertools(METRICS.sagaDuration, { label: 'max', stat: 'Maximum' }),
    ]),
  ];
}

/**
 * @param {Series} series
 * @param {DashboardInput} input
 * @param {number} y
 */
function apiWidgets({ powertools }, input, y) {
  return [
    metric(0, y, 'API 4xx and 5xx (gateway: also authorizer refusals and throttling)', 'Sum', [
      ['AWS/ApiGateway', '4xx', 'ApiId', `\${${input.httpApi}}`, { label: '4xx' }],
      ['AWS/ApiGateway', '5xx', 'ApiId', `\${${input.httpApi}}`, { label: '5xx' }],
    ]),
    metric(HALF, y, 'API 4xx and 5xx (route handlers, Powertools)', 'Sum', [
      powertools(METRICS.http4xx, { label: '4xx' }),
      powertools(METRICS.http5xx, { label: '5xx' }),
    ]),
  ];
}

/**
 * @param {Series} series
 * @param {number} y
 */
function providerAndSagaStepWidgets({ powertools, queueName, functionName, label }, y) {
  return [
    metric(0, y, 'Payment provider: breaker transitions, payments left pending', 'Sum', [
      ...BREAKER_STATES.map((state) =>
        powertools(METRICS.breaker, { label: state === 'open' ? 'breaker opened' : state }, ['state', state]),
      ),
      powertools(METRICS.providerUnavailable, { label: 'provider unavailable (payment pending)' }),
    ]),
    metric(HALF, y, 'Saga steps: p95 duration (ms), oldest message waiting (s)', 'p95', [
      ...SAGA_STEP_FUNCTIONS.map((id) => [
        'AWS/Lambda',
        'Duration',
        'FunctionName',
        functionName(id),
        { label: `${id.replace(/LambdaFunction$/, '')} p95` },
      ]),
      ...SAGA_QUEUES.map((id) => [
        'AWS/SQS',
        'ApproximateAgeOfOldestMessage',
        'QueueName',
        queueName(id),
        { label: label(id), stat: 'Maximum', yAxis: 'right' },
      ]),
    ]),
  ];
}

/**
 * @param {Series} series
 * @param {DashboardInput} input
 * @param {number} y
 */
function failureWidgets({ queueName, functionName, label }, input, y) {
  return [
    metric(0, y, 'Failure queues: messages waiting (DLQ depths)', 'Maximum', [
      ...input.failureQueues.map((id) => [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        queueName(id),
        { label: label(id) },
      ]),
    ]),
    metric(HALF, y, 'Outbox relays: iterator age (ms)', 'Maximum', [
      ...input.relays.map((id) => [
        'AWS/Lambda',
        'IteratorAge',
        'FunctionName',
        functionName(id),
        { label: id.replace(/LambdaFunction$/, '') },
      ]),
    ]),
  ];
}

/**
 * @param {number} y
 * @param {string} markdown
 */
function text(y, markdown) {
  return { type: 'text', x: 0, y, width: 2 * HALF, height: 2, properties: { markdown } };
}

/**
 * @param {number} x
 * @param {number} y
 * @param {string} title
 * @param {string} stat
 * @param {unknown[][]} metrics
 */
function metric(x, y, title, stat, metrics) {
  return {
    type: 'metric',
    x,
    y,
    width: HALF,
    height: HEIGHT,
    properties: {
      title,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: resolved by the body's Fn::Sub
      region: '${AWS::Region}',
      view: 'timeSeries',
      stacked: false,
      period: 60,
      stat,
      metrics,
    },
  };
}

/**
 * Saved Logs Insights queries over every function's log group: one order's story, every log line of its
 * correlation id (placement, each saga step, notifications) in time order; and the lines naming an order
 * id, which show the correlation id to follow.
 * @param {Record<string, any>} resources
 * @param {string} name `<service>-<stage>`
 * @returns {Record<string, any>} resources by logical id
 */
export function orderStoryQueries(resources, name) {
  const logGroups = Object.entries(resources)
    .filter(
      ([, resource]) =>
        resource.Type === 'AWS::Logs::LogGroup' &&
        String(resource.Properties?.LogGroupName ?? '').startsWith('/aws/lambda/'),
    )
    .map(([id]) => ({ Ref: id }));
  if (logGroups.length > MAX_LOG_GROUPS) {
    throw new Error(`${logGroups.length} function log groups: a Logs Insights query reads at most 50.`);
  }
  const fields = `fields @timestamp, function_name, level, message, ${CORRELATION_ID_KEY}, orderId, @message`;
  const query = (/** @type {string} */ filter) =>
    [fields, `| filter ${filter}`, '| sort @timestamp asc', '| limit 10000'].join('\n');
  return {
    OrderStoryByCorrelationIdQuery: {
      Type: 'AWS::Logs::QueryDefinition',
      Properties: {
        Name: `${name}/order-story-by-correlation-id`,
        LogGroupNames: logGroups,
        QueryString: query(`${CORRELATION_ID_KEY} = "<correlation id>"`),
      },
    },
    OrderStoryByOrderIdQuery: {
      Type: 'AWS::Logs::QueryDefinition',
      Properties: {
        Name: `${name}/order-story-by-order-id`,
        LogGroupNames: logGroups,
        QueryString: query('orderId = "<order id>" or @message like "<order id>"'),
      },
    },
  };
}
