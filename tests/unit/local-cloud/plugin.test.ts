import { describe, expect, it } from 'vitest';
import LocalCloudPlugin from '../../../scripts/local-cloud/plugin.mjs';
import type { Stage } from '../../../scripts/local-cloud/stages.mjs';

const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:commerce-test-orders-events-dlq';

/** The parts of a resolved serverless.yml (`sls print`) that the local cloud reads for asynchronous invocations. */
function pluginFor(functions: Record<string, Record<string, any>>, stageConfig: Partial<Stage> = {}) {
  const service = {
    service: 'commerce',
    provider: { stage: 'test', region: 'us-east-1', timeout: 10 },
    functions,
    getAllFunctions: () => Object.keys(functions),
    getFunction: (key: string) => {
      const fn = functions[key];
      if (!fn) throw new Error(`Function "${key}" doesn't exist in this Service`);
      return fn;
    },
  };
  const logs: string[] = [];
  const plugin = new LocalCloudPlugin(
    {
      service,
      getProvider: () => ({ naming: { getLambdaLogicalId: (key: string) => `${key}LambdaFunction` } }),
    },
    {},
    {
      log: {
        error: (line: string) => logs.push(line),
        warning: (line: string) => logs.push(line),
        notice: (line: string) => logs.push(line),
      },
    },
  );
  plugin.region = 'us-east-1';
  // Only what these tests read of the stage (stages.json).
  plugin.config = stageConfig as Stage;
  plugin.localNames = new Map([
    ['OrdersEventsDlq', { type: 'queue', name: 'orders-events-dlq', url: 'u', arn: DLQ_ARN }],
  ]);
  return { plugin, logs };
}

const asyncSettings = {
  maximumRetryAttempts: 2,
  maximumEventAge: 21600,
  destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['OrdersEventsDlq', 'Arn'] } } },
};

describe('local cloud plugin: asynchronous invocation settings from serverless.yml', () => {
  it('reads maximumRetryAttempts, maximumEventAge and the on-failure destination (intrinsic resolved)', () => {
    const { plugin } = pluginFor({
      ordersProjectPrices: {
        name: 'commerce-test-ordersProjectPrices',
        ...asyncSettings,
        maximumRetryAttempts: 1,
      },
      bare: { name: 'commerce-test-bare' },
    });
    expect(plugin.asyncConfigOf('ordersProjectPrices')).toEqual({
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:commerce-test-ordersProjectPrices',
      timeoutSeconds: 10,
      maximumRetryAttempts: 1,
      maximumEventAgeSeconds: 21600,
      onFailureArn: DLQ_ARN,
    });
    expect(plugin.asyncConfigOf('bare')).toMatchObject({ onFailureArn: undefined });
    expect(plugin.asyncConfigOf('missing')).toBeUndefined();
  });

  it("spaces retries by the stage's asyncRetryDelaysSeconds, never below a function's timeout + 1 s", () => {
    const { plugin } = pluginFor(
      {
        quick: {
          name: 'commerce-test-quick',
          ...asyncSettings,
          events: [{ eventBridge: { pattern: { source: ['x'] } } }],
        },
        slow: {
          name: 'commerce-test-slow',
          ...asyncSettings,
          timeout: 50,
          events: [{ schedule: 'rate(1 minute)' }],
        },
        undeclared: {
          name: 'commerce-test-undeclared',
          events: [{ eventBridge: { pattern: { source: ['y'] } } }],
        },
      },
      { asyncRetryDelaysSeconds: [12, 24] },
    );
    plugin.scheduleRules = plugin.takeOverSchedules();
    expect(plugin.asyncSummary()).toEqual([
      'quick: 2 retries after 12 s, 24 s → commerce-test-orders-events-dlq',
      'slow: 2 retries after 51 s, 51 s → commerce-test-orders-events-dlq',
      'undeclared: 2 retries after 12 s, 24 s → NONE (dropped)',
    ]);
  });

  it('takes rate schedules over from serverless-offline as schedule rules of the bus; cron stays', () => {
    const { plugin, logs } = pluginFor({
      sweeper: {
        name: 'commerce-test-sweeper',
        events: [{ schedule: 'rate(1 minute)' }, { httpApi: 'GET /x' }],
      },
      withInput: {
        name: 'commerce-test-withInput',
        events: [{ schedule: { rate: ['rate(5 minutes)'], input: '{"mode":"full"}' } }],
      },
      off: { name: 'commerce-test-off', events: [{ schedule: { rate: 'rate(1 minute)', enabled: false } }] },
      nightly: { name: 'commerce-test-nightly', events: [{ schedule: 'cron(0 2 * * ? *)' }] },
    });
    expect(plugin.takeOverSchedules()).toEqual([
      {
        name: 'sweeper-schedule-0',
        eventBusName: 'default',
        scheduleExpression: 'rate(1 minute)',
        targets: [{ id: 'sweeper', kind: 'lambda', functionKey: 'sweeper' }],
      },
      {
        name: 'withInput-schedule-0',
        eventBusName: 'default',
        scheduleExpression: 'rate(5 minutes)',
        targets: [{ id: 'withInput', kind: 'lambda', functionKey: 'withInput', input: { mode: 'full' } }],
      },
    ]);
    // serverless-offline must not run them too; it keeps what the bus cannot do.
    expect(plugin.service.getFunction('sweeper').events).toEqual([{ httpApi: 'GET /x' }]);
    expect(plugin.service.getFunction('off').events).toEqual([]);
    expect(plugin.service.getFunction('nightly').events).toEqual([{ schedule: 'cron(0 2 * * ? *)' }]);
    expect(logs.some((line) => line.includes('nightly') && line.includes('serverless-offline'))).toBe(true);
  });
});
