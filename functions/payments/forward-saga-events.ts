import * as z from '../../events/zod.js';
import { fifoForwarder } from '../../shared/consumers/fifo-forwarder.js';

const orderEvent = z.object({ data: z.object({ orderId: z.string().check(z.minLength(1)) }) });

/** Rule target: puts the saga events payments consumes on its FIFO queue, one message group per order. */
export const handler = fifoForwarder({
  queueUrlVariable: 'PAYMENTS_EVENTS_QUEUE_URL',
  groupIdOf: (event) => orderEvent.parse(event.detail).data.orderId,
});
