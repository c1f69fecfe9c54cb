import { profileSchema } from '../../domains/customers/responses.js';
import { updateProfileSchema } from '../../domains/customers/schemas.js';
import { updateMyProfile } from '../../domains/customers/update-profile.js';
import { json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';
import { tracedHttpHandler } from '../../shared/http/traced-handler.js';
import { clock, contactSealer, customerIdOf, customerRepository } from './dependencies.js';

export const route = defineRoute('PUT /me', 'updateMe', {
  summary: "Update the caller's name and e-mail",
  access: 'customer',
  body: updateProfileSchema,
  responses: { 200: profileSchema },
  problems: [409],
});

export const handler = tracedHttpHandler(route, async ({ body, caller, correlationId }) =>
  json(
    200,
    await updateMyProfile(
      customerIdOf(caller),
      body,
      { customers: customerRepository(), contacts: contactSealer(), clock },
      { correlationId, causationId: correlationId },
    ),
  ),
);
