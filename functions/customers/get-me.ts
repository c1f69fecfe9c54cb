import { getMyProfile } from '../../domains/customers/get-profile.js';
import { profileSchema } from '../../domains/customers/responses.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';
import { clock, customerIdOf, customerRepository } from './dependencies.js';

export const route = defineRoute('GET /me', 'getMe', {
  summary: "The caller's profile (created on first use)",
  access: 'customer',
  responses: { 200: profileSchema },
});

export const handler = httpHandler(route, async ({ caller }) =>
  json(200, await getMyProfile(customerIdOf(caller), { customers: customerRepository(), clock })),
);
