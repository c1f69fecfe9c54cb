import type { Stack } from './harness.js';

/**
 * Environment for `npm run replay|redrive|outbox:republish -- --stage <stage>`: points the AWS SDK's default
 * chain at the stage's emulators. The scripts know every stage of scripts/local-cloud/stages.json as local
 * (scripts/stage-clients.mjs); this also covers a stack of a stage they do not know.
 */
export function scriptEnv(stack: Stack): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodb,
    AWS_ENDPOINT_URL_LAMBDA: stack.lambda,
    AWS_ENDPOINT_URL_SQS: stack.sqs,
    AWS_ENDPOINT_URL_EVENTBRIDGE: stack.bus,
  };
}
