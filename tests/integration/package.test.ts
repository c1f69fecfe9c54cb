import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `sls package --stage dev` must build a deployable CloudFormation template on a machine with no AWS
 * credentials and no network: this is what `sls deploy --stage dev` would upload.
 */
const ROOT = join(import.meta.dirname, '..', '..');
describe.each(['dev', 'staging', 'prod'])('sls package --stage %s (offline, no credentials)', (stage) => {
  const output = mkdtempSync(join(tmpdir(), `commerce-package-${stage}-`));
  let template: any;
  let resources: Record<string, { Type: string; Properties: Record<string, any> }>;

  beforeAll(async () => {
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: 'no-such-profile',
    };
    await promisify(execFile)(
      join(ROOT, 'node_modules', '.bin', 'sls'),
      ['package', '--stage', stage, '--package', output],
      {
        cwd: ROOT,
        env,
        timeout: 180_000,
      },
    );
    template = JSON.parse(readFileSync(join(output, 'cloudformation-template-update-stack.json'), 'utf8'));
    resources = template.Resources;
  }, 200_000);

  afterAll(() => rmSync(output, { recursive: true, force: true }));

  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

  it('bundles every function on Node.js 22 for arm64, one zip each', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(7);
    for (const [, fn] of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    }
    const zips = readdirSync(output).filter((file) => file.endsWith('.zip'));
    expect(zips.length).toBe(functions.length);
    for (const zip of zips) expect(statSync(join(output, zip)).size).toBeGreaterThan(0);
  });

  it('names every table, queue, bus and function after the stage', () => {
    const names = [
      ...ofType('AWS::DynamoDB::Table').map(([, r]) => r.Properties.TableName),
      ...ofType('AWS::SQS::Queue').map(([, r]) => r.Properties.QueueName),
      ...ofType('AWS::Events::EventBus').map(([, r]) => r.Properties.Name),
      ...ofType('AWS::Lambda::Function').map(([, r]) => r.Properties.FunctionName),
    ];
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(name).toMatch(new RegExp(`^commerce-${stage}-`));
  });

  it('gives every function its own role with no wildcard actions', () => {
    for (const [logicalId, fn] of ofType('AWS::Lambda::Function')) {
      const roleId = fn.Properties.Role['Fn::GetAtt'][0];
      expect(roleId, logicalId).not.toBe('IamRoleLambdaExecution');
      const role = resources[roleId];
      const actions = role?.Properties.Policies.flatMap((policy: any) =>
        policy.PolicyDocument.Statement.flatMap((statement: any) => [statement.Action].flat()),
      );
      expect(actions.length, logicalId).toBeGreaterThan(0);
      for (const action of actions) expect(action, `${logicalId}: ${action}`).not.toMatch(/\*/);
    }
  });

  it('gives every event rule target a DLQ (schedules carry no data: the next tick is the retry)', () => {
    const rules = ofType('AWS::Events::Rule').filter(([, rule]) => !rule.Properties.ScheduleExpression);
    expect(rules.length).toBeGreaterThan(0);
    for (const [logicalId, rule] of rules) {
      for (const target of rule.Properties.Targets)
        expect(target.DeadLetterConfig?.Arn, logicalId).toBeDefined();
    }
  });

  it('puts a DLQ behind every queue that is not itself a DLQ', () => {
    const queues = ofType('AWS::SQS::Queue');
    const ruleDlqIds = ofType('AWS::Events::Rule').flatMap(([, rule]) =>
      rule.Properties.Targets.flatMap((target: any) =>
        target.DeadLetterConfig ? [target.DeadLetterConfig.Arn['Fn::GetAtt'][0]] : [],
      ),
    );
    const dlqIds = new Set([
      ...queues.flatMap(([, q]) =>
        q.Properties.RedrivePolicy ? [q.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0]] : [],
      ),
      ...ruleDlqIds,
    ]);
    for (const [logicalId, queue] of queues) {
      if (dlqIds.has(logicalId)) continue;
      expect(queue.Properties.RedrivePolicy, logicalId).toBeDefined();
    }
  });

  it('guards write routes with the JWT authorizer of the stage user pool', () => {
    const authorizer = ofType('AWS::ApiGatewayV2::Authorizer')[0]?.[1];
    expect(authorizer?.Properties.AuthorizerType).toBe('JWT');
    expect(JSON.stringify(authorizer?.Properties.JwtConfiguration)).toContain('UserPool');
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    const guarded = routes
      .filter((route) => route.AuthorizationType === 'JWT')
      .map((route) => route.RouteKey);
    expect(guarded).toEqual(expect.arrayContaining(['POST /products', 'PUT /products/{productId}/price']));
    const open = routes.filter((route) => route.AuthorizationType !== 'JWT').map((route) => route.RouteKey);
    expect(open.sort()).toEqual([
      'GET /health',
      'GET /openapi.json',
      'GET /products',
      'GET /products/{productId}',
    ]);
  });

  it('writes no account id, region or stage by hand', () => {
    const text = JSON.stringify(template);
    expect(text).not.toMatch(/\b\d{12}\b/);
    expect(text).not.toMatch(/us-east-1|eu-west-1/);
    expect(text).not.toMatch(/127\.0\.0\.1|localhost/);
  });

  it('alarms on the depth of every DLQ and on the errors of every function', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const names = alarms.map((alarm) => JSON.stringify(alarm.AlarmName));
    expect(new Set(names).size, 'CloudWatch refuses two alarms with one name').toBe(names.length);
    const dlqs = ofType('AWS::SQS::Queue').filter(([, queue]) =>
      /-dlq(\.fifo)?$/.test(queue.Properties.QueueName),
    );
    expect(dlqs.length).toBeGreaterThan(3);
    for (const [logicalId] of dlqs) {
      expect(
        alarms.some((alarm) => JSON.stringify(alarm.Dimensions).includes(`"${logicalId}"`)),
        `${logicalId} has a depth alarm`,
      ).toBe(true);
    }
    for (const [logicalId] of ofType('AWS::Lambda::Function')) {
      expect(
        alarms.some(
          (alarm) =>
            alarm.MetricName === 'Errors' && JSON.stringify(alarm.Dimensions).includes(`"${logicalId}"`),
        ),
        `${logicalId} has an error alarm`,
      ).toBe(true);
    }
  });

  it('throttles the HTTP API per stage, keeps logs for the stage retention and traces with X-Ray', () => {
    const settings = ofType('AWS::ApiGatewayV2::Stage')[0]?.[1].Properties.DefaultRouteSettings;
    expect(settings.ThrottlingRateLimit).toBe(stage === 'prod' ? 500 : 50);
    expect(settings.ThrottlingBurstLimit).toBe(stage === 'prod' ? 1000 : 100);
    for (const [, group] of ofType('AWS::Logs::LogGroup')) {
      expect(group.Properties.RetentionInDays).toBe(stage === 'prod' ? 365 : 30);
    }
    for (const [, fn] of ofType('AWS::Lambda::Function'))
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
  });

  it('archives the bus for replay, with the stage retention', () => {
    const archive = ofType('AWS::Events::Archive')[0]?.[1];
    expect(archive?.Properties.RetentionDays).toBe(stage === 'prod' ? 365 : stage === 'dev' ? 7 : 30);
    expect(JSON.stringify(archive?.Properties.SourceArn)).toContain('EventBus');
  });

  it('leaves no unused default role behind', () => {
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });
});
