/**
 * Operational guarantees every deployed stage gets without anyone having to remember them, applied to
 * the compiled CloudFormation template at package time (so `sls package` shows exactly what deploys):
 * - one SNS topic per stage, with an e-mail subscription to the stage's `alarmEmail` param, and every
 *   alarm of the template (generated or hand-written) notifying it on alarm and on recovery;
 * - an alarm on the depth of every failure queue: each `*-dlq` queue and each queue that a redrive
 *   policy, a rule target, an async invocation or a stream mapping sends its failures to;
 * - an alarm on the errors of every function, on the iterator age of every stream-triggered function
 *   and on the outbox relays' `OutboxPublishFailures` metric;
 * - the send permission of every on-failure destination in the function's own role: the framework adds
 *   it only to its default role, which no function uses (serverless-iam-roles-per-function);
 * - HTTP API throttling from the stage's params (`httpApiRateLimit`, `httpApiBurstLimit`);
 * - the stage's CloudWatch dashboard `<service>-<stage>` and saved Logs Insights queries for one order's
 *   story (see ./dashboard.mjs);
 * - no unused default Lambda role;
 * - no source map in any function's zip, and the X-Ray SDK's own file only in the zips of routes that
 *   change state (see `zipOnlyWhatEachFunctionLoads`);
 * - `tracing: PassThrough` on every function serving a read route (see `traceOnlyRoutesThatChangeState`);
 * - for every function whose handler declares a route (`export const route = defineRoute(…)`): its
 *   `httpApi` event, derived from that declaration (see `wireHttpRoutes` and ./http-routes.mjs);
 * - for every function declaring `busQueue`: its own standard queue fed by one rule per pattern, a DLQ,
 *   the policy letting those rules send, and the queue's `sqs` event on the function (see `wireBusQueues`);
 * - on stages whose `retainData` param is true (prod): `Retain` on deletion and on replacement for every
 *   resource that holds data, chosen by type so a table, queue or key added later is covered too, plus
 *   deletion protection where the type has it. Other stages keep CloudFormation's clean teardown;
 * - on stages with a `deploymentType` param: gradual deploys of every function through its alias `live`
 *   and CodeDeploy, rolled back on the function's error alarm and the alarms on its failure queues
 *   (see ./gradual-deploys.mjs and `wireGradualDeploys`).
 *
 * Hook order at package time: the template work runs on `aws:package:finalize:mergeCustomProviderResources`
 * (after the framework has merged `resources`, so hand-written alarms count), which comes before every
 * `after:` hook of that event, so before serverless-plugin-canary-deployments builds its deployment groups
 * from each function's `deploymentSettings.alarms`, filled in here. What the canary plugin leaves to fix
 * is done on `before:aws:package:finalize:saveServiceState`, just before the template is written.
 */

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { operationsDashboard, orderStoryQueries } from './dashboard.mjs';
import esbuildPlugins from './esbuild-plugins.cjs';
import {
  ALIAS,
  aliasAsyncInvokeConfigs,
  bypassesOfAliases,
  CODE_DEPLOY_ROLE,
  codeDeployRole,
  gradualDeploySettings,
  invokedFunctionId,
  rollbackAlarmIds,
} from './gradual-deploys.mjs';
import { changesState, handlerModuleOf, httpApiEventOf } from './http-routes.mjs';

/**
 * @typedef {{ operationId: string } & Pick<import('../../shared/http/route.js').RouteDefinition, 'method' | 'url' | 'access'>} RouteDeclaration
 */

/**
 * The route declarations of the given handler modules, read in a child process (./route-declarations.mjs).
 * @param {string[]} files
 * @returns {Promise<Record<string, RouteDeclaration>>}
 */
async function routeDeclarationsInChildProcess(files) {
  const script = new URL('./route-declarations.mjs', import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(process.execPath, [script, ...files], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout);
}

/** The X-Ray SDK's file in the build folder and the zips (./esbuild-plugins.cjs). */
const { XRAY_FILE } = esbuildPlugins;
const ALARM_TOPIC = 'OperationsAlarmTopic';
const ALARM_SUBSCRIPTION = 'OperationsAlarmEmailSubscription';
const DEFAULT_ROLE = 'IamRoleLambdaExecution';
/** Emitted by shared/outbox/relay.ts for every event still unpublished after its in-invocation retries. */
const OUTBOX_FAILURE_METRIC = 'OutboxPublishFailures';
/**
 * A healthy relay reads its stream within seconds. Five minutes behind means the bus refuses events (or
 * one of them), long before a record reaches the relay's maximum age and leaves for its failure queue.
 */
const ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000;

/**
 * Types whose loss loses data: orders, payments, users (and who is an admin), messages waiting in a
 * queue, and keys without which encrypted data cannot be read. Not here: the bus archive and log groups
 * (they expire by their own retention, and a retained one blocks a redeploy of the same name).
 */
export const DATA_RESOURCE_TYPES = [
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::Cognito::UserPool',
  'AWS::Cognito::UserPoolGroup',
  'AWS::SQS::Queue',
  'AWS::KMS::Key',
];

/** SQS's longest retention: events waiting through a long outage of their consumer are not lost. */
const QUEUE_RETENTION_SECONDS = 1209600;

/** `busQueue` as a function declares it (serverless.yml); every key but the patterns and bus has a default. */
const BUS_QUEUE_SCHEMA = {
  type: 'object',
  properties: {
    eventBus: {},
    patterns: { type: 'array', minItems: 1, items: { type: 'object' } },
    batchSize: { type: 'integer', minimum: 1, maximum: 10000 },
    maximumBatchingWindow: { type: 'integer', minimum: 0, maximum: 300 },
    visibilityTimeout: {},
    maxReceiveCount: { type: 'integer', minimum: 1, maximum: 1000 },
    ruleRetryAttempts: { type: 'integer', minimum: 0, maximum: 185 },
  },
  required: ['eventBus', 'patterns', 'visibilityTimeout'],
  additionalProperties: false,
};

/**
 * Ten events per invocation, gathered for at most a second: at low traffic a consumer lags the bus by
 * about a second, at high traffic it runs once per ten events.
 */
const BUS_QUEUE_DEFAULTS = {
  batchSize: 10,
  maximumBatchingWindow: 1,
  maxReceiveCount: 5,
  ruleRetryAttempts: 3,
};

/** @param {string} name e.g. viewsProjectOrders → views-project-orders */
const kebabCase = (name) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** @param {string} id */
const alarmId = (id) => `${id}Alarm`.replace(/[^A-Za-z0-9]/g, '');

/** @param {any} arn the logical id a `Fn::GetAtt`/`Ref` points at, if any */
const referencedId = (arn) => arn?.['Fn::GetAtt']?.[0] ?? arn?.Ref;

/**
 * The failure destinations a resource declares: a queue's redrive target, a rule target's DLQ, an
 * async invocation's or a stream mapping's on-failure destination.
 * @param {any} resource
 * @returns {any[]}
 */
function failureDestinations(resource) {
  const properties = resource.Properties ?? {};
  switch (resource.Type) {
    case 'AWS::SQS::Queue':
      return [properties.RedrivePolicy?.deadLetterTargetArn];
    case 'AWS::Events::Rule':
      return (properties.Targets ?? []).map((/** @type {any} */ target) => target.DeadLetterConfig?.Arn);
    case 'AWS::Lambda::EventInvokeConfig':
    case 'AWS::Lambda::EventSourceMapping':
      return [properties.DestinationConfig?.OnFailure?.Destination];
    default:
      return [];
  }
}

/** Domains reserved for documentation (RFC 2606): a value on one of them was never filled in. */
const PLACEHOLDER_DOMAIN = /(^|[.@])example\.(com|net|org)$/i;

/**
 * Stage params a deploy cannot do without, and what goes wrong when one is still a placeholder: the
 * package of an offline stage may keep them (nothing is sent), a deploy may not.
 * @param {string} stage
 * @param {Record<string, any>} params
 */
export function refusePlaceholders(stage, params) {
  const needed = {
    alarmEmail: 'its alarms would go to an address no one reads',
    mailIdentity: 'SES would refuse every notification (the identity must be verified in SES)',
    mailFromAddress: 'SES would refuse every notification (it must belong to the verified identity)',
  };
  const placeholders = Object.entries(needed).filter(([name]) =>
    PLACEHOLDER_DOMAIN.test(String(params[name] ?? '')),
  );
  if (placeholders.length === 0) return;
  throw new Error(
    `Stage "${stage}" still has placeholder params: ${placeholders
      .map(([name, consequence]) => `${name} "${params[name]}" (${consequence})`)
      .join('; ')}. Set params.${stage}.${placeholders.map(([name]) => name).join(', ')} in serverless.yml.`,
  );
}

/**
 * @param {string} logicalId
 * @param {string} queueName
 */
const queueDepthAlarm = (logicalId, queueName) => ({
  AlarmName: `${queueName}-not-empty`,
  AlarmDescription: `Messages are waiting in ${queueName}: inspect them, then \`npm run redrive\` (or \`npm run outbox:republish\` for relay failures).`,
  Namespace: 'AWS/SQS',
  MetricName: 'ApproximateNumberOfMessagesVisible',
  Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId, 'QueueName'] } }],
  Statistic: 'Maximum',
  Period: 60,
  Threshold: 0,
});

/**
 * @param {string} logicalId
 * @param {any} resource the function
 * @param {Record<string, any>} params
 */
const functionErrorsAlarm = (logicalId, resource, params) => ({
  AlarmName: `${resource.Properties.FunctionName}-errors`,
  Namespace: 'AWS/Lambda',
  MetricName: 'Errors',
  Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId } }],
  Statistic: 'Sum',
  Period: 300,
  Threshold: Number(params.functionErrorThreshold ?? 0),
});

/**
 * @param {Record<string, any>} resources
 * @param {string} functionId the stream-triggered function
 */
const iteratorAgeAlarm = (resources, functionId) => ({
  AlarmName: `${resources[functionId].Properties.FunctionName}-iterator-age`,
  AlarmDescription:
    'The function lags behind its stream: a batch keeps failing (for a relay, the bus refuses events).',
  Namespace: 'AWS/Lambda',
  MetricName: 'IteratorAge',
  Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
  Statistic: 'Maximum',
  Period: 60,
  Threshold: ITERATOR_AGE_ALARM_MS,
});

/**
 * The stage's `httpApiRateLimit` and `httpApiBurstLimit` params on every HTTP API stage.
 * @param {Record<string, any>} resources
 * @param {Record<string, any>} params
 */
function throttleHttpApi(resources, params) {
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::ApiGatewayV2::Stage') continue;
    resource.Properties.DefaultRouteSettings = {
      ...resource.Properties.DefaultRouteSettings,
      ThrottlingRateLimit: Number(params.httpApiRateLimit ?? 100),
      ThrottlingBurstLimit: Number(params.httpApiBurstLimit ?? 200),
    };
  }
}

/**
 * @param {Record<string, any>} resources
 * @param {Record<string, any>} alarms the alarms' own properties, by logical id
 */
function addAlarms(resources, alarms) {
  for (const [logicalId, properties] of Object.entries(alarms)) {
    resources[logicalId] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        ...properties,
      },
    };
  }
}

/**
 * Hand-written alarms included: an alarm that notifies no one is only a graph.
 * @param {Record<string, any>} resources
 */
function notifyOnEveryAlarm(resources) {
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::CloudWatch::Alarm') continue;
    resource.Properties.AlarmActions ??= [{ Ref: ALARM_TOPIC }];
    resource.Properties.OKActions ??= [{ Ref: ALARM_TOPIC }];
  }
}

/**
 * The framework's default role stays only if something still refers to it.
 * @param {Record<string, any>} resources
 */
function dropUnusedDefaultRole(resources) {
  const referencesDefaultRole = JSON.stringify(
    Object.entries(resources).filter(([id]) => id !== DEFAULT_ROLE),
  ).includes(`"${DEFAULT_ROLE}"`);
  if (!referencesDefaultRole) delete resources[DEFAULT_ROLE];
}

export default class OperationsPlugin {
  /**
   * @param {any} serverless
   * @param {any} _options
   * @param {{ log?: { warning: (message: string) => void } }} [utils]
   */
  constructor(serverless, _options, utils) {
    this.serverless = serverless;
    this.log = utils?.log;
    /** @type {Record<string, any>} JWT authorizers, out of the canary plugin's way (`prepareGradualDeploys`) */
    this.authorizersAside = {};
    serverless.configSchemaHandler?.defineFunctionProperties?.('aws', {
      properties: { busQueue: BUS_QUEUE_SCHEMA },
    });
    this.hooks = {
      initialize: async () => {
        const routes = await this.wireHttpRoutes();
        this.zipOnlyWhatEachFunctionLoads(routes);
        this.traceOnlyRoutesThatChangeState(routes);
        this.wireBusQueues();
        this.wireGradualDeploys();
      },
      'aws:package:finalize:mergeCustomProviderResources': () => this.applyToTemplate(),
      'before:aws:package:finalize:saveServiceState': () => this.finishGradualDeploys(),
    };
  }

  /**
   * Every function of a stage whose `deploymentType` param is set gets `deploymentSettings` (that type, the
   * alias `live`), so no function can be deployed around CodeDeploy by forgetting them; a function may still
   * set its own `type`. CodeDeploy acts with the role `applyToTemplate` writes, not the canary plugin's.
   * serverless-plugin-canary-deployments hooks into packaging only: offline stages load the settings and
   * nothing reads them.
   */
  wireGradualDeploys() {
    const service = this.serverless.service;
    const settings = gradualDeploySettings(service.custom?.operations?.deploymentType);
    if (!settings) return;
    service.custom.deploymentSettings = {
      codeDeployRole: { 'Fn::GetAtt': [CODE_DEPLOY_ROLE, 'Arn'] },
      ...service.custom.deploymentSettings,
    };
    for (const key of service.getAllFunctions()) {
      const fn = service.getFunction(key);
      fn.deploymentSettings = { ...settings, ...fn.deploymentSettings };
    }
  }

  /** @returns {Array<{ key: string, functionId: string, settings: any }>} functions deployed gradually */
  gradualFunctions() {
    const service = this.serverless.service;
    const naming = this.serverless.getProvider('aws').naming;
    return service
      .getAllFunctions()
      .map((/** @type {string} */ key) => ({
        key,
        functionId: naming.getLambdaLogicalId(key),
        settings: service.getFunction(key).deploymentSettings,
      }))
      .filter((/** @type {{ settings: any }} */ fn) => fn.settings);
  }

  /**
   * Before the canary plugin compiles: each function's rollback alarms (from the alarms `applyToTemplate`
   * has just generated, so the deployment groups name alarms that exist), and CodeDeploy's role.
   * @param {Record<string, any>} resources
   */
  prepareGradualDeploys(resources) {
    const functions = this.gradualFunctions();
    if (functions.length === 0) return;
    // serverless-plugin-canary-deployments 0.8.0 reads every HTTP API authorizer's AuthorizerUri and fails
    // on a JWT authorizer, which has none (davidgf/serverless-plugin-canary-deployments#146, open): they
    // wait outside the template while it compiles, and `finishGradualDeploys` puts them back.
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== 'AWS::ApiGatewayV2::Authorizer' || resource.Properties.AuthorizerUri) continue;
      this.authorizersAside[logicalId] = resource;
      delete resources[logicalId];
    }
    for (const { functionId, settings } of functions) {
      settings.alarms = [
        ...new Set([...(settings.alarms ?? []), ...rollbackAlarmIds(resources, functionId)]),
      ];
    }
    const role = this.serverless.service.custom.deploymentSettings?.codeDeployRole;
    if (referencedId(role) === CODE_DEPLOY_ROLE) {
      resources[CODE_DEPLOY_ROLE] = codeDeployRole(functions.map(({ functionId }) => functionId));
    }
  }

  /**
   * After the canary plugin: asynchronous-invocation settings follow the invocations to the alias; the
   * stage's `rollbackOnAlarms` param (true unless a deploy overrides it, see the README) switches the
   * alarms of every deployment group, which CloudFormation updates before it moves the alias; and the
   * template is refused if a deployment group names an alarm it lacks or anything invokes a function
   * around its alias.
   */
  finishGradualDeploys() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    Object.assign(resources, this.authorizersAside);
    this.authorizersAside = {};
    const functions = this.gradualFunctions();
    if (functions.length === 0) return;
    const params = this.serverless.service.custom?.operations ?? {};
    const alarmsOn = String(params.rollbackOnAlarms ?? true) !== 'false';
    /** @type {Record<string, string>} */
    const aliasOf = {};
    for (const { functionId, settings } of functions) {
      const alias = `${functionId}Alias${settings.alias}`;
      const group = `${functionId}DeploymentGroup`;
      if (resources[alias]?.Type !== 'AWS::Lambda::Alias' || !resources[group]) {
        throw new Error(`serverless-plugin-canary-deployments built no alias ${alias} or group ${group}.`);
      }
      aliasOf[functionId] = alias;
      resources[alias].DependsOn = [...new Set([resources[alias].DependsOn ?? []].flat().concat(group))];
      const alarmConfiguration = resources[group].Properties.AlarmConfiguration;
      for (const { Name } of alarmConfiguration?.Alarms ?? []) {
        if (resources[referencedId(Name)]?.Type !== 'AWS::CloudWatch::Alarm' && typeof Name !== 'string') {
          throw new Error(
            `${group} rolls back on ${JSON.stringify(Name)}, which is no alarm of the template.`,
          );
        }
      }
      if (alarmConfiguration) alarmConfiguration.Enabled = alarmsOn;
    }
    aliasAsyncInvokeConfigs(resources, aliasOf);
    const bypasses = bypassesOfAliases(resources, aliasOf);
    if (bypasses.length > 0) {
      throw new Error(
        `These resources invoke a function directly, not through its alias "${ALIAS}", so CodeDeploy would not ` +
          `shift their traffic: ${bypasses.join('; ')}. Point them at the alias (scripts/deploy/gradual-deploys.mjs).`,
      );
    }
  }

  /**
   * Gives every function whose handler module exports a route declaration the `httpApi` event of that
   * route, so a route's method, path and access are written once, in the handler, and the deployed API,
   * the local one, the OpenAPI document and the typed client cannot disagree. A function that also
   * declares an `httpApi` event by hand is refused: two sources of the same fact is what this removes.
   * The handler modules are TypeScript: a child process loads them through tsx and prints their
   * declarations (./route-declarations.mjs, about a second), so this long-lived process keeps none of them.
   * @param {(files: string[]) => Promise<Record<string, RouteDeclaration>>} [declarationsOf]
   * @returns {Promise<Map<string, RouteDeclaration>>} each routed function's declaration, by function name
   */
  async wireHttpRoutes(declarationsOf = routeDeclarationsInChildProcess) {
    const service = this.serverless.service;
    const root = this.serverless.config.servicePath;
    const modules = new Map(
      service.getAllFunctions().flatMap((/** @type {string} */ name) => {
        const module = handlerModuleOf(service.getFunction(name).handler);
        return module ? [[name, module]] : [];
      }),
    );
    const declared = await declarationsOf([...new Set(modules.values())].map((module) => join(root, module)));
    /** @type {Map<string, RouteDeclaration>} */
    const routes = new Map();
    for (const [name, module] of modules) {
      const route = declared[join(root, module)];
      if (!route) continue;
      routes.set(name, route);
      const fn = service.getFunction(name);
      if ((fn.events ?? []).some((/** @type {any} */ event) => event.httpApi)) {
        throw new Error(
          `${name} has an httpApi event in serverless.yml, but its handler declares route ` +
            `${route.method} ${route.url} (${route.operationId}), which gives it that event. ` +
            'Remove the httpApi event from serverless.yml.',
        );
      }
      fn.events = [...(fn.events ?? []), httpApiEventOf(route)];
    }
    return routes;
  }

  /**
   * A zip holds what its function loads, and nothing else from the shared build folder (serverless-esbuild
   * zips every file of it that is not another function's bundle; it reads each function's own patterns
   * when it zips that function):
   * - no source map. Maps are as large as the code they map (decisions.md, "Lean bundles"). Offline
   *   stages run from the build folder, where they stay for `--enable-source-maps`; a deployed stack trace
   *   is decoded with the maps `sls package` builds from the same commit (esbuild's output is
   *   deterministic);
   * - the X-Ray SDK's file (./esbuild-plugins.cjs) only with a route that changes state, the routes whose
   *   handler is `tracedHttpHandler` and loads it on a sampled request. The package test checks that a
   *   zip has the file exactly when its bundle imports it.
   * @param {Map<string, RouteDeclaration>} routes each routed function's declaration, by function name
   */
  zipOnlyWhatEachFunctionLoads(routes) {
    for (const name of this.serverless.service.getAllFunctions()) {
      const fn = this.serverless.service.getFunction(name);
      const route = routes.get(name);
      const xrayFile = route && changesState(route) ? XRAY_FILE : `!${XRAY_FILE}`;
      fn.package = { ...fn.package, patterns: [...(fn.package?.patterns ?? []), '!**/*.map', xrayFile] };
    }
  }

  /**
   * A read route runs PassThrough: under active tracing, Lambda would record a trace for the requests X-Ray's
   * default rule samples (1 a second, then 5%), and a read's trace holds only Lambda's own segments, since
   * its handler never loads the X-Ray SDK (entry 52). Reads are most of a shop's requests, so those traces
   * are most of its X-Ray bill, and their latency and errors are in the function's metrics and logs
   * already (decisions.md, entry 58). A route that changes state keeps the provider's active tracing: its
   * trace follows the order through the bus. Set here, not per function, so a new read route is covered;
   * a read route that sets `tracing` itself is refused, as one fact would then have two sources.
   * @param {Map<string, RouteDeclaration>} routes each routed function's declaration, by function name
   */
  traceOnlyRoutesThatChangeState(routes) {
    for (const [name, route] of routes) {
      if (changesState(route)) continue;
      const fn = this.serverless.service.getFunction(name);
      if (fn.tracing !== undefined) {
        throw new Error(
          `${name} sets tracing: ${fn.tracing} in serverless.yml, but it serves the read ${route.method} ` +
            `${route.url}, which runs PassThrough (scripts/deploy/operations-plugin.mjs). Remove the setting.`,
        );
      }
      fn.tracing = 'PassThrough';
    }
  }

  /**
   * `busQueue` on a function: the bus events its patterns match reach it in batches through its own
   * standard queue, instead of one asynchronous invocation per event (decisions.md, entry 34). Generated
   * here, at `initialize`, so packaging and the local cloud see the same resources and the same `sqs`
   * event, and every such consumer is wired alike from one short declaration:
   * - `<Function>BusQueue` (`<service>-<stage>-<function-in-kebab-case>`), with a redrive policy;
   * - `<Function>BusQueueDlq`: what failed its last allowed receive, and what a rule could not deliver.
   *   Both are the bus event itself, so `npm run redrive -- <queue>` moves them back to the queue;
   * - `<Function>BusRule<n>`, one per pattern, on `eventBus`, targeting the queue (its DLQ as the
   *   target's dead-letter queue, EventBridge retrying a delivery `ruleRetryAttempts` times);
   * - `<Function>BusQueuePolicy`: those rules, and only they, may send to the queue and its DLQ;
   * - an `sqs` event on the function, reporting failures per record (ReportBatchItemFailures).
   */
  wireBusQueues() {
    const service = this.serverless.service;
    const provider = this.serverless.getProvider('aws');
    service.resources ??= {};
    service.resources.Resources ??= {};
    const resources = service.resources.Resources;
    for (const key of service.getAllFunctions()) {
      const fn = service.getFunction(key);
      if (!fn.busQueue) continue;
      const settings = { ...BUS_QUEUE_DEFAULTS, ...fn.busQueue };
      const id = provider.naming.getNormalizedFunctionName(key);
      const queueName = `${service.service}-${provider.getStage()}-${kebabCase(key)}`;
      const queue = `${id}BusQueue`;
      const dlq = `${id}BusQueueDlq`;
      const arnOf = (/** @type {string} */ logicalId) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
      resources[queue] = {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: queueName,
          MessageRetentionPeriod: QUEUE_RETENTION_SECONDS,
          VisibilityTimeout: settings.visibilityTimeout,
          RedrivePolicy: { deadLetterTargetArn: arnOf(dlq), maxReceiveCount: settings.maxReceiveCount },
        },
      };
      resources[dlq] = {
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: `${queueName}-dlq`, MessageRetentionPeriod: QUEUE_RETENTION_SECONDS },
      };
      const rules = settings.patterns.map((/** @type {unknown} */ pattern, /** @type {number} */ index) => {
        const rule = `${id}BusRule${index + 1}`;
        resources[rule] = {
          Type: 'AWS::Events::Rule',
          Properties: {
            Description: `Events for ${key}, to its queue`,
            EventBusName: settings.eventBus,
            EventPattern: pattern,
            State: 'ENABLED',
            Targets: [
              {
                Id: queue,
                Arn: arnOf(queue),
                DeadLetterConfig: { Arn: arnOf(dlq) },
                RetryPolicy: { MaximumRetryAttempts: settings.ruleRetryAttempts },
              },
            ],
          },
        };
        return rule;
      });
      resources[`${id}BusQueuePolicy`] = {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: {
          Queues: [{ Ref: queue }, { Ref: dlq }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: [arnOf(queue), arnOf(dlq)],
                Condition: { ArnEquals: { 'aws:SourceArn': rules.map(arnOf) } },
              },
            ],
          },
        },
      };
      fn.events = [
        ...(fn.events ?? []),
        {
          sqs: {
            arn: arnOf(queue),
            batchSize: settings.batchSize,
            maximumBatchingWindow: settings.maximumBatchingWindow,
            functionResponseType: 'ReportBatchItemFailures',
          },
        },
      ];
    }
  }

  applyToTemplate() {
    const service = this.serverless.service;
    const provider = service.provider;
    const resources = provider.compiledCloudFormationTemplate.Resources;
    const stage = provider.stage;
    const params = service.custom?.operations ?? {};
    const stagePrefix = `${service.service}-${stage}`;

    if (this.serverless.processedInput?.commands?.includes('deploy')) refusePlaceholders(stage, params);
    if (params.retainData === true || params.retainData === 'true') this.retainData(resources);
    this.addAlarmTopic(resources, stagePrefix, params.alarmEmail);
    this.grantDestinationPermissions(resources);
    const { alarms, failureQueues, relays } = this.generatedAlarms(resources, params);
    throttleHttpApi(resources, params);
    if (Object.values(resources).some((resource) => this.isStream(resources, resource))) {
      alarms.OutboxPublishFailuresAlarm = this.outboxFailureAlarm(stagePrefix);
    }
    const environment = provider.environment ?? {};
    resources.OperationsDashboard = operationsDashboard(resources, {
      name: stagePrefix,
      namespace: environment.POWERTOOLS_METRICS_NAMESPACE,
      service: environment.POWERTOOLS_SERVICE_NAME,
      failureQueues,
      relays,
      httpApi: 'HttpApi',
    });
    Object.assign(resources, orderStoryQueries(resources, stagePrefix));
    addAlarms(resources, alarms);
    notifyOnEveryAlarm(resources);
    dropUnusedDefaultRole(resources);
    this.prepareGradualDeploys(resources);
  }

  /**
   * The alarms every template gets, by logical id, in the template's order of resources: the depth of each
   * failure queue, the errors of each function and the iterator age of each stream-triggered function;
   * with the failure queues and the stream-triggered functions (relays) the dashboard draws.
   * @param {Record<string, any>} resources
   * @param {Record<string, any>} params
   */
  generatedAlarms(resources, params) {
    // A hand-written alarm on a queue wins over the generated one (CloudWatch refuses duplicate names).
    const alarmed = JSON.stringify(
      Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm'),
    );
    const failureQueueIds = new Set(
      Object.values(resources).flatMap((resource) => failureDestinations(resource).map(referencedId)),
    );
    /** @type {Record<string, any>} */
    const alarms = {};
    /** @type {string[]} */
    const failureQueues = [];
    /** @type {string[]} */
    const relays = [];
    for (const [logicalId, resource] of Object.entries(resources)) {
      const queueName = resource.Properties?.QueueName;
      const isFailureQueue = failureQueueIds.has(logicalId) || /-dlq(\.fifo)?$/.test(queueName ?? '');
      if (resource.Type === 'AWS::SQS::Queue' && isFailureQueue) failureQueues.push(logicalId);
      if (resource.Type === 'AWS::SQS::Queue' && isFailureQueue && !alarmed.includes(`"${logicalId}"`)) {
        alarms[alarmId(`${logicalId}Depth`)] = queueDepthAlarm(logicalId, queueName);
      }
      if (resource.Type === 'AWS::Lambda::Function') {
        alarms[alarmId(`${logicalId}Errors`)] = functionErrorsAlarm(logicalId, resource, params);
      }
      if (resource.Type === 'AWS::Lambda::EventSourceMapping' && this.isStream(resources, resource)) {
        const functionId = invokedFunctionId(resources, resource.Properties.FunctionName);
        relays.push(functionId);
        alarms[alarmId(`${functionId}IteratorAge`)] = iteratorAgeAlarm(resources, functionId);
      }
    }
    return { alarms, failureQueues, relays };
  }

  /**
   * `sls remove` then leaves the data behind instead of deleting it, and so does a change that makes
   * CloudFormation replace a resource (the old one is kept, e.g. an unnamed KMS key, instead of being
   * deleted once its successor exists). Deletion protection also stops a delete from the console or CLI.
   * @param {Record<string, any>} resources
   */
  retainData(resources) {
    for (const resource of Object.values(resources)) {
      if (!DATA_RESOURCE_TYPES.includes(resource.Type)) continue;
      resource.DeletionPolicy = 'Retain';
      resource.UpdateReplacePolicy = 'Retain';
      // A global table sets it per replica, in its own Replicas list.
      if (resource.Type === 'AWS::DynamoDB::Table') resource.Properties.DeletionProtectionEnabled = true;
      if (resource.Type === 'AWS::Cognito::UserPool') resource.Properties.DeletionProtection = 'ACTIVE';
    }
  }

  /**
   * @param {Record<string, any>} resources
   * @param {string} stagePrefix
   * @param {string | undefined} alarmEmail
   */
  addAlarmTopic(resources, stagePrefix, alarmEmail) {
    resources[ALARM_TOPIC] = {
      Type: 'AWS::SNS::Topic',
      Properties: { TopicName: `${stagePrefix}-alarms` },
    };
    if (alarmEmail) {
      resources[ALARM_SUBSCRIPTION] = {
        Type: 'AWS::SNS::Subscription',
        Properties: { TopicArn: { Ref: ALARM_TOPIC }, Protocol: 'email', Endpoint: alarmEmail },
      };
      return;
    }
    const stage = this.serverless.service.provider.stage;
    if (this.serverless.processedInput?.commands?.includes('deploy')) {
      throw new Error(
        `Stage "${stage}" has no alarmEmail param: its alarms would notify no one. Set params.${stage}.alarmEmail in serverless.yml.`,
      );
    }
    this.log?.warning(`Stage "${stage}" has no alarmEmail param: its alarm topic has no subscriber.`);
  }

  /**
   * Lambda sends an async invocation's or a stream batch's failure record with the function's execution
   * role. Each function has its own role, so each gets exactly the send actions of its destinations.
   * @param {Record<string, any>} resources
   */
  grantDestinationPermissions(resources) {
    for (const resource of Object.values(resources)) {
      if (!['AWS::Lambda::EventInvokeConfig', 'AWS::Lambda::EventSourceMapping'].includes(resource.Type)) {
        continue;
      }
      const destinations = Object.values(resource.Properties.DestinationConfig ?? {}).map(
        (/** @type {any} */ config) => config.Destination,
      );
      if (destinations.length === 0) continue;
      const functionId = invokedFunctionId(resources, resource.Properties.FunctionName);
      const roleId = referencedId(resources[functionId]?.Properties.Role);
      const statements = resources[roleId]?.Properties.Policies?.[0]?.PolicyDocument.Statement;
      if (!statements) {
        throw new Error(`Cannot find the role of ${functionId} to let it send to its failure destination.`);
      }
      for (const destination of destinations) {
        const statement = {
          Effect: 'Allow',
          Action: [this.sendAction(resources, destination)],
          Resource: [destination],
        };
        const known = JSON.stringify(statements);
        if (!known.includes(JSON.stringify(statement))) statements.push(statement);
      }
    }
  }

  /**
   * @param {Record<string, any>} resources
   * @param {any} destination
   */
  sendAction(resources, destination) {
    const type = resources[referencedId(destination)]?.Type ?? '';
    const text = typeof destination === 'string' ? destination : '';
    if (type === 'AWS::SQS::Queue' || text.includes(':sqs:')) return 'sqs:SendMessage';
    if (type === 'AWS::SNS::Topic' || text.includes(':sns:')) return 'sns:Publish';
    throw new Error(
      `Unsupported failure destination ${JSON.stringify(destination)}: use an SQS queue or SNS topic.`,
    );
  }

  /**
   * @param {Record<string, any>} resources
   * @param {any} resource
   */
  isStream(resources, resource) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') return false;
    const source = resource.Properties.EventSourceArn;
    if (typeof source === 'string') return /:(dynamodb|kinesis):/.test(source);
    return (
      source?.['Fn::GetAtt']?.[1] === 'StreamArn' ||
      resources[referencedId(source)]?.Type === 'AWS::Kinesis::Stream'
    );
  }

  /**
   * Powertools Metrics writes to the POWERTOOLS_METRICS_NAMESPACE namespace with one default dimension,
   * `service` = POWERTOOLS_SERVICE_NAME; the alarm must name both exactly or it watches an empty metric.
   * @param {string} stagePrefix
   */
  outboxFailureAlarm(stagePrefix) {
    const environment = this.serverless.service.provider.environment ?? {};
    return {
      AlarmName: `${stagePrefix}-outbox-publish-failures`,
      AlarmDescription:
        'An outbox relay could not publish events after its retries; the stream retries the batch until its bounds, then records it in the outbox-relay-failures queue.',
      Namespace: environment.POWERTOOLS_METRICS_NAMESPACE,
      MetricName: OUTBOX_FAILURE_METRIC,
      Dimensions: [{ Name: 'service', Value: environment.POWERTOOLS_SERVICE_NAME }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
    };
  }
}
