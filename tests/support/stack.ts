import stages from '../../scripts/local-cloud/stages.json' with { type: 'json' };

/** Where the stack booted by tests/e2e/global-setup.ts listens (stage "test", see stages.json). */
export const TEST_STAGE = 'test';
export const stack = {
  api: `http://127.0.0.1:${stages.test.httpPort}`,
  bus: `http://127.0.0.1:${stages.test.eventBusPort}`,
  sqs: `http://127.0.0.1:${stages.test.sqsPort}`,
  dynamodb: `http://127.0.0.1:${stages.test.dynamodbPort}`,
  issuer: `http://127.0.0.1:${stages.test.issuerPort}`,
  audience: stages.test.audience,
};

export const queueUrl = (name: string) =>
  `http://sqs.us-east-1.localhost:${stages.test.sqsPort}/000000000000/commerce-${TEST_STAGE}-${name}`;

export const sandbox = `http://127.0.0.1:${stages.test.paymentSandboxPort}`;
export const lambdaEndpoint = `http://127.0.0.1:${stages.test.lambdaPort}`;
