import { stageOf } from '../../scripts/local-cloud/stages.mjs';

/** Where the stack booted by tests/e2e/global-setup.ts listens (stage "test", see stages.json). */
export const TEST_STAGE = 'test';
/** The ports and audience of the test stage. */
export const testStage = stageOf(TEST_STAGE);
export const stack = {
  api: `http://127.0.0.1:${testStage.httpPort}`,
  bus: `http://127.0.0.1:${testStage.eventBusPort}`,
  sqs: `http://127.0.0.1:${testStage.sqsPort}`,
  dynamodb: `http://127.0.0.1:${testStage.dynamodbPort}`,
  issuer: `http://127.0.0.1:${testStage.issuerPort}`,
  audience: testStage.audience,
};

export const queueUrl = (name: string) =>
  `http://sqs.us-east-1.localhost:${testStage.sqsPort}/000000000000/commerce-${TEST_STAGE}-${name}`;

export const sandbox = `http://127.0.0.1:${testStage.paymentSandboxPort}`;
export const lambdaEndpoint = `http://127.0.0.1:${testStage.lambdaPort}`;
