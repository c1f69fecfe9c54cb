import { getMyProfile } from '../../domains/customers/get-profile.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { clock, customerIdOf, customerRepository } from './dependencies.js';

export const handler = httpHandler({ access: 'customer' }, async ({ caller }) =>
  json(200, await getMyProfile(customerIdOf(caller), { customers: customerRepository(), clock })),
);
