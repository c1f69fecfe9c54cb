import type { Stack } from './harness.js';

/**
 * Environment for `npm run replay|redrive -- --stage <stage>`: points the AWS SDK's default chain at the
 * stage's emulators. Needed because scripts/replay.mjs treats only `local` and `test` as local stages
 * (LOCAL_STAGES) and would otherwise talk to AWS for `--stage drill`; harmless for the other stages.
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
