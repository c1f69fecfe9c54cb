// Delivery of one event to one rule target for the local EventBridge emulator (event-bus.mjs), as EventBridge
// does it: the target's retry policy (MaximumRetryAttempts, default 3 here, with exponential back-off from
// `retryBaseDelayMs` up to a minute), then its dead-letter queue with the attributes EventBridge sets
// (RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, RETRY_ATTEMPTS), or a log line when it has none.
// Retries only see failures to deliver: a Lambda target is invoked asynchronously (see event-bus.mjs).

/**
 * @typedef {import('./event-bus.mjs').BusEvent} BusEvent
 * @typedef {import('./event-bus.mjs').CompiledRule} CompiledRule
 * @typedef {import('./event-bus.mjs').Deliver} Deliver
 * @typedef {import('./event-bus.mjs').Log} Log
 * @typedef {import('./event-bus.mjs').RuleTarget} RuleTarget
 * @typedef {import('./event-bus.mjs').SqsDeliveryOptions} SqsDeliveryOptions
 * @typedef {import('./event-bus.mjs').SqsMessageAttribute} SqsMessageAttribute
 * @typedef {{ ok: true } | { ok: false, error: string }} AttemptResult
 * What delivery needs from the bus: how to deliver, where to log, the back-off, and the bus's shutdown state
 * (`sleep` is cut short and `aborted` set once the bus stops waiting for deliveries).
 * @typedef {{
 *   deliver: Deliver,
 *   log: Log,
 *   retryBaseDelayMs: number,
 *   sleep(ms: number): Promise<unknown>,
 *   readonly aborted: boolean,
 * }} DeliveryContext
 */

const DEFAULT_MAX_RETRY_ATTEMPTS = 3;
const MAX_RETRY_DELAY_MS = 60_000;

/**
 * One delivery attempt: an asynchronous Invoke of a Lambda target, a SendMessage to an SQS target (a FIFO queue,
 * or a target with a message group, is deduplicated by the event id).
 * @param {Deliver} deliver
 * @param {RuleTarget} target
 * @param {BusEvent} event
 * @returns {Promise<AttemptResult>}
 */
async function attempt(deliver, target, event) {
  try {
    const payload = target.input === undefined ? event : target.input;
    if (target.kind === 'lambda') {
      // Each target gets its own copy, as each Lambda invocation deserialises its own payload.
      const result = await deliver.lambda(
        target.functionKey,
        structuredClone(/** @type {object} */ (payload)),
      );
      return result?.ok
        ? { ok: true }
        : { ok: false, error: String(result?.error ?? 'unknown Lambda error') };
    }
    const isFifo = target.queueArn.endsWith('.fifo');
    /** @type {SqsDeliveryOptions} */
    const sqsOptions = {};
    if (target.messageGroupId !== undefined) sqsOptions.messageGroupId = target.messageGroupId;
    if (isFifo || target.messageGroupId !== undefined) sqsOptions.deduplicationId = event.id;
    await deliver.sqs(target.queueArn, JSON.stringify(payload), sqsOptions);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** @param {CompiledRule} rule @param {RuleTarget} target */
function targetLabel(rule, target) {
  return `rule ${rule.name} target ${target.id} (${target.kind === 'lambda' ? `lambda ${target.functionKey}` : `sqs ${target.queueArn}`})`;
}

/**
 * Delivers the event to the target, retrying as its policy allows; what still fails goes to the target's DLQ.
 * @param {DeliveryContext} context
 * @param {CompiledRule} rule
 * @param {RuleTarget} target
 * @param {BusEvent} event
 */
export async function deliverWithRetry(context, rule, target, event) {
  const where = targetLabel(rule, target);
  const maxRetries = Math.max(0, target.maximumRetryAttempts ?? DEFAULT_MAX_RETRY_ATTEMPTS);
  const outcome = await attemptWithRetries(context, where, target, event, maxRetries);
  if (outcome.delivered) return;
  const { attempts, lastError } = outcome;
  if (context.aborted && attempts <= maxRetries) {
    context.log(
      'warn',
      `[eventbridge] ${where}: event ${event.id} abandoned at shutdown after ${attempts} attempt(s)`,
    );
    return;
  }
  await deadLetter(context, { rule, target, where, event, attempts, lastError });
}

/**
 * Attempts the delivery until it succeeds, the retries are used up or the bus stops.
 * @param {DeliveryContext} context
 * @param {string} where
 * @param {RuleTarget} target
 * @param {BusEvent} event
 * @param {number} maxRetries
 * @returns {Promise<{ delivered: true } | { delivered: false, attempts: number, lastError: string }>}
 */
async function attemptWithRetries(context, where, target, event, maxRetries) {
  const { log } = context;
  let attempts = 0;
  let lastError = '';
  for (;;) {
    attempts++;
    const result = await attempt(context.deliver, target, event);
    if (result.ok) {
      if (attempts > 1)
        log('info', `[eventbridge] ${where}: event ${event.id} delivered on attempt ${attempts}`);
      return { delivered: true };
    }
    lastError = result.error;
    if (attempts > maxRetries || context.aborted) break;
    const delay = Math.min(context.retryBaseDelayMs * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS);
    log(
      'warn',
      `[eventbridge] ${where}: delivery of event ${event.id} failed (attempt ${attempts}/${maxRetries + 1}): ${lastError}; retrying in ${delay} ms`,
    );
    await context.sleep(delay);
    if (context.aborted) break;
  }
  return { delivered: false, attempts, lastError };
}

/**
 * Sends an event that could not be delivered to the target's dead-letter queue, with EventBridge's attributes;
 * without a DLQ the event is dropped with an error line.
 * @param {DeliveryContext} context
 * @param {{ rule: CompiledRule, target: RuleTarget, where: string, event: BusEvent, attempts: number, lastError: string }} failure
 */
async function deadLetter({ deliver, log }, { rule, target, where, event, attempts, lastError }) {
  const failed = `[eventbridge] ${where}: event ${event.id}`;
  if (!target.deadLetterQueueArn) {
    log('error', `${failed} dropped after ${attempts} attempt(s), no DLQ configured: ${lastError}`);
    return;
  }
  /** @type {Record<string, SqsMessageAttribute>} */
  const messageAttributes = {
    RULE_ARN: { DataType: 'String', StringValue: rule.arn },
    ERROR_CODE: { DataType: 'String', StringValue: 'SDK_CLIENT_ERROR' },
    ERROR_MESSAGE: { DataType: 'String', StringValue: lastError.slice(0, 1024) || 'unknown error' },
    RETRY_ATTEMPTS: { DataType: 'String', StringValue: String(attempts - 1) },
  };
  if (target.kind === 'sqs')
    messageAttributes.TARGET_ARN = { DataType: 'String', StringValue: target.queueArn };
  try {
    await deliver.sqs(target.deadLetterQueueArn, JSON.stringify(event), { messageAttributes });
    log(
      'warn',
      `${failed} failed after ${attempts} attempt(s) (${lastError}); sent to DLQ ${target.deadLetterQueueArn}`,
    );
  } catch (error) {
    log(
      'error',
      `${failed} failed after ${attempts} attempt(s) (${lastError}) and could not be sent to DLQ ${target.deadLetterQueueArn}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
