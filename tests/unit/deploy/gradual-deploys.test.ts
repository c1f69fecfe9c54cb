import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  aliasAsyncInvokeConfigs,
  bypassesOfAliases,
  failureQueuesOf,
  gradualDeploySettings,
  rollbackAlarmIds,
} from '../../../scripts/deploy/gradual-deploys.mjs';
import OperationsPlugin from '../../../scripts/deploy/operations-plugin.mjs';

const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const alarm = (dimensions: unknown, extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::CloudWatch::Alarm',
  Properties: { Dimensions: dimensions, ...extra },
});
const errorsAlarm = (functionId: string) =>
  alarm([{ Name: 'FunctionName', Value: { Ref: functionId } }], {
    Namespace: 'AWS/Lambda',
    MetricName: 'Errors',
  });
const depthAlarm = (queueId: string) =>
  alarm([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }], {
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
  });

/** A function invoked by a rule (with a target DLQ and an on-failure destination) and by a queue. */
function template(): Record<string, any> {
  return {
    Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
    Other: { Type: 'AWS::Lambda::Function', Properties: {} },
    Work: {
      Type: 'AWS::SQS::Queue',
      Properties: { RedrivePolicy: { deadLetterTargetArn: arn('WorkDlq') } },
    },
    WorkDlq: { Type: 'AWS::SQS::Queue', Properties: {} },
    EventsDlq: { Type: 'AWS::SQS::Queue', Properties: {} },
    UnrelatedDlq: { Type: 'AWS::SQS::Queue', Properties: {} },
    Mapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { FunctionName: arn('Fn'), EventSourceArn: arn('Work') },
    },
    Rule: {
      Type: 'AWS::Events::Rule',
      Properties: { Targets: [{ Arn: arn('Fn'), DeadLetterConfig: { Arn: arn('EventsDlq') } }] },
    },
    Config: {
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: {
        FunctionName: { Ref: 'Fn' },
        Qualifier: '$LATEST',
        DestinationConfig: { OnFailure: { Destination: arn('EventsDlq') } },
      },
    },
    FnErrorsAlarm: errorsAlarm('Fn'),
    OtherErrorsAlarm: errorsAlarm('Other'),
    WorkDlqDepthAlarm: depthAlarm('WorkDlq'),
    HandWrittenEventsDlqAlarm: depthAlarm('EventsDlq'),
    UnrelatedDlqDepthAlarm: depthAlarm('UnrelatedDlq'),
  };
}

describe('gradual deploy settings from the stage param', () => {
  it('gives the type and the alias live', () => {
    expect(gradualDeploySettings('Canary10Percent5Minutes')).toEqual({
      type: 'Canary10Percent5Minutes',
      alias: 'live',
    });
  });

  it('gives nothing to a stage without one, or with none', () => {
    expect(gradualDeploySettings(undefined)).toBeUndefined();
    expect(gradualDeploySettings('')).toBeUndefined();
    expect(gradualDeploySettings('none')).toBeUndefined();
  });

  it('refuses a type CodeDeploy does not have, naming those it has', () => {
    expect(() => gradualDeploySettings('Canary50Percent1Minute')).toThrow(
      /Unknown deploymentType "Canary50Percent1Minute": use one of AllAtOnce, Canary10Percent5Minutes/,
    );
  });
});

describe('the alarms that roll a deploy back', () => {
  it("are the function's error alarm and the alarms on every queue its failures end in", () => {
    const resources = template();
    expect(failureQueuesOf(resources, 'Fn').sort()).toEqual(['EventsDlq', 'WorkDlq']);
    expect(rollbackAlarmIds(resources, 'Fn')).toEqual([
      'FnErrorsAlarm',
      'WorkDlqDepthAlarm',
      'HandWrittenEventsDlqAlarm',
    ]);
    expect(rollbackAlarmIds(resources, 'Other')).toEqual(['OtherErrorsAlarm']);
  });

  it('are found the same once the event sources point at an alias', () => {
    const resources = template();
    resources.FnAliaslive = { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Fn' } } };
    resources.Mapping.Properties.FunctionName = { Ref: 'FnAliaslive' };
    resources.Rule.Properties.Targets[0].Arn = { Ref: 'FnAliaslive' };
    expect(failureQueuesOf(resources, 'Fn').sort()).toEqual(['EventsDlq', 'WorkDlq']);
  });

  it('refuse a function without an error alarm, and more alarms than CodeDeploy takes', () => {
    const resources = template();
    delete resources.FnErrorsAlarm;
    expect(() => rollbackAlarmIds(resources, 'Fn')).toThrow(/Fn has no error alarm/);
    const crowded = template();
    for (let n = 0; n < 10; n += 1) crowded[`Extra${n}`] = depthAlarm('WorkDlq');
    expect(() => rollbackAlarmIds(crowded, 'Fn')).toThrow(/13 rollback alarms; CodeDeploy takes at most 10/);
  });
});

describe('after the canary plugin', () => {
  it('moves the asynchronous-invocation settings to the alias, created first', () => {
    const resources = template();
    resources.FnAliaslive = { Type: 'AWS::Lambda::Alias', Properties: { Name: 'live' } };
    aliasAsyncInvokeConfigs(resources, { Fn: 'FnAliaslive' });
    expect(resources.Config.Qualifier).toBeUndefined();
    expect(resources.Config.Properties.Qualifier).toBe('live');
    expect(resources.Config.DependsOn).toEqual(['FnAliaslive']);
  });

  it('finds every resource that still invokes a function around its alias', () => {
    const resources = template();
    resources.Mapping.Properties.FunctionName = { Ref: 'FnAliaslive' };
    expect(bypassesOfAliases(resources, { Fn: 'FnAliaslive' })).toEqual(['Rule (AWS::Events::Rule) → Fn']);
  });
});

describe('hook order at package time', () => {
  it('fills in the rollback alarms before serverless-plugin-canary-deployments compiles its groups', () => {
    const require = createRequire(import.meta.url);
    const Canary = require('serverless-plugin-canary-deployments');
    const serverless = { getProvider: () => ({ naming: {} }), service: {} };
    const canaryHooks = Object.keys(new Canary(serverless, {}).hooks);
    const operationsHooks = Object.keys(new OperationsPlugin(serverless, {}).hooks);
    // The operations plugin works on the event itself; every `after:` hook of an event runs after it.
    expect(canaryHooks).toEqual(['after:aws:package:finalize:mergeCustomProviderResources']);
    expect(operationsHooks).toContain('aws:package:finalize:mergeCustomProviderResources');
    expect(operationsHooks).toContain('before:aws:package:finalize:saveServiceState');
  });
});
