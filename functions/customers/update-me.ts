import { updateProfileSchema } from '../../domains/customers/schemas.js';
import { updateMyProfile } from '../../domains/customers/update-profile.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { clock, customerIdOf, customerRepository } from './dependencies.js';

export const handler = httpHandler(
  { access: 'customer', body: updateProfileSchema },
  async ({ body, caller, correlationId }) =>
    json(
      200,
      await updateMyProfile(
        customerIdOf(caller),
        body,
        { customers: customerRepository(), clock },
        { correlationId, causationId: correlationId },
      ),
    ),
);
