import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ProductCreatedV1 } from '../../events/catalog/index.js';
import { createEnvelope } from '../../events/envelope.js';
import { zipEntries, zipEntryContent } from '../../scripts/bench/lib.js';
import { outboxPut } from '../../shared/outbox/record.js';

const require = createRequire(import.meta.url);
/** The X-Ray SDK's file, from a zip's root: `functions/_lazy/tracing.mjs`. */
const { XRAY_FILE } = require('../../scripts/deploy/esbuild-plugins.cjs') as { XRAY_FILE: string };
/** The same file, from the `functions/` folder every handler bundle sits one folder below. */
const XRAY_FILE_IN_FUNCTIONS = XRAY_FILE.replace(/^functions\//, '');

/**
 * `sls package --stage dev` must build a deployable CloudFormation template on a machine with no AWS
 * credentials and no network: this is what `sls deploy --stage dev` would upload.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const stageParams = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')).params;
/** The logical id an intrinsic (`Fn::GetAtt`, `Ref`) points at. */
const target = (value: any): string | undefined => value?.['Fn::GetAtt']?.[0] ?? value?.Ref;
/** How each stage's deploys shift traffic (serverless.yml, param deploymentType). */
const DEPLOYMENT_CONFIGS: Record<string, string> = {
  dev: 'AllAtOnce',
  staging: 'Linear10PercentEvery1Minute',
  prod: 'Canary10Percent5Minutes',
};
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
        timeout: 480_000,
      },
    );
    template = JSON.parse(readFileSync(join(output, 'cloudformation-template-update-stack.json'), 'utf8'));
    resources = template.Resources;
  }, 500_000);

  afterAll(() => rmSync(output, { recursive: true, force: true }));

  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const zips = () => readdirSync(output).filter((file) => file.endsWith('.zip'));
  /** A zip's file, as text. */
  const fileOf = (zip: string, matches: (name: string) => boolean): string | undefined => {
    const buffer = readFileSync(join(output, zip));
    const entry = zipEntries(buffer).find((candidate) => matches(candidate.name));
    return entry && zipEntryContent(buffer, entry).toString('utf8');
  };
  /** The function's handler bundle. */
  const handlerBundleOf = (zip: string): string => {
    const code = fileOf(zip, (name) => name.endsWith('.mjs') && name !== XRAY_FILE);
    if (code === undefined) throw new Error(`${zip} has no bundle`);
    return code;
  };
  /** The X-Ray SDK's own file, in the zips of the routes that change state. */
  const xrayFileOf = (zip: string): string | undefined => fileOf(zip, (name) => name === XRAY_FILE);
  /** The function a reference invokes: the function itself or, through its alias, the function behind it. */
  const invoked = (value: any): string | undefined => {
    const id = target(value) ?? '';
    return resources[id]?.Type === 'AWS::Lambda::Alias' ? target(resources[id]?.Properties.FunctionName) : id;
  };
  /** Functions that EventBridge invokes asynchronously: targets of event rules and of schedules. */
  const asyncInvoked = () =>
    ofType('AWS::Events::Rule').flatMap(([, rule]) =>
      rule.Properties.Targets.filter(
        (t: any) => resources[invoked(t.Arn) ?? '']?.Type === 'AWS::Lambda::Function',
      ).map((t: any) => ({ functionId: invoked(t.Arn) as string, rule: rule.Properties, ruleTarget: t })),
    );
  const streamMappings = () =>
    ofType('AWS::Lambda::EventSourceMapping').filter(
      ([, mapping]) => mapping.Properties.EventSourceArn['Fn::GetAtt']?.[1] === 'StreamArn',
    );
  /** Queues that receive failures: redrive targets, rule-target DLQs and on-failure destinations. */
  const failureQueueIds = () =>
    new Set(
      Object.values(resources).flatMap((resource) =>
        [
          resource.Properties?.RedrivePolicy?.deadLetterTargetArn,
          ...(resource.Properties?.Targets ?? []).map((t: any) => t.DeadLetterConfig?.Arn),
          resource.Properties?.DestinationConfig?.OnFailure?.Destination,
        ].flatMap((arn) => (arn ? [target(arn)] : [])),
      ),
    );
  const roleStatements = (functionId: string): any[] => {
    const role = resources[target(resources[functionId]?.Properties.Role) ?? ''];
    return role?.Properties.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement) ?? [];
  };
  const allows = (functionId: string, action: string, resource: unknown) =>
    roleStatements(functionId).some(
      (statement) =>
        statement.Effect === 'Allow' &&
        [statement.Action].flat().includes(action) &&
        JSON.stringify([statement.Resource].flat()).includes(JSON.stringify(resource)),
    );

  it('bundles every function on Node.js 22 for arm64, one zip each', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(7);
    for (const [, fn] of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
    }
    expect(zips().length).toBe(functions.length);
    for (const zip of zips()) expect(statSync(join(output, zip)).size).toBeGreaterThan(0);
  });

  it('ships each function as its bundle alone (and the X-Ray SDK file it imports): no source map, none named', () => {
    for (const zip of zips()) {
      const names = zipEntries(readFileSync(join(output, zip))).map((entry) => entry.name);
      const code = handlerBundleOf(zip);
      const importsXRayFile = code.includes(`import("../${XRAY_FILE_IN_FUNCTIONS}")`);
      expect(
        names.filter((name) => name.endsWith('.mjs') && name !== XRAY_FILE),
        zip,
      ).toHaveLength(1);
      expect(names.includes(XRAY_FILE), `${zip} has ${XRAY_FILE} exactly when its bundle imports it`).toBe(
        importsXRayFile,
      );
      expect(
        names.filter((name) => name.endsWith('.map')),
        zip,
      ).toEqual([]);
      // a map the zip does not hold would still be looked for at every cold start (--enable-source-maps)
      expect(code.includes('sourceMappingURL'), zip).toBe(false);
    }
  });

  it('imports node:http in no bundle as an ES module (on Node.js 22 that loads undici at every cold start)', () => {
    // shared/aws/node-http.ts: the facade of an ESM import reads http's lazy WebSocket getters.
    for (const zip of zips()) {
      const code = handlerBundleOf(zip) + (xrayFileOf(zip) ?? '');
      expect(code.length, zip).toBeGreaterThan(1000);
      expect(code.match(/from\s*["'](node:)?http["']/g) ?? [], zip).toEqual([]);
    }
  });

  it("validates with zod/mini alone: no bundle holds classic zod's API or a locale but English", () => {
    // events/zod.ts: classic zod costs ~20 ms of a cold start; a namespace re-exported as a value once
    // pulled all of zod, with its 40-odd locales, into every bundle.
    const CLASSIC_ZOD = '"ZodString"'; // its schema classes' names; zod/mini's are "ZodMini…"
    const GERMAN_LOCALE = 'Ungültige Eingabe';
    for (const zip of zips()) {
      const code = handlerBundleOf(zip) + (xrayFileOf(zip) ?? '');
      expect(code.includes(CLASSIC_ZOD), zip).toBe(false);
      expect(code.includes(GERMAN_LOCALE), zip).toBe(false);
    }
  });

  it('traces with the X-Ray SDK exactly the routes that change state, from a file of its own', () => {
    // shared/http/traced-handler.ts and scripts/deploy/esbuild-plugins.cjs; a string only the X-Ray SDK's
    // bundled code holds
    const XRAY_SDK = 'AWS_XRAY_CONTEXT_MISSING';
    const methodsByZip = new Map<string, string[]>();
    for (const [, route] of ofType('AWS::ApiGatewayV2::Route')) {
      const integration = resources[route.Properties.Target['Fn::Join'][1][1].Ref];
      const [aliasId] =
        /\w+LambdaFunctionAlias\w+/.exec(JSON.stringify(integration?.Properties.IntegrationUri)) ?? [];
      const functionId = invoked({ Ref: aliasId }) ?? '';
      const zip = `${String(resources[functionId]?.Properties.FunctionName).replace(`commerce-${stage}-`, '')}.zip`;
      methodsByZip.set(zip, [...(methodsByZip.get(zip) ?? []), route.Properties.RouteKey.split(' ')[0]]);
    }
    expect(methodsByZip.size).toBeGreaterThanOrEqual(15);
    for (const [zip, methods] of methodsByZip) {
      // not in the handler's bundle, where Node would compile it at every cold start (decisions.md, entry 57)
      expect(handlerBundleOf(zip).includes(XRAY_SDK), zip).toBe(false);
      const traced = xrayFileOf(zip)?.includes(XRAY_SDK) ?? false;
      expect(traced, `${zip} (${methods.join(', ')})`).toBe(methods.some((method) => method !== 'GET'));
    }
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

  it('puts a DLQ behind every queue that is not itself a failure queue', () => {
    const dlqIds = failureQueueIds();
    for (const [logicalId, queue] of ofType('AWS::SQS::Queue')) {
      if (dlqIds.has(logicalId)) continue;
      expect(queue.Properties.RedrivePolicy, logicalId).toBeDefined();
    }
  });

  it('gives every function a rule or schedule invokes an on-failure destination, with bounded retries and age', () => {
    const invoked = asyncInvoked();
    expect(invoked.some(({ rule }) => rule.ScheduleExpression)).toBe(true);
    expect(invoked.some(({ rule }) => rule.EventPattern)).toBe(true);
    const configs = ofType('AWS::Lambda::EventInvokeConfig').map(([, config]) => config.Properties);
    for (const { functionId, rule, ruleTarget } of invoked) {
      const config = configs.find((c) => target(c.FunctionName) === functionId);
      expect(config, `${functionId} has an EventInvokeConfig`).toBeDefined();
      // The settings of the qualifier the rule invokes, its alias: on `$LATEST` they would never apply.
      expect(config?.Qualifier).toBe(resources[target(ruleTarget.Arn) ?? '']?.Properties.Name);
      expect(config?.Qualifier).toBe('live');
      expect(config?.MaximumRetryAttempts, functionId).toBe(stageParams.default.asyncRetryAttempts);
      expect(config?.MaximumEventAgeInSeconds, functionId).toBe(stageParams.default.asyncMaxEventAgeSeconds);
      const destination = config?.DestinationConfig?.OnFailure?.Destination;
      expect(resources[target(destination) ?? '']?.Type, `${functionId} fails into a queue`).toBe(
        'AWS::SQS::Queue',
      );
      // One queue per domain holds both what the rule could not deliver and what the function could not handle.
      if (!rule.ScheduleExpression) expect(destination, functionId).toEqual(ruleTarget.DeadLetterConfig.Arn);
    }
    // Bounded as Lambda allows: 0-2 retries, 60 s to 6 h of age.
    expect(stageParams.default.asyncRetryAttempts).toBeLessThanOrEqual(2);
    expect(stageParams.default.asyncMaxEventAgeSeconds).toBeLessThanOrEqual(21_600);
  });

  it('feeds each busQueue consumer from its own queue: its rules send there, it reads batches of 10 within 1 s', () => {
    for (const [functionId, patterns] of [
      [
        'ViewsProjectOrdersLambdaFunction',
        [{ source: ['commerce.orders'], 'detail-type': ['OrderPlaced', 'OrderConfirmed', 'OrderCancelled'] }],
      ],
      ['EventStoreAppendEventLambdaFunction', [{ source: [{ prefix: 'commerce.' }] }]],
      [
        'NotificationsNotifyLambdaFunction',
        [
          { source: ['commerce.orders'], 'detail-type': ['OrderConfirmed', 'OrderCancelled'] },
          { source: ['commerce.payments'], 'detail-type': ['PaymentDeclined'] },
        ],
      ],
      [
        'CatalogProjectStockLevelLambdaFunction',
        [{ source: ['commerce.inventory'], 'detail-type': ['StockLevelChanged'] }],
      ],
      [
        'InventorySellConfirmedOrdersLambdaFunction',
        [{ source: ['commerce.orders'], 'detail-type': ['OrderConfirmed'] }],
      ],
    ] as const) {
      const [, mapping] =
        ofType('AWS::Lambda::EventSourceMapping').find(
          ([, m]) => invoked(m.Properties.FunctionName) === functionId,
        ) ?? [];
      expect(mapping?.Properties, functionId).toMatchObject({
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      const queueId = target(mapping?.Properties.EventSourceArn) as string;
      const queue = resources[queueId]?.Properties;
      expect(queue?.QueueName).toBe(
        `commerce-${stage}-${functionId
          .replace('LambdaFunction', '')
          .replace(/^./, (c) => c.toLowerCase())
          .replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
      );
      const dlqId = target(queue?.RedrivePolicy.deadLetterTargetArn) as string;
      expect(resources[dlqId]?.Properties.QueueName).toBe(`${queue?.QueueName}-dlq`);
      // no asynchronous invocation any more: nothing invokes the function but its queue
      expect(asyncInvoked().filter((invoked) => invoked.functionId === functionId)).toEqual([]);
      const rules = ofType('AWS::Events::Rule').filter(([, rule]) =>
        rule.Properties.Targets.some((t: any) => target(t.Arn) === queueId),
      );
      expect(rules.map(([, rule]) => rule.Properties.EventPattern)).toEqual(patterns);
      for (const [, rule] of rules) {
        expect(target(rule.Properties.Targets[0].DeadLetterConfig.Arn)).toBe(dlqId);
      }
      const [, policy] =
        ofType('AWS::SQS::QueuePolicy').find(([, p]) =>
          p.Properties.Queues.some((q: any) => target(q) === queueId),
        ) ?? [];
      const statement = policy?.Properties.PolicyDocument.Statement[0];
      expect(statement.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(statement.Condition.ArnEquals['aws:SourceArn'].map(target).sort()).toEqual(
        rules.map(([id]) => id).sort(),
      );
      expect(
        allows(functionId, 'sqs:ReceiveMessage', {
          'Fn::GetAtt': [queueId, 'Arn'],
        }),
      ).toBe(true);
    }
  });

  it('bounds every stream mapping, bisects failing batches and records what runs out', () => {
    const mappings = streamMappings();
    const streamedTables = ofType('AWS::DynamoDB::Table').filter(([, t]) => t.Properties.StreamSpecification);
    expect(mappings.length).toBe(streamedTables.length);
    for (const [logicalId, mapping] of mappings) {
      const properties = mapping.Properties;
      expect(properties.MaximumRetryAttempts, logicalId).toBeGreaterThanOrEqual(0);
      expect(properties.MaximumRetryAttempts, logicalId).toBeLessThanOrEqual(10_000);
      // Below the stream's 24 h retention, or the bound never applies and records expire unseen.
      expect(properties.MaximumRecordAgeInSeconds, logicalId).toBeGreaterThanOrEqual(60);
      expect(properties.MaximumRecordAgeInSeconds, logicalId).toBeLessThan(24 * 3600);
      expect(properties.BisectBatchOnFunctionError, logicalId).toBe(true);
      expect(properties.DestinationConfig?.OnFailure?.Destination, logicalId).toEqual({
        'Fn::GetAtt': ['OutboxRelayFailuresQueue', 'Arn'],
      });
    }
    expect(resources.OutboxRelayFailuresQueue?.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('keeps outbox items until the relay failures queue has forgotten them, so a window can be republished', () => {
    const envelope = createEnvelope(ProductCreatedV1, {} as never, { correlationId: 'c', causationId: 'c' });
    const item = outboxPut('t', 's', envelope).Put.Item;
    const retention = item.expiresAt - Math.floor(Date.parse(envelope.metadata.occurredAt) / 1000);
    const longestRecordAge = Math.max(
      ...streamMappings().map(([, mapping]) => mapping.Properties.MaximumRecordAgeInSeconds),
    );
    const failureRetention = resources.OutboxRelayFailuresQueue?.Properties.MessageRetentionPeriod;
    expect(retention).toBeGreaterThanOrEqual(failureRetention + longestRecordAge);
  });

  it('lets each function send to its own failure destination, and to no queue listing', () => {
    const withDestinations = [
      ...ofType('AWS::Lambda::EventInvokeConfig'),
      ...ofType('AWS::Lambda::EventSourceMapping'),
    ].filter(([, resource]) => resource.Properties.DestinationConfig);
    expect(withDestinations.length).toBeGreaterThan(asyncInvoked().length);
    for (const [logicalId, resource] of withDestinations) {
      const functionId = invoked(resource.Properties.FunctionName) as string;
      const destination = resource.Properties.DestinationConfig.OnFailure.Destination;
      expect(allows(functionId, 'sqs:SendMessage', destination), `${logicalId}: ${functionId}`).toBe(true);
    }
    for (const [logicalId] of ofType('AWS::Lambda::Function')) {
      const actions = roleStatements(logicalId).flatMap((statement) => [statement.Action].flat());
      expect(actions, logicalId).not.toContain('sqs:ListQueues');
    }
    // EventBridge still delivers what its rules cannot hand over to the same queues.
    for (const { ruleTarget } of asyncInvoked().filter(({ rule }) => !rule.ScheduleExpression)) {
      const queueId = target(ruleTarget.DeadLetterConfig.Arn);
      const policy = ofType('AWS::SQS::QueuePolicy').find(([, p]) =>
        p.Properties.Queues.some((queue: any) => target(queue) === queueId),
      );
      expect(
        JSON.stringify(policy?.[1].Properties.PolicyDocument),
        `${queueId} admits EventBridge`,
      ).toContain('events.amazonaws.com');
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

  it('alarms on the depth of every failure queue and on the errors of every function', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const names = alarms.map((alarm) => JSON.stringify(alarm.AlarmName));
    expect(new Set(names).size, 'CloudWatch refuses two alarms with one name').toBe(names.length);
    const failureQueues = failureQueueIds();
    const dlqs = ofType('AWS::SQS::Queue').filter(
      ([logicalId, queue]) =>
        /-dlq(\.fifo)?$/.test(queue.Properties.QueueName) || failureQueues.has(logicalId),
    );
    expect(dlqs.map(([logicalId]) => logicalId)).toContain('OutboxRelayFailuresQueue');
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

  it('alarms when a relay lags behind its stream and when the relays fail to publish', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const relays = streamMappings().map(([, mapping]) => invoked(mapping.Properties.FunctionName));
    expect(relays.length).toBeGreaterThan(0);
    for (const relay of relays) {
      expect(
        alarms.some(
          (alarm) =>
            alarm.Namespace === 'AWS/Lambda' &&
            alarm.MetricName === 'IteratorAge' &&
            JSON.stringify(alarm.Dimensions) ===
              JSON.stringify([{ Name: 'FunctionName', Value: { Ref: relay } }]),
        ),
        `${relay} has an IteratorAge alarm`,
      ).toBe(true);
    }
    // The metric exactly as Powertools emits it: the relay's namespace and its one default dimension.
    const relaySource = readFileSync(join(ROOT, 'shared', 'outbox', 'relay.ts'), 'utf8');
    expect(relaySource).toContain("addMetric('OutboxPublishFailures'");
    const environment = resources[relays[0] as string]?.Properties.Environment.Variables;
    const publishFailures = alarms.filter((alarm) => alarm.MetricName === 'OutboxPublishFailures');
    expect(publishFailures).toHaveLength(1);
    expect(publishFailures[0]).toMatchObject({
      Namespace: environment.POWERTOOLS_METRICS_NAMESPACE,
      Dimensions: [{ Name: 'service', Value: environment.POWERTOOLS_SERVICE_NAME }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it("sends every alarm to the stage topic, whose e-mail subscriber is the stage's alarmEmail param", () => {
    const topics = ofType('AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    const [topicId] = topics[0] as [string, unknown];
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const [logicalId, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, logicalId).toContainEqual({ Ref: topicId });
      expect(alarm.Properties.OKActions, logicalId).toContainEqual({ Ref: topicId });
    }
    const subscriptions = ofType('AWS::SNS::Subscription').map(([, subscription]) => subscription.Properties);
    expect(subscriptions).toEqual([
      { TopicArn: { Ref: topicId }, Protocol: 'email', Endpoint: stageParams[stage].alarmEmail },
    ]);
    expect(stageParams[stage].alarmEmail).toMatch(/^[^@\s]+@[^@\s]+$/);
  });

  it('throttles the HTTP API per stage, keeps logs for the stage retention and traces with X-Ray', () => {
    const settings = ofType('AWS::ApiGatewayV2::Stage')[0]?.[1].Properties.DefaultRouteSettings;
    expect(settings.ThrottlingRateLimit).toBe(stage === 'prod' ? 500 : 50);
    expect(settings.ThrottlingBurstLimit).toBe(stage === 'prod' ? 1000 : 100);
    for (const [, group] of ofType('AWS::Logs::LogGroup')) {
      expect(group.Properties.RetentionInDays).toBe(stage === 'prod' ? 365 : 30);
    }
    // Every function records traces but two kinds, which only join a trace they are given: the relays (a
    // stream carries none, so they publish under their events' own) and the read routes (decisions.md,
    // entry 58). A read is found from the template's routes, not from the plugin that sets the mode.
    const relays = ofType('AWS::Lambda::Function').filter(([, fn]) =>
      /outbox[-/]relay\.handler$/.test(fn.Properties.Handler),
    );
    expect(relays.length).toBe(5);
    const functionServing = (routeKey: string) => {
      const route = ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === routeKey);
      const integrationId = route?.[1].Properties.Target['Fn::Join'][1][1].Ref;
      const uri = JSON.stringify(resources[integrationId]?.Properties.IntegrationUri);
      return /"(\w+LambdaFunction)(?:Alias\w+)?"/.exec(uri)?.[1];
    };
    const routeKeys = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey as string);
    const reads = routeKeys.filter((key) => key.startsWith('GET ')).map(functionServing);
    const writes = routeKeys.filter((key) => !key.startsWith('GET ')).map(functionServing);
    expect(reads).toContain('OrdersGetOrderLambdaFunction');
    expect(writes).toContain('OrdersPlaceOrderLambdaFunction');
    const passThrough = new Set([...relays.map(([id]) => id), ...reads]);
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      const mode = passThrough.has(id) ? 'PassThrough' : 'Active';
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: mode });
    }
  });

  it('archives the bus for replay, with the stage retention', () => {
    const archive = ofType('AWS::Events::Archive')[0]?.[1];
    expect(archive?.Properties.RetentionDays).toBe(stage === 'prod' ? 365 : stage === 'dev' ? 7 : 30);
    expect(JSON.stringify(archive?.Properties.SourceArn)).toContain('EventBus');
  });

  it('retains every table, user pool, queue and key in prod and tears everything down elsewhere', () => {
    // Listed here, not imported from the plugin: dropping a type there must fail this test.
    const dataTypes = [
      'AWS::DynamoDB::Table',
      'AWS::Cognito::UserPool',
      'AWS::Cognito::UserPoolGroup',
      'AWS::SQS::Queue',
      'AWS::KMS::Key',
    ];
    const holdingData = Object.entries(resources).filter(([, r]) => dataTypes.includes(r.Type));
    expect(ofType('AWS::DynamoDB::Table').length).toBeGreaterThanOrEqual(9);
    expect(ofType('AWS::Cognito::UserPool')).toHaveLength(1);
    const policies = (resource: unknown) => {
      const { DeletionPolicy, UpdateReplacePolicy } = resource as Record<string, unknown>;
      return { DeletionPolicy, UpdateReplacePolicy };
    };
    if (stage === 'prod') {
      for (const [logicalId, resource] of holdingData) {
        expect(policies(resource), logicalId).toEqual({
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
        });
      }
      for (const [logicalId, table] of ofType('AWS::DynamoDB::Table'))
        expect(table.Properties.DeletionProtectionEnabled, logicalId).toBe(true);
      expect(ofType('AWS::Cognito::UserPool')[0]?.[1].Properties.DeletionProtection).toBe('ACTIVE');
    } else {
      // (The framework retains Lambda versions on every stage; they hold no data.)
      for (const [logicalId, resource] of holdingData) {
        expect(JSON.stringify(policies(resource)), logicalId).not.toContain('Retain');
        expect(resource.Properties?.DeletionProtectionEnabled, logicalId).toBeUndefined();
        expect(resource.Properties?.DeletionProtection, logicalId).toBeUndefined();
      }
    }
  });

  it('can restore every table to any point in time and keeps every queued message 14 days', () => {
    for (const [logicalId, table] of ofType('AWS::DynamoDB::Table')) {
      expect(table.Properties.PointInTimeRecoverySpecification, logicalId).toEqual({
        PointInTimeRecoveryEnabled: true,
      });
    }
    // Work queues as long as their DLQs: a FIFO DLQ restarts a message's age, a standard one does not.
    for (const [logicalId, queue] of ofType('AWS::SQS::Queue'))
      expect(queue.Properties.MessageRetentionPeriod, logicalId).toBe(14 * 24 * 3600);
  });

  it('bounds user pool tokens, hides which e-mails have accounts and lets customers sign up', () => {
    const pool = ofType('AWS::Cognito::UserPool')[0]?.[1].Properties;
    const clients = ofType('AWS::Cognito::UserPoolClient').map(([, client]) => client.Properties);
    expect(clients.length).toBeGreaterThan(0);
    for (const client of clients) {
      expect(client).toMatchObject({
        AccessTokenValidity: 60,
        IdTokenValidity: 60,
        RefreshTokenValidity: 30,
        TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
        EnableTokenRevocation: true,
        PreventUserExistenceErrors: 'ENABLED',
        GenerateSecret: false,
      });
    }
    expect(pool?.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: false });
    expect(pool?.AutoVerifiedAttributes).toEqual(['email']);
    expect(pool?.UserAttributeUpdateSettings).toEqual({
      AttributesRequireVerificationBeforeUpdate: ['email'],
    });
    expect(pool?.Policies.PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(12);
  });

  it("lets only the notify function send mail, and only from the stage's SES identity and address", () => {
    const { mailIdentity, mailFromAddress } = stageParams[stage];
    const identityArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ses:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:identity/${mailIdentity}`,
        ],
      ],
    };
    const senders = ofType('AWS::Lambda::Function').flatMap(([functionId]) =>
      roleStatements(functionId)
        .filter((statement) => [statement.Action].flat().some((action: string) => action.startsWith('ses:')))
        .map((statement) => ({ functionId, statement })),
    );
    expect(senders.map(({ functionId }) => functionId)).toEqual(['NotificationsNotifyLambdaFunction']);
    expect(senders[0]?.statement).toEqual({
      Effect: 'Allow',
      Action: ['ses:SendEmail'],
      Resource: identityArn,
      Condition: { StringEquals: { 'ses:FromAddress': mailFromAddress } },
    });
    expect(
      resources.NotificationsNotifyLambdaFunction?.Properties.Environment.Variables.MAIL_FROM_ADDRESS,
    ).toBe(mailFromAddress);
    expect(mailFromAddress.endsWith(`@${mailIdentity}`) || mailFromAddress === mailIdentity).toBe(true);
  });

  /** An IAM ARN or name built with Fn::Join, as text: `${AWS::Region}` etc. stand for the pseudo parameters. */
  const rendered = (value: any): string => {
    if (typeof value === 'string') return value;
    if (value?.Ref) return `\${${value.Ref}}`;
    const [separator, parts] = value?.['Fn::Join'] ?? ['', []];
    return parts.map(rendered).join(separator);
  };
  const KMS_CRYPTO = /^kms:(\*|Encrypt|Decrypt|ReEncrypt|GenerateDataKey)/;
  /** Each key, the one purpose it serves, and the functions that may use it: who seals, who opens. */
  const SEALING_KEYS = {
    PaymentTokenKey: {
      purpose: 'payment-token',
      keyIdVariable: 'PAYMENT_TOKEN_KEY_ID',
      sealers: ['OrdersPlaceOrderLambdaFunction'],
      openers: ['PaymentsHandleEventsLambdaFunction', 'PaymentsRetryPendingLambdaFunction'],
    },
    CustomerContactKey: {
      purpose: 'customer-contact',
      keyIdVariable: 'CUSTOMER_CONTACT_KEY_ID',
      sealers: ['CustomersUpdateMeLambdaFunction'],
      openers: ['NotificationsProjectContactsLambdaFunction'],
    },
  };
  /** An IAM role's name as text (see `rendered`), by the function it belongs to. */
  const roleNameOf = (functionId: string) =>
    rendered(resources[target(resources[functionId]?.Properties.Role) ?? '']?.Properties.RoleName);

  it("lets only each key's sealers encrypt and its openers decrypt, one action on one key for one purpose", () => {
    const keys = ofType('AWS::KMS::Key');
    expect(keys.map(([logicalId]) => logicalId).sort()).toEqual(Object.keys(SEALING_KEYS).sort());
    for (const [keyId, key] of keys) {
      expect(key.Properties, keyId).toMatchObject({
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        EnableKeyRotation: true,
      });
      const { purpose } = SEALING_KEYS[keyId as keyof typeof SEALING_KEYS];
      expect(resources[`${keyId}Alias`]?.Properties, keyId).toEqual({
        AliasName: `alias/commerce-${stage}-${purpose}`,
        TargetKeyId: { Ref: keyId },
      });
    }
    // given every KMS permission of every function's role
    const kmsUsers = Object.fromEntries(
      ofType('AWS::Lambda::Function').flatMap(([functionId]) => {
        const statements = roleStatements(functionId).filter((statement) =>
          [statement.Action].flat().some((action: string) => action.startsWith('kms:')),
        );
        return statements.length > 0 ? [[functionId, statements]] : [];
      }),
    );
    // then only the keys' users have one: one action, on their key, for its purpose only
    const expected = Object.entries(SEALING_KEYS).flatMap(([keyId, key]) => [
      ...key.sealers.map((functionId) => ({ functionId, keyId, key, action: 'kms:Encrypt' })),
      ...key.openers.map((functionId) => ({ functionId, keyId, key, action: 'kms:Decrypt' })),
    ]);
    expect(Object.keys(kmsUsers).sort()).toEqual(expected.map(({ functionId }) => functionId).sort());
    for (const { functionId, keyId, key, action } of expected) {
      expect(kmsUsers[functionId], functionId).toEqual([
        {
          Effect: 'Allow',
          Action: [action],
          Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
          Condition: { StringEquals: { 'kms:EncryptionContext:purpose': key.purpose } },
        },
      ]);
      expect(resources[functionId]?.Properties.Environment.Variables[key.keyIdVariable], functionId).toEqual({
        Ref: `${keyId}Alias`,
      });
    }
  });

  it.each(Object.entries(SEALING_KEYS))(
    "gives %s a policy with no wildcard principal, whose crypto is only its users' roles",
    (keyId, key) => {
      const statements: any[] = resources[keyId]?.Properties.KeyPolicy.Statement ?? [];
      expect(statements.length).toBeGreaterThan(0);
      const account = `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root`;
      for (const statement of statements) {
        expect(statement.Effect, statement.Sid).toBe('Allow');
        expect(rendered(statement.Principal?.AWS), statement.Sid).toBe(account);
      }
      // given which roles each statement lets use the key for cryptography
      const crypto = statements.filter((statement) =>
        [statement.Action].flat().some((action: string) => KMS_CRYPTO.test(action)),
      );
      const granted = crypto.map((statement) => ({
        actions: [statement.Action].flat(),
        roles: [statement.Condition?.ArnEquals?.['aws:PrincipalArn']].flat().map(rendered),
        purpose: statement.Condition?.StringEquals?.['kms:EncryptionContext:purpose'],
      }));
      // then encrypting is the sealers' roles alone, decrypting the openers' alone, both for its purpose; the
      // names match the roles' real names on this stage (the plugin shortens names over IAM's 64 characters)
      const roleArn = (functionId: string) =>
        `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${roleNameOf(functionId)}`;
      expect(granted).toEqual([
        { actions: ['kms:Encrypt'], roles: key.sealers.map(roleArn), purpose: key.purpose },
        { actions: ['kms:Decrypt'], roles: key.openers.map(roleArn), purpose: key.purpose },
      ]);
      for (const functionId of [...key.sealers, ...key.openers]) {
        expect(roleNameOf(functionId).length, functionId).toBeLessThanOrEqual(64);
        expect(resources[target(resources[functionId]?.Properties.Role) ?? '']?.Properties.Path ?? '/').toBe(
          '/',
        );
      }
    },
  );

  it('alarms when sealed contact details cannot be opened (the projection acknowledges them)', () => {
    const alarm = ofType('AWS::CloudWatch::Alarm').find(
      ([, candidate]) => candidate.Properties.MetricName === 'ContactsUnreadable',
    );
    expect(alarm?.[1].Properties).toMatchObject({ Namespace: `commerce-${stage}`, Threshold: 0 });
  });

  it('names the sealing roles as the key policies spell them', () => {
    expect(roleNameOf('OrdersPlaceOrderLambdaFunction')).toBe(
      `commerce-${stage}-ordersPlaceOrder-\${AWS::Region}-lambdaRole`,
    );
    expect(roleNameOf('NotificationsProjectContactsLambdaFunction')).toBe(
      `commerce-${stage}-contactProjection-\${AWS::Region}-lambdaRole`,
    );
  });

  /** The queues a function's failures end in, found here without the plugin's help. */
  const failureQueuesOf = (functionId: string) => {
    const arns: unknown[] = [];
    for (const [, resource] of Object.entries(resources)) {
      const p = resource.Properties ?? {};
      if (resource.Type === 'AWS::Lambda::EventInvokeConfig' && target(p.FunctionName) === functionId)
        arns.push(p.DestinationConfig?.OnFailure?.Destination);
      if (resource.Type === 'AWS::Lambda::EventSourceMapping' && invoked(p.FunctionName) === functionId) {
        arns.push(p.DestinationConfig?.OnFailure?.Destination);
        arns.push(resources[target(p.EventSourceArn) ?? '']?.Properties?.RedrivePolicy?.deadLetterTargetArn);
      }
      if (resource.Type === 'AWS::Events::Rule') {
        for (const t of p.Targets) if (invoked(t.Arn) === functionId) arns.push(t.DeadLetterConfig?.Arn);
      }
    }
    const ids = arns
      .map(target)
      .filter((id): id is string => resources[id ?? '']?.Type === 'AWS::SQS::Queue');
    return new Set(ids);
  };

  it(`shifts every function's traffic with CodeDeploy (${DEPLOYMENT_CONFIGS[stage]}), rolled back on its alarms`, () => {
    const functions = ofType('AWS::Lambda::Function');
    const groups = ofType('AWS::CodeDeploy::DeploymentGroup');
    expect(groups).toHaveLength(functions.length);
    expect(stageParams[stage].deploymentType ?? stageParams.default.deploymentType).toBe(
      DEPLOYMENT_CONFIGS[stage],
    );
    const [application] = ofType('AWS::CodeDeploy::Application');
    expect(application?.[1].Properties).toEqual({ ComputePlatform: 'Lambda' });
    for (const [functionId] of functions) {
      // given the function's alias, which CodeDeploy moves through its deployment group
      const aliases = ofType('AWS::Lambda::Alias').filter(
        ([, alias]) => target(alias.Properties.FunctionName) === functionId,
      );
      expect(aliases, functionId).toHaveLength(1);
      const [, alias] = aliases[0] as [string, any];
      expect(alias.Properties.Name).toBe('live');
      expect(resources[target(alias.Properties.FunctionVersion) ?? '']?.Properties.FunctionName).toEqual({
        Ref: functionId,
      });
      const update = alias.UpdatePolicy.CodeDeployLambdaAliasUpdate;
      expect(update.ApplicationName).toEqual({ Ref: application?.[0] });
      const groupId = target(update.DeploymentGroupName) as string;
      // CloudFormation settles the group (its alarms on or off) before it moves the alias
      expect(alias.DependsOn).toContain(groupId);
      const group = resources[groupId]?.Properties;

      // then the group shifts as the stage says and rolls back on failure and on its alarms
      expect(group?.ApplicationName).toEqual({ Ref: application?.[0] });
      expect(group?.DeploymentConfigName).toEqual({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder
        'Fn::Sub': ['CodeDeployDefault.Lambda${ConfigName}', { ConfigName: DEPLOYMENT_CONFIGS[stage] }],
      });
      expect(group?.DeploymentStyle).toEqual({
        DeploymentType: 'BLUE_GREEN',
        DeploymentOption: 'WITH_TRAFFIC_CONTROL',
      });
      expect(group?.AutoRollbackConfiguration.Enabled).toBe(true);
      expect(group?.AutoRollbackConfiguration.Events).toEqual(
        expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']),
      );
      expect(group?.AlarmConfiguration.Enabled).toBe(true);
      const alarmIds: string[] = group?.AlarmConfiguration.Alarms.map((alarm: any) => target(alarm.Name));
      for (const alarmId of alarmIds)
        expect(resources[alarmId]?.Type, alarmId).toBe('AWS::CloudWatch::Alarm');
      const watched = (id: string) =>
        alarmIds.filter((alarmId) =>
          JSON.stringify(resources[alarmId]?.Properties.Dimensions).includes(`"${id}"`),
        );
      // its error alarm, and an alarm on every queue its failures end in
      expect(
        watched(functionId).filter((alarmId) => resources[alarmId]?.Properties.MetricName === 'Errors'),
        `${groupId} rolls back on ${functionId}'s errors`,
      ).toHaveLength(1);
      for (const queueId of failureQueuesOf(functionId)) {
        expect(watched(queueId).length, `${groupId} rolls back on ${queueId}`).toBeGreaterThan(0);
      }
      expect(alarmIds.length).toBeLessThanOrEqual(10);
      expect(new Set(alarmIds).size).toBe(alarmIds.length);
    }
    // a function with a DLQ has its alarm in its group (the check above cannot pass vacuously)
    const saga = resources.OrdersApplySagaEventLambdaFunctionDeploymentGroup?.Properties;
    expect(saga?.AlarmConfiguration.Alarms).toEqual([
      { Name: { Ref: 'OrdersApplySagaEventLambdaFunctionErrorsAlarm' } },
      { Name: { Ref: 'OrdersEventsDlqDepthAlarm' } },
    ]);
  });

  it('points every event source at the alias: routes, queue and stream mappings, rules and schedules', () => {
    const aliasOf = (functionId: string) =>
      ofType('AWS::Lambda::Alias').find(
        ([, alias]) => target(alias.Properties.FunctionName) === functionId,
      )?.[0];
    const isAlias = (value: any) => resources[target(value) ?? '']?.Type === 'AWS::Lambda::Alias';
    // queue mappings and stream mappings
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings.some(([, m]) => m.Properties.EventSourceArn['Fn::GetAtt']?.[1] === 'StreamArn')).toBe(
      true,
    );
    expect(mappings.some(([, m]) => m.Properties.EventSourceArn['Fn::GetAtt']?.[1] === 'Arn')).toBe(true);
    for (const [logicalId, mapping] of mappings)
      expect(isAlias(mapping.Properties.FunctionName), logicalId).toBe(true);
    // rules (event patterns) and schedules
    const invocations = asyncInvoked();
    expect(invocations.some(({ rule }) => rule.ScheduleExpression)).toBe(true);
    expect(invocations.some(({ rule }) => rule.EventPattern)).toBe(true);
    for (const { functionId, ruleTarget } of invocations)
      expect(ruleTarget.Arn).toEqual({ Ref: aliasOf(functionId) });
    // HTTP API routes: the integration invokes the alias, whose permission lets API Gateway do it
    const integrations = ofType('AWS::ApiGatewayV2::Integration');
    expect(integrations.length).toBeGreaterThan(0);
    for (const [logicalId, integration] of integrations) {
      const parts = integration.Properties.IntegrationUri['Fn::Join'][1];
      expect(parts.filter(isAlias), logicalId).toHaveLength(1);
    }
    for (const [logicalId, permission] of ofType('AWS::Lambda::Permission'))
      expect(isAlias(permission.Properties.FunctionName), logicalId).toBe(true);
    // asynchronous-invocation settings on the alias, created after it
    for (const [logicalId, config] of ofType('AWS::Lambda::EventInvokeConfig')) {
      const alias = aliasOf(target(config.Properties.FunctionName) as string) as string;
      expect(config.Properties.Qualifier, logicalId).toBe(resources[alias]?.Properties.Name);
      expect((config as any).DependsOn, logicalId).toContain(alias);
    }
    // and nothing else invokes a function around its alias
    const mayNameTheFunction = [
      'AWS::Lambda::Version',
      'AWS::Lambda::Alias',
      'AWS::Lambda::EventInvokeConfig',
      'AWS::CloudWatch::Alarm',
      'AWS::CloudWatch::Dashboard',
      'AWS::CodeDeploy::DeploymentGroup',
      'AWS::IAM::Role',
      'AWS::Logs::LogGroup',
      'AWS::Logs::QueryDefinition',
    ];
    for (const [functionId] of ofType('AWS::Lambda::Function')) {
      const naming = Object.entries(resources).filter(
        ([id, r]) =>
          id !== functionId &&
          !mayNameTheFunction.includes(r.Type) &&
          JSON.stringify(r.Properties ?? {}).includes(`"${functionId}"`),
      );
      expect(
        naming.map(([id]) => id),
        functionId,
      ).toEqual([]);
    }
  });

  it("lets CodeDeploy read alarms and move this stage's aliases, nothing more", () => {
    const roleIds = new Set(
      ofType('AWS::CodeDeploy::DeploymentGroup').map(([, g]) => target(g.Properties.ServiceRoleArn)),
    );
    expect(roleIds.size).toBe(1);
    const role = resources[[...roleIds][0] as string]?.Properties;
    expect(role?.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'codedeploy.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    expect(role?.ManagedPolicyArns).toBeUndefined();
    const statements = role?.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement);
    expect(statements.flatMap((s: any) => [s.Action].flat()).sort()).toEqual([
      'cloudwatch:DescribeAlarms',
      'lambda:GetAlias',
      'lambda:GetProvisionedConcurrencyConfig',
      'lambda:UpdateAlias',
    ]);
    const lambda = statements.find((s: any) => s.Action.includes('lambda:UpdateAlias'));
    const functions = ofType('AWS::Lambda::Function').map(([id]) => id);
    const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
    expect(lambda.Resource).toEqual(
      functions.flatMap((id) => [arn(id), { 'Fn::Join': [':', [arn(id), 'live']] }]),
    );
  });

  /** A CloudFormation Fn::Sub placeholder, as the dashboard's body writes it. */
  const sub = (name: string) => `\${${name}}`;
  /** The dashboard's widgets, its body parsed (placeholders such as `${OrdersEventsDlq.QueueName}` kept). */
  const dashboardWidgets = (): any[] => {
    const dashboards = ofType('AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    return JSON.parse(dashboards[0]?.[1].Properties.DashboardBody['Fn::Sub']).widgets;
  };
  /** Every metric line of the dashboard, without its options. */
  const dashboardMetrics = () =>
    dashboardWidgets()
      .filter((widget) => widget.type === 'metric')
      .flatMap((widget) =>
        widget.properties.metrics.map((line: unknown[]) => line.filter((part) => typeof part === 'string')),
      );
  const hasMetric = (...line: string[]) =>
    dashboardMetrics().some((metric) => JSON.stringify(metric) === JSON.stringify(line));

  it("shows the stage's dashboard: orders by outcome, saga duration, API 4xx/5xx, breaker opens, DLQ depths, iterator ages", () => {
    const [, dashboard] = ofType('AWS::CloudWatch::Dashboard')[0] as [string, any];
    expect(dashboard.Properties.DashboardName).toBe(`commerce-${stage}`);
    const body: string = dashboard.Properties.DashboardBody['Fn::Sub'];
    // every placeholder resolves: a pseudo parameter, or a resource (its name or attribute) of the template
    const placeholders = [...body.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1] as string);
    expect(placeholders).toContain('AWS::Region');
    for (const placeholder of placeholders.filter((p) => !p.startsWith('AWS::')))
      expect(resources[placeholder.split('.')[0] as string], placeholder).toBeDefined();
    for (const widget of dashboardWidgets().filter((w) => w.type === 'metric'))
      expect(widget.properties.region).toBe(sub('AWS::Region'));

    // the Powertools metrics, in the namespace and with the one default dimension the functions use
    const variables = ofType('AWS::Lambda::Function')[0]?.[1].Properties.Environment.Variables;
    const namespace = variables.POWERTOOLS_METRICS_NAMESPACE;
    const service = variables.POWERTOOLS_SERVICE_NAME;
    expect(namespace).toBe(`commerce-${stage}`);
    expect(readFileSync(join(ROOT, 'shared', 'http', 'handler.ts'), 'utf8')).toContain(
      'metrics.addMetric(`Http${',
    );
    expect(hasMetric(namespace, 'Http4xx', 'service', service)).toBe(true);
    expect(hasMetric(namespace, 'Http5xx', 'service', service)).toBe(true);
    expect(hasMetric('AWS/ApiGateway', '4xx', 'ApiId', sub('HttpApi'))).toBe(true);
    expect(hasMetric('AWS/ApiGateway', '5xx', 'ApiId', sub('HttpApi'))).toBe(true);
    const payments = readFileSync(join(ROOT, 'functions', 'payments', 'dependencies.ts'), 'utf8');
    expect(payments).toContain("metric.addDimension('state', state)");
    expect(payments).toContain("metric.addMetric('PaymentProviderCircuitStateChange'");
    expect(
      hasMetric(namespace, 'PaymentProviderCircuitStateChange', 'service', service, 'state', 'open'),
    ).toBe(true);

    // every failure queue's depth (the queues the alarms watch) and every relay's iterator age
    const failureQueues = failureQueueIds();
    const dlqs = ofType('AWS::SQS::Queue').filter(
      ([logicalId, queue]) =>
        /-dlq(\.fifo)?$/.test(queue.Properties.QueueName) || failureQueues.has(logicalId),
    );
    expect(dlqs.length).toBeGreaterThan(5);
    for (const [logicalId] of dlqs) {
      expect(
        hasMetric('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', `\${${logicalId}.QueueName}`),
        logicalId,
      ).toBe(true);
    }
    const relays = streamMappings().map(([, mapping]) => invoked(mapping.Properties.FunctionName) as string);
    expect(relays.length).toBeGreaterThan(0);
    for (const relay of relays)
      expect(hasMetric('AWS/Lambda', 'IteratorAge', 'FunctionName', `\${${relay}}`)).toBe(true);

    // the saga's steps, as they are measured, and the orders' own counts and saga duration
    expect(
      hasMetric(
        'AWS/SQS',
        'ApproximateAgeOfOldestMessage',
        'QueueName',
        sub('PaymentsEventsQueue.QueueName'),
      ),
    ).toBe(true);
    expect(
      hasMetric('AWS/Lambda', 'Duration', 'FunctionName', sub('OrdersApplySagaEventLambdaFunction')),
    ).toBe(true);

    expect(hasMetric(namespace, 'OrderPlaced', 'service', service)).toBe(true);
    expect(hasMetric(namespace, 'OrderConfirmed', 'service', service)).toBe(true);
    expect(hasMetric(namespace, 'OrderCancelled', 'service', service, 'reason', 'PAYMENT_DECLINED')).toBe(
      true,
    );
    expect(hasMetric(namespace, 'OrderSagaDuration', 'service', service)).toBe(true);
  });

  it("saves Logs Insights queries for one order's story over every function's log group", () => {
    const queries = ofType('AWS::Logs::QueryDefinition').map(([, query]) => query.Properties);
    expect(queries.map((query) => query.Name).sort()).toEqual([
      `commerce-${stage}/order-story-by-correlation-id`,
      `commerce-${stage}/order-story-by-order-id`,
    ]);
    const functionLogGroups = ofType('AWS::Lambda::Function').map(([, fn]) =>
      (fn as any).DependsOn.find((id: string) => resources[id]?.Type === 'AWS::Logs::LogGroup'),
    );
    expect(functionLogGroups).toHaveLength(ofType('AWS::Lambda::Function').length);
    // the key the logger writes the correlation id under
    expect(readFileSync(join(ROOT, 'shared', 'observability.ts'), 'utf8')).toContain(
      'logger.appendKeys({ correlationId })',
    );
    for (const query of queries) {
      expect(query.LogGroupNames.map((group: any) => group.Ref).sort()).toEqual(
        [...functionLogGroups].sort(),
      );
      expect(query.QueryString).toMatch(/\| sort @timestamp asc/);
    }
    const byCorrelation = queries.find((query) => query.Name.endsWith('by-correlation-id'));
    expect(byCorrelation?.QueryString).toContain('| filter correlationId = "<correlation id>"');
    const byOrder = queries.find((query) => query.Name.endsWith('by-order-id'));
    expect(byOrder?.QueryString).toContain('orderId = "<order id>"');
  });

  it('leaves no unused default role behind', () => {
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });
});
