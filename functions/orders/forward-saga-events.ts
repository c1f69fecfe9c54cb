import { fifoForwarder } from '../../shared/consumers/fifo-forwarder.js';

/** Saga facts about one order reach the orders domain one at a time, in order: grouped by order id. */
export const handler = fifoForwarder({
  queueUrlVariable: 'ORDERS_EVENTS_QUEUE_URL',
  groupIdOf: (event) => {
    const orderId = (event.detail.data as { orderId?: unknown } | undefined)?.orderId;
    if (typeof orderId !== 'string' || orderId === '') throw new Error('The event names no orderId');
    return orderId;
  },
});
