/**
 * The local cloud: a Serverless plugin that, around `serverless offline start`, boots what the functions
 * need from AWS — DynamoDB Local (tables created from the same CloudFormation resources that deploy),
 * SQS FIFO queues with their DLQs (fauxqs), the EventBridge bus with its rules and `rate` schedules, Lambda's
 * asynchronous invocation of rule and schedule targets (retries, on-failure destinations), the Lambda event
 * source mappings for SQS and DynamoDB Streams (batchItemFailures, bisect, retry bounds, on-failure
 * destinations), and the dev JWT issuer — then prints what runs where. It hooks only into `offline start`:
 * package and deploy never see it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  ensureDevKeys,
  issuerUrlForStage,
  keysDirForStage,
  PROJECT_ROOT,
  signDevToken,
  startDevIssuer,
} from './dev-issuer.mjs';
import { startDynamoDbLocal } from './dynamodb-local.mjs';
import { ratePeriodMs, startEventBus } from './event-bus.mjs';
import { startLocalSqs } from './fauxqs-fifo.mjs';
import { kmsKeysOf, startLocalKms } from './kms.mjs';
import {
  AWS_RETRY_DELAYS_SECONDS,
  createAsyncInvoker,
  destinationArnOf,
  retryDelaysOf,
} from './lambda-async.mjs';
import { createLambdaInvoker } from './lambda-invoke.mjs';
import { startPaymentSandbox } from './payment-sandbox.mjs';
import {
  describePortOwner,
  isPortFree,
  killStaleProcess,
  removePidFile,
  writePidFile,
} from './processes.mjs';
import { startLocalSes } from './ses.mjs';
import { startSqsPoller } from './sqs-poller.mjs';
import { stageOf } from './stages.mjs';
import { startStaticSite } from './static-site.mjs';
import { createFileCheckpointStore, startStreamPoller, streamFailureRecord } from './stream-poller.mjs';

const ACCOUNT_ID = '000000000000';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const SEED_FILE = join(PROJECT_ROOT, 'scripts', 'local-cloud', 'seed.json');
/** serverless's default function timeout, in seconds. */
const DEFAULT_TIMEOUT_SECONDS = 6;

export default class LocalCloudPlugin {
  /** @param {any} serverless @param {any} options @param {any} utils */
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    this.options = options;
    this.utils = utils;
    /** @type {Array<() => Promise<void> | void>} in start order; stopped in reverse */
    this.stoppers = [];
    // Set when `offline start` boots the emulators; typed loosely because they mirror plugin/SDK objects.
    /** @type {string} */ this.stage = '';
    /** @type {string} */ this.region = '';
    /** @type {import('./stages.mjs').Stage} */ this.config = /** @type {any} */ ({});
    /** @type {string} */ this.localDir = '';
    /** @type {any} */ this.dynamoDb = undefined;
    /** @type {any} */ this.sqsServer = undefined;
    /** @type {any} */ this.issuer = undefined;
    /** @type {any} */ this.bus = undefined;
    /** @type {any} */ this.paymentSandbox = undefined;
    /** @type {import('./kms.mjs').LocalKms | undefined} */ this.kms = undefined;
    /** @type {import('./ses.mjs').LocalSes | undefined} */ this.ses = undefined;
    /** @type {any} */ this.webClient = undefined;
    /** @type {Record<string, any>} */ this.resources = {};
    /** @type {Map<string, any>} */ this.localNames = new Map();
    /** @type {SQSClient | undefined} */ this.sqsClient = undefined;
    /** @type {DynamoDBClient | undefined} */ this.dynamoDbClient = undefined;
    /** @type {ReturnType<typeof createLambdaInvoker> | undefined} */ this.lambda = undefined;
    /** @type {ReturnType<typeof createAsyncInvoker> | undefined} */ this.asyncLambda = undefined;
    /** @type {any[]} schedule rules taken over from serverless-offline */ this.scheduleRules = [];
    /** @type {string[]} */ this.mappings = [];
    this.hooks = {
      'before:offline:start:init': () => this.stopBuildService().then(() => this.bootEmulators()),
      'after:offline:functionsUpdated:cleanup': () => this.stopBuildService(),
      'after:offline:start:init': () => this.connectFunctions(),
      'before:offline:start:end': () => this.shutdown(),
    };
  }

  /** @param {'info'|'warn'|'error'} level @param {string} message */
  log = (level, message) => {
    const line = `[local-cloud] ${message}`;
    if (level === 'error') this.utils.log.error(line);
    else if (level === 'warn') this.utils.log.warning(line);
    else this.utils.log.notice(line);
  };

  /**
   * serverless-esbuild has bundled every function by now (its hook on this event runs first), and a file
   * change rebundles before `functionsUpdated`. esbuild keeps its build service, a Go process holding
   * every module it parsed (3.6 GB after 40 bundles), alive for a next build that may never come; the next
   * build starts it again. Same module instance as serverless-esbuild's, through the same require cache.
   */
  async stopBuildService() {
    await createRequire(import.meta.url)('esbuild').stop();
  }

  get service() {
    return this.serverless.service;
  }

  async bootEmulators() {
    this.stage = this.service.provider.stage;
    this.region = this.service.provider.region;
    this.config = stageOf(this.stage);
    this.localDir = join(PROJECT_ROOT, '.local', this.stage);
    mkdirSync(this.localDir, { recursive: true });
    await this.recoverFromCrash();

    const startedAt = Date.now();
    await this.startStorage();
    await this.startSideServices();
    this.resources = collectResources(this.service);
    this.localNames = new Map();
    await this.startKms();
    await this.createQueues();
    await this.createTables();
    this.resolveFunctionEnvironments();
    this.startLambda();
    await this.startBus();
    this.log('info', `Emulators ready in ${Date.now() - startedAt} ms`);
  }

  /** DynamoDB Local and the SQS emulator (fauxqs). */
  async startStorage() {
    this.dynamoDb = await startDynamoDbLocal({
      port: this.config.dynamodbPort,
      dataDir: this.config.persistData ? join(this.localDir, 'dynamodb') : undefined,
      pidFile: join(this.localDir, 'dynamodb.pid'),
      log: this.log,
      javaOptions: ['-Xmx512m'],
    });
    this.stoppers.push(() => this.dynamoDb?.stop());

    this.sqsServer = await startLocalSqs({
      port: this.config.sqsPort,
      host: 'localhost',
      logger: false,
      defaultRegion: this.region,
    });
    this.stoppers.push(() => this.sqsServer?.stop());
  }

  /** What stands in for services outside AWS's data plane: the dev issuer, the payment sandbox, SES, the web client. */
  async startSideServices() {
    const keysDir = keysDirForStage(this.stage);
    await ensureDevKeys(keysDir);
    this.issuer = await startDevIssuer({
      port: this.config.issuerPort,
      keysDir,
      issuer: issuerUrlForStage(this.stage),
    });
    this.stoppers.push(() => this.issuer?.stop());

    this.paymentSandbox = await startPaymentSandbox({ port: this.config.paymentSandboxPort, log: this.log });
    this.stoppers.push(() => this.paymentSandbox?.stop());

    // SES's SendEmail: accepted mail is captured in .local/<stage>/mail, never delivered.
    this.ses = await startLocalSes({
      port: this.config.sesPort,
      mailDir: join(this.localDir, 'mail'),
      clearOnStart: !this.config.persistData,
      log: this.log,
    });
    this.stoppers.push(() => this.ses?.stop());

    this.webClient = await startStaticSite({
      port: this.config.webPort,
      root: join(PROJECT_ROOT, 'web'),
      apiBase: `http://127.0.0.1:${this.config.httpPort}`,
      log: this.log,
    });
    this.stoppers.push(() => this.webClient?.stop());
  }

  /**
   * KMS for every key of the stack (card tokens sealed for payments, contact details for notifications);
   * key material in .local/<stage>.
   */
  async startKms() {
    this.kms = await startLocalKms({
      port: this.config.kmsPort,
      region: this.region,
      accountId: ACCOUNT_ID,
      keys: kmsKeysOf(this.resources),
      keyStoreFile: join(this.localDir, 'kms-keys.json'),
      log: this.log,
    });
    this.stoppers.push(() => this.kms?.stop());
  }

  /** SDK clients for the emulators, and Lambda's synchronous and asynchronous invocation of the functions. */
  startLambda() {
    this.dynamoDbClient = new DynamoDBClient({
      endpoint: this.dynamoDb.endpoint,
      region: this.region,
      credentials: LOCAL_CREDENTIALS,
    });
    this.sqsClient = new SQSClient({
      endpoint: this.sqsEndpoint,
      region: this.region,
      credentials: LOCAL_CREDENTIALS,
    });
    this.lambda = createLambdaInvoker({
      endpoint: `http://127.0.0.1:${this.config.lambdaPort}`,
      region: this.region,
      functionOf: (functionKey) => {
        const fn = this.service.getFunction(functionKey);
        return { name: fn.name, timeoutSeconds: this.timeoutSecondsOf(functionKey) };
      },
    });
    this.stoppers.push(() => this.lambda?.destroy());
    this.asyncLambda = createAsyncInvoker({
      invoke: (functionKey, event) => /** @type {any} */ (this.lambda).invoke(functionKey, event),
      configOf: (functionKey) => this.asyncConfigOf(functionKey),
      sendToDestination: (arn, record) => this.sendToQueue(arn, JSON.stringify(record)),
      retryDelaysSeconds: this.asyncRetrySpacing,
      log: this.log,
    });
    // Stopped after the bus (stoppers run in reverse), so deliveries the bus finishes at shutdown still land here.
    this.stoppers.push(() => this.asyncLambda?.stop());
  }

  /** The event bus with the stack's rules and the `rate` schedules taken over from serverless-offline. */
  async startBus() {
    this.scheduleRules = this.takeOverSchedules();
    this.bus = await startEventBus({
      port: this.config.eventBusPort,
      region: this.region,
      accountId: ACCOUNT_ID,
      rules: [...this.collectRules(), ...this.scheduleRules],
      deliver: {
        lambda: (functionKey, event) =>
          /** @type {ReturnType<typeof createAsyncInvoker>} */ (this.asyncLambda).invokeAsync(
            functionKey,
            event,
          ),
        sqs: (queueArn, body, opts) => this.sendToQueue(queueArn, body, opts),
      },
      // EventBridge's archive is not emulated: every accepted event is appended here instead.
      archiveFile: join(this.localDir, 'bus-archive.jsonl'),
      clearArchiveOnStart: !this.config.persistData,
      log: this.log,
    });
    this.stoppers.push(() => this.bus?.stop());
  }

  /** A crashed earlier run may have left serverless-offline or an emulator holding our ports. */
  async recoverFromCrash() {
    const pidFile = join(this.localDir, 'offline.pid');
    if (await killStaleProcess(pidFile, { commandLineIncludes: 'offline' })) {
      this.log('warn', `Stopped a local stack of stage "${this.stage}" left running by an earlier session.`);
    }
    writePidFile(pidFile, process.pid);
    this.stoppers.push(() => removePidFile(pidFile, process.pid));
    const ports = {
      'HTTP API': this.config.httpPort,
      'Lambda endpoint': this.config.lambdaPort,
      SQS: this.config.sqsPort,
      'event bus': this.config.eventBusPort,
      'dev issuer': this.config.issuerPort,
      'payment sandbox': this.config.paymentSandboxPort,
      KMS: this.config.kmsPort,
      'SES mail capture': this.config.sesPort,
      'web client': this.config.webPort,
    };
    for (const [what, port] of Object.entries(ports)) {
      if (!(await isPortFree(port))) {
        const owner = await describePortOwner(port);
        throw new Error(
          `Port ${port} (${what}) is already in use${owner ? ` by ${owner}` : ''}. ` +
            'Stop that process, or change the ports of this stage in scripts/local-cloud/stages.json.',
        );
      }
    }
  }

  get sqsEndpoint() {
    return `http://127.0.0.1:${this.config.sqsPort}`;
  }

  async createQueues() {
    const queues = Object.entries(this.resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
    // Dead-letter queues first: a queue's redrive policy names its DLQ's ARN.
    queues.sort(
      ([, a], [, b]) =>
        Number(Boolean(a.Properties?.RedrivePolicy)) - Number(Boolean(b.Properties?.RedrivePolicy)),
    );
    for (const [logicalId, resource] of queues) {
      const props = this.resolve(resource.Properties ?? {});
      const name =
        props.QueueName ??
        `${this.service.service}-${this.stage}-${logicalId}${props.FifoQueue ? '.fifo' : ''}`;
      /** @type {Record<string, string>} */
      const attributes = {};
      for (const key of [
        'FifoQueue',
        'ContentBasedDeduplication',
        'VisibilityTimeout',
        'MessageRetentionPeriod',
        'DelaySeconds',
        'ReceiveMessageWaitTimeSeconds',
      ]) {
        if (props[key] !== undefined) attributes[key] = String(props[key]);
      }
      if (props.RedrivePolicy) attributes.RedrivePolicy = JSON.stringify(props.RedrivePolicy);
      const created = this.sqsServer.createQueue(name, { attributes, region: this.region });
      this.localNames.set(logicalId, { type: 'queue', name, url: created.queueUrl, arn: created.queueArn });
    }
  }

  async createTables() {
    const client = new DynamoDBClient({
      endpoint: this.dynamoDb.endpoint,
      region: this.region,
      credentials: LOCAL_CREDENTIALS,
    });
    for (const [logicalId, resource] of Object.entries(this.resources)) {
      if (resource.Type !== 'AWS::DynamoDB::Table') continue;
      const props = this.resolve(resource.Properties ?? {});
      const name = props.TableName;
      let description;
      try {
        description = (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
      } catch (error) {
        if (/** @type {any} */ (error).name !== 'ResourceNotFoundException') throw error;
        description = (
          await client.send(
            new CreateTableCommand({
              TableName: name,
              AttributeDefinitions: props.AttributeDefinitions,
              KeySchema: props.KeySchema,
              BillingMode: 'PAY_PER_REQUEST',
              ...(props.GlobalSecondaryIndexes
                ? { GlobalSecondaryIndexes: props.GlobalSecondaryIndexes.map(withoutThroughput) }
                : {}),
              ...(props.LocalSecondaryIndexes ? { LocalSecondaryIndexes: props.LocalSecondaryIndexes } : {}),
              ...(props.StreamSpecification
                ? {
                    StreamSpecification: {
                      StreamEnabled: true,
                      StreamViewType: props.StreamSpecification.StreamViewType,
                    },
                  }
                : {}),
            }),
          )
        ).TableDescription;
        if (props.TimeToLiveSpecification?.Enabled) {
          await client
            .send(
              new UpdateTimeToLiveCommand({
                TableName: name,
                TimeToLiveSpecification: props.TimeToLiveSpecification,
              }),
            )
            .catch(() => undefined); // TTL is a nicety locally; DynamoDB Local accepts but may not expire items
        }
        this.log('info', `Created table ${name}`);
      }
      this.localNames.set(logicalId, {
        type: 'table',
        name,
        arn: description?.TableArn ?? `arn:aws:dynamodb:${this.region}:${ACCOUNT_ID}:table/${name}`,
        streamArn: description?.LatestStreamArn,
      });
    }
    client.destroy();
  }

  /**
   * CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub) in function environments resolve to
   * the local resources, and the SDK's endpoint variables point every client at the emulators, so the
   * function code has no local branch at all.
   */
  resolveFunctionEnvironments() {
    const provider = this.service.provider;
    provider.environment = {
      ...this.resolve(provider.environment ?? {}),
      AWS_REGION: this.region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: this.dynamoDb.endpoint,
      AWS_ENDPOINT_URL_SQS: this.sqsEndpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${this.config.eventBusPort}`,
      AWS_ENDPOINT_URL_KMS: this.kms?.endpoint,
      AWS_ENDPOINT_URL_SESV2: this.ses?.url,
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_DEV: 'false',
    };
    // `npm run bench` meters every AWS call of the functions (scripts/bench/sdk-meter.ts): its pass-through
    // endpoint stands in front of every emulator, and the SDK's app id names the calling function.
    const meter = process.env.LOCAL_CLOUD_SDK_METER_URL;
    if (meter) {
      for (const name of Object.keys(provider.environment)) {
        if (name.startsWith('AWS_ENDPOINT_URL_')) provider.environment[name] = meter;
      }
      provider.environment.AWS_ENDPOINT_URL_SECRETS_MANAGER = meter;
    }
    for (const key of this.service.getAllFunctions()) {
      const fn = this.service.getFunction(key);
      if (fn.environment) fn.environment = this.resolve(fn.environment);
      if (meter) fn.environment = { ...fn.environment, AWS_SDK_UA_APP_ID: key };
    }
  }

  /** @param {any} value @returns {any} */
  resolve(value) {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const intrinsic = /** @type {string} */ (keys[0]);
      const argument = value[intrinsic];
      if (intrinsic === 'Ref') return this.ref(argument);
      if (intrinsic === 'Fn::GetAtt') {
        const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
        return this.getAtt(logicalId, attribute);
      }
      if (intrinsic === 'Fn::Join') {
        const [separator, parts] = argument;
        return this.resolve(parts).join(separator);
      }
      if (intrinsic === 'Fn::Sub') {
        const [template, variables = {}] = Array.isArray(argument) ? argument : [argument];
        const resolvedVariables = this.resolve(variables);
        return String(template).replace(/\$\{([^}]+)\}/g, (_, name) => {
          if (name in resolvedVariables) return resolvedVariables[name];
          const [id, attribute] = name.split('.');
          return attribute ? this.getAtt(id, attribute) : this.ref(id);
        });
      }
    }
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.resolve(item)]));
  }

  /** @param {string} logicalId */
  ref(logicalId) {
    if (logicalId === 'AWS::Region') return this.region;
    if (logicalId === 'AWS::AccountId') return ACCOUNT_ID;
    if (logicalId === 'AWS::Partition') return 'aws';
    if (logicalId === 'AWS::URLSuffix') return 'amazonaws.com';
    if (logicalId === 'AWS::StackName') return `${this.service.service}-${this.stage}`;
    const local = this.localNames?.get(logicalId);
    if (local?.type === 'queue') return local.url;
    if (local) return local.name;
    const resource = this.resources?.[logicalId];
    if (resource?.Type === 'AWS::Events::EventBus') return resource.Properties.Name;
    // An alias's Ref is its name (alias/...), which the local KMS knows like KMS does.
    if (resource?.Type === 'AWS::KMS::Alias') return resource.Properties.AliasName;
    throw new Error(`Cannot resolve { Ref: ${logicalId} } locally: no such emulated resource.`);
  }

  /** @param {string} logicalId @param {string} attribute */
  getAtt(logicalId, attribute) {
    const local = this.localNames?.get(logicalId);
    const resource = this.resources?.[logicalId];
    if (local?.type === 'queue') {
      if (attribute === 'Arn') return local.arn;
      if (attribute === 'QueueUrl') return local.url;
      if (attribute === 'QueueName') return local.name;
    }
    if (local?.type === 'table') {
      if (attribute === 'Arn') return local.arn;
      if (attribute === 'StreamArn') return local.streamArn;
    }
    if (resource?.Type === 'AWS::Events::EventBus') {
      if (attribute === 'Arn')
        return `arn:aws:events:${this.region}:${ACCOUNT_ID}:event-bus/${resource.Properties.Name}`;
      if (attribute === 'Name') return resource.Properties.Name;
    }
    const functionKey = this.functionKeyOfLogicalId(logicalId);
    if (functionKey && attribute === 'Arn')
      return `arn:aws:lambda:${this.region}:${ACCOUNT_ID}:function:${functionKey}`;
    throw new Error(`Cannot resolve Fn::GetAtt ${logicalId}.${attribute} locally.`);
  }

  /** @param {string} logicalId */
  functionKeyOfLogicalId(logicalId) {
    const naming = this.serverless.getProvider('aws').naming;
    return this.service
      .getAllFunctions()
      .find((/** @type {string} */ key) => naming.getLambdaLogicalId(key) === logicalId);
  }

  /** @param {string} arn */
  queueUrlOfArn(arn) {
    for (const local of this.localNames.values())
      if (local.type === 'queue' && local.arn === arn) return local.url;
    throw new Error(`No local queue with ARN ${arn}`);
  }

  /** Rules come from AWS::Events::Rule resources and from functions' `eventBridge` events. */
  collectRules() {
    const busName = (/** @type {any} */ bus) => {
      const resolved = bus === undefined ? 'default' : String(this.resolve(bus));
      return resolved.includes(':event-bus/') ? resolved.split(':event-bus/')[1] : resolved;
    };
    /** @type {any[]} */
    const rules = [];
    for (const [logicalId, resource] of Object.entries(this.resources)) {
      if (resource.Type !== 'AWS::Events::Rule') continue;
      const props = resource.Properties ?? {};
      rules.push({
        name: logicalId,
        eventBusName: busName(props.EventBusName),
        eventPattern: props.EventPattern,
        targets: (props.Targets ?? []).map((/** @type {any} */ target) => {
          const arn = String(this.resolve(target.Arn));
          const common = {
            id: target.Id,
            ...(target.DeadLetterConfig?.Arn
              ? { deadLetterQueueArn: this.resolve(target.DeadLetterConfig.Arn) }
              : {}),
            ...(target.RetryPolicy?.MaximumRetryAttempts !== undefined
              ? { maximumRetryAttempts: target.RetryPolicy.MaximumRetryAttempts }
              : {}),
          };
          if (arn.startsWith('arn:aws:lambda:'))
            return { ...common, kind: 'lambda', functionKey: arn.split(':function:')[1] };
          return {
            ...common,
            kind: 'sqs',
            queueArn: arn,
            messageGroupId: target.SqsParameters?.MessageGroupId,
          };
        }),
      });
    }
    for (const key of this.service.getAllFunctions()) {
      for (const [index, event] of (this.service.getFunction(key).events ?? []).entries()) {
        if (!event.eventBridge) continue;
        rules.push({
          name: `${key}-eventBridge-${index}`,
          eventBusName: busName(event.eventBridge.eventBus),
          eventPattern: event.eventBridge.pattern,
          targets: [
            {
              id: key,
              kind: 'lambda',
              functionKey: key,
              ...(event.eventBridge.deadLetterQueueArn
                ? { deadLetterQueueArn: String(this.resolve(event.eventBridge.deadLetterQueueArn)) }
                : {}),
              ...(event.eventBridge.retryPolicy?.maximumRetryAttempts !== undefined
                ? { maximumRetryAttempts: event.eventBridge.retryPolicy.maximumRetryAttempts }
                : {}),
            },
          ],
        });
      }
    }
    return rules;
  }

  /**
   * Sends a message to a local queue (rule targets, dead-letter queues, on-failure destinations).
   * @param {string} queueArn
   * @param {string} body
   * @param {import('./event-bus.mjs').SqsDeliveryOptions} [opts]
   */
  async sendToQueue(queueArn, body, opts = {}) {
    await /** @type {SQSClient} */ (this.sqsClient).send(
      new SendMessageCommand({
        QueueUrl: this.queueUrlOfArn(queueArn),
        MessageBody: body,
        ...(opts.messageGroupId ? { MessageGroupId: opts.messageGroupId } : {}),
        ...(opts.deduplicationId ? { MessageDeduplicationId: opts.deduplicationId } : {}),
        ...(opts.messageAttributes ? { MessageAttributes: opts.messageAttributes } : {}),
      }),
    );
  }

  /**
   * Lambda refuses an SQS event source mapping whose queue's visibility timeout is shorter than the
   * function's timeout (a message would reappear while its consumer still works on it). The local cloud
   * refuses it too, so a stage setting that AWS would reject never passes locally.
   * @param {string} functionKey @param {string} queueArn
   */
  checkVisibilityTimeout(functionKey, queueArn) {
    const logicalId = [...this.localNames].find(([, local]) => local.arn === queueArn)?.[0];
    const queue = logicalId ? this.resolve(this.resources[logicalId]?.Properties ?? {}) : {};
    const visibilityTimeout = Number(queue.VisibilityTimeout ?? 30);
    const timeout = this.timeoutSecondsOf(functionKey);
    if (visibilityTimeout < timeout) {
      throw new Error(
        `Invalid SQS event source mapping for ${functionKey}: queue visibility timeout ${visibilityTimeout} s ` +
          `is less than the function timeout ${timeout} s (AWS rejects this mapping too).`,
      );
    }
  }

  /** @param {string} functionKey */
  timeoutSecondsOf(functionKey) {
    return Number(
      this.service.getFunction(functionKey).timeout ??
        this.service.provider.timeout ??
        DEFAULT_TIMEOUT_SECONDS,
    );
  }

  /** @param {string} functionKey */
  functionArnOf(functionKey) {
    return `arn:aws:lambda:${this.region}:${ACCOUNT_ID}:function:${this.service.getFunction(functionKey).name}`;
  }

  /**
   * A function's asynchronous invocation settings (serverless.yml `maximumRetryAttempts`, `maximumEventAge`,
   * `destinations.onFailure`).
   * @param {string} functionKey
   * @returns {import('./lambda-async.mjs').AsyncFunctionConfig | undefined}
   */
  asyncConfigOf(functionKey) {
    if (!this.service.getAllFunctions().includes(functionKey)) return undefined;
    const fn = this.service.getFunction(functionKey);
    return {
      functionArn: this.functionArnOf(functionKey),
      timeoutSeconds: this.timeoutSecondsOf(functionKey),
      ...(fn.maximumRetryAttempts === undefined
        ? {}
        : { maximumRetryAttempts: Number(fn.maximumRetryAttempts) }),
      ...(fn.maximumEventAge === undefined ? {} : { maximumEventAgeSeconds: Number(fn.maximumEventAge) }),
      onFailureArn: destinationArnOf(fn.destinations?.onFailure, (value) => this.resolve(value)),
    };
  }

  /** Spacing of Lambda's async retries on this stage (stages.json `asyncRetryDelaysSeconds`, AWS's by default). */
  get asyncRetrySpacing() {
    return /** @type {number[]} */ (this.config.asyncRetryDelaysSeconds ?? AWS_RETRY_DELAYS_SECONDS);
  }

  /**
   * `rate(...)` schedules become schedule rules of the local bus, so a scheduled run is an asynchronous invocation
   * with Lambda's retries and on-failure destination, as on AWS. They are removed from the functions' events, or
   * serverless-offline would also run them (once, without retries). Cron schedules stay with serverless-offline.
   * @returns {import('./event-bus.mjs').EventBusRule[]}
   */
  takeOverSchedules() {
    /** @type {import('./event-bus.mjs').EventBusRule[]} */
    const rules = [];
    for (const key of this.service.getAllFunctions()) {
      const fn = this.service.getFunction(key);
      if (!Array.isArray(fn.events)) continue;
      fn.events = fn.events.filter((/** @type {any} */ event, /** @type {number} */ index) => {
        if (!event.schedule) return true;
        const definition = typeof event.schedule === 'string' ? { rate: event.schedule } : event.schedule;
        const rates = Array.isArray(definition.rate) ? definition.rate : [definition.rate];
        if (definition.enabled === false) return false;
        if (!rates.every((/** @type {string} */ rate) => ratePeriodMs(String(rate)) !== undefined)) {
          this.log(
            'warn',
            `Schedule ${JSON.stringify(definition.rate)} of ${key} runs in serverless-offline, without Lambda's async retries.`,
          );
          return true;
        }
        const input = typeof definition.input === 'string' ? JSON.parse(definition.input) : definition.input;
        for (const [rateIndex, rate] of rates.entries()) {
          rules.push({
            name: `${key}-schedule-${index}${rates.length > 1 ? `-${rateIndex}` : ''}`,
            eventBusName: 'default',
            scheduleExpression: String(rate),
            targets: [
              { id: key, kind: 'lambda', functionKey: key, ...(input === undefined ? {} : { input }) },
            ],
          });
        }
        return false;
      });
    }
    return rules;
  }

  async connectFunctions() {
    const streamsClient = new DynamoDBStreamsClient({
      endpoint: this.dynamoDb.endpoint,
      region: this.region,
      credentials: LOCAL_CREDENTIALS,
    });
    const checkpoints = createFileCheckpointStore(join(this.localDir, 'stream-checkpoints.json'));
    const lambda = /** @type {ReturnType<typeof createLambdaInvoker>} */ (this.lambda);
    /** @type {(functionKey: string, event: unknown) => ReturnType<typeof lambda.invoke>} */
    const invoke = (functionKey, event) => lambda.invoke(functionKey, event);
    const mappings = [];
    for (const key of this.service.getAllFunctions()) {
      for (const event of this.service.getFunction(key).events ?? []) {
        if (event.sqs) {
          const queueArn = String(this.resolve(event.sqs.arn ?? event.sqs));
          this.checkVisibilityTimeout(key, queueArn);
          const poller = startSqsPoller({
            sqs: /** @type {SQSClient} */ (this.sqsClient),
            queueUrl: this.queueUrlOfArn(queueArn),
            queueArn,
            functionKey: key,
            batchSize: event.sqs.batchSize ?? 10,
            maximumBatchingWindowInSeconds: event.sqs.maximumBatchingWindow ?? 0,
            reportBatchItemFailures: event.sqs.functionResponseType === 'ReportBatchItemFailures',
            invoke: (functionKey, lambdaEvent) => invoke(functionKey, lambdaEvent),
            log: this.log,
            region: this.region,
          });
          this.stoppers.push(() => poller.stop());
          mappings.push(`${queueArn.split(':').pop()} → ${key}`);
        }
        if (event.stream && (event.stream.type ?? 'dynamodb') === 'dynamodb') {
          const streamArn = String(this.resolve(event.stream.arn ?? event.stream));
          const onFailureArn = destinationArnOf(event.stream.destinations?.onFailure, (value) =>
            this.resolve(value),
          );
          const poller = startStreamPoller({
            streams: streamsClient,
            streamArn,
            functionKey: key,
            batchSize: event.stream.batchSize ?? 100,
            startingPosition: event.stream.startingPosition ?? 'TRIM_HORIZON',
            filterPatterns: event.stream.filterPatterns ?? [],
            reportBatchItemFailures: event.stream.functionResponseType === 'ReportBatchItemFailures',
            maximumRetryAttempts: Number(event.stream.maximumRetryAttempts ?? -1),
            maximumRecordAgeInSeconds: Number(event.stream.maximumRecordAgeInSeconds ?? -1),
            bisectBatchOnFunctionError: event.stream.bisectBatchOnFunctionError === true,
            checkpoints,
            invoke: (functionKey, lambdaEvent) => invoke(functionKey, lambdaEvent),
            log: this.log,
            region: this.region,
            ...(onFailureArn
              ? {
                  onFailure: (/** @type {import('./stream-poller.mjs').StreamBatchFailure} */ failure) =>
                    this.sendToQueue(
                      onFailureArn,
                      JSON.stringify(streamFailureRecord(failure, this.functionArnOf(key))),
                    ),
                }
              : {}),
          });
          this.stoppers.push(() => poller.stop());
          mappings.push(`${streamArn.split('/')[1]} stream → ${key}`);
        }
      }
    }
    this.mappings = mappings;
    await this.seedDemoCatalog();
    this.printSummary();
  }

  /** On the first start of a stage that asks for it, creates the demo products through the public API. */
  async seedDemoCatalog() {
    const marker = join(this.localDir, 'seeded');
    if (!this.config.seedDemoCatalog || existsSync(marker)) return;
    const products = JSON.parse(readFileSync(SEED_FILE, 'utf8'));
    const token = await signDevToken({
      keysDir: keysDirForStage(this.stage),
      issuer: issuerUrlForStage(this.stage),
      audience: this.config.audience,
      userId: 'seed',
      admin: true,
    });
    const base = `http://127.0.0.1:${this.config.httpPort}`;
    const headers = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'x-correlation-id': 'seed',
    };
    for (const { stock, ...product } of products) {
      const created = await fetch(`${base}/products`, {
        method: 'POST',
        headers,
        body: JSON.stringify(product),
      });
      const stocked = await fetch(`${base}/inventory/${product.productId}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ quantity: stock }),
      });
      for (const response of [created, stocked]) {
        if (response.status >= 300 && response.status !== 409) {
          this.log(
            'warn',
            `Seeding ${product.productId} failed: ${response.status} ${await response.text()}`,
          );
          return;
        }
      }
    }
    writeFileSync(marker, new Date().toISOString());
    this.log('info', `Seeded ${products.length} demo products`);
  }

  printSummary() {
    const routes = [];
    for (const key of this.service.getAllFunctions()) {
      for (const event of this.service.getFunction(key).events ?? []) {
        if (!event.httpApi) continue;
        // serverless-offline rewrites method and path into routeKey when it starts.
        const route =
          typeof event.httpApi === 'string'
            ? event.httpApi
            : (event.httpApi.routeKey ??
              `${String(event.httpApi.method).toUpperCase()} ${event.httpApi.path}`);
        const access = event.httpApi.authorizer ? 'token' : 'public';
        routes.push([route, access, key]);
      }
    }
    const width = Math.max(...routes.map(([route]) => route.length));
    const lines = [
      '',
      `Local stack of stage "${this.stage}" is ready.`,
      '',
      `Routes (http://localhost:${this.config.httpPort})`,
      ...routes.map(([route, access, fn]) => `  ${route.padEnd(width)}  ${access.padEnd(6)}  ${fn}`),
      '',
      'Local endpoints',
      `  Web client       http://127.0.0.1:${this.config.webPort}`,
      `  HTTP API         http://localhost:${this.config.httpPort}`,
      `  Lambda invoke    http://localhost:${this.config.lambdaPort}`,
      `  DynamoDB Local   ${this.dynamoDb.endpoint}${this.config.persistData ? `  (data in .local/${this.stage}/dynamodb)` : '  (in memory)'}`,
      `  SQS (fauxqs)     ${this.sqsEndpoint}`,
      `  Event bus        http://localhost:${this.config.eventBusPort}  (recent events: /_local/events)`,
      `  JWT issuer       ${issuerUrlForStage(this.stage)}`,
      `  Payment sandbox  http://localhost:${this.config.paymentSandboxPort}  (outage switch: npm run sandbox -- outage on|off)`,
      `  KMS              ${this.kms?.endpoint}  (key material: .local/${this.stage}/kms-keys.json)`,
      `  Bus archive      .local/${this.stage}/bus-archive.jsonl  (every accepted event, as the archive keeps it)`,
      `  Mail (SES)       ${this.ses?.url}/_local/mail  (sent mail; .eml files in .local/${this.stage}/mail)`,
      '',
      'Event source mappings',
      ...(this.mappings ?? []).map((mapping) => `  ${mapping}`),
      '',
      'Event rules (bus → target)',
      ...this.collectRules().map(
        (/** @type {any} */ rule) =>
          `  ${describePattern(rule.eventPattern)} → ${rule.targets.map((/** @type {any} */ t) => t.functionKey ?? t.queueArn).join(', ')}`,
      ),
      '',
      'Schedules',
      ...this.schedules().map((line) => `  ${line}`),
      '',
      'Asynchronous invocations (Lambda retries, then on-failure destination)',
      ...this.asyncSummary().map((line) => `  ${line}`),
      '',
      `Get a token:  npm run --silent token -- alice${this.stage === 'local' ? '' : ` --stage ${this.stage}`} [--admin]`,
      'Stop:         Ctrl-C',
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    // A machine-readable line, so scripts and tests can wait for readiness without parsing the table.
    process.stdout.write(`LOCAL_CLOUD_READY stage=${this.stage} http=${this.config.httpPort}\n`);
  }

  /** @returns {string[]} */
  schedules() {
    const ours = this.scheduleRules.map(
      (rule) =>
        `${rule.scheduleExpression} → ${rule.targets.map((/** @type {any} */ t) => t.functionKey).join(', ')}`,
    );
    const offline = this.service
      .getAllFunctions()
      .flatMap((/** @type {string} */ key) =>
        (this.service.getFunction(key).events ?? [])
          .filter((/** @type {any} */ event) => event.schedule)
          .map(
            (/** @type {any} */ event) =>
              `${event.schedule.rate ?? event.schedule} → ${key}  (serverless-offline, no retries)`,
          ),
      );
    return [...ours, ...offline];
  }

  /** Functions invoked asynchronously (rule and schedule targets) with their retries and destination. */
  asyncSummary() {
    const targets = new Set(
      [...this.collectRules(), ...this.scheduleRules].flatMap((rule) =>
        rule.targets.flatMap((/** @type {any} */ t) => (t.kind === 'lambda' ? [t.functionKey] : [])),
      ),
    );
    return [...targets].sort().map((key) => {
      const config = this.asyncConfigOf(key);
      if (!config) return `${key}: no such function`;
      const delays = retryDelaysOf(config, this.asyncRetrySpacing);
      const spacing =
        delays.length === 0 ? 'no retries' : `${delays.length} retries after ${delays.join(' s, ')} s`;
      const destination = config.onFailureArn ? config.onFailureArn.split(':').pop() : 'NONE (dropped)';
      return `${key}: ${spacing} → ${destination}`;
    });
  }

  async shutdown() {
    const stoppers = this.stoppers.splice(0).reverse();
    for (const stop of stoppers) {
      try {
        await stop();
      } catch (error) {
        this.log('warn', `While stopping: ${/** @type {Error} */ (error).message}`);
      }
    }
  }
}

/** A rule's pattern in one short line: its detail-types, or else the whole pattern. @param {any} pattern */
function describePattern(pattern) {
  const types = pattern?.['detail-type'];
  return Array.isArray(types) ? types.join(' | ') : JSON.stringify(pattern);
}

/** @param {any} index */
function withoutThroughput(index) {
  const { ProvisionedThroughput: _ignored, ...rest } = index;
  return rest;
}

/**
 * The merged `Resources` of serverless.yml (which may list several files).
 * @param {any} service
 * @returns {Record<string, any>}
 */
function collectResources(service) {
  const resources = service.resources;
  if (Array.isArray(resources)) return Object.assign({}, ...resources.map((part) => part?.Resources ?? {}));
  return resources?.Resources ?? {};
}
