import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/*
 * Clients are created on first use, not at import time, so a function pays only for the clients it
 * touches. Endpoints come from the SDK's own AWS_ENDPOINT_URL_<SERVICE> variables, which the local
 * cloud sets: no code path differs between local and AWS.
 */
let documentClient: DynamoDBDocumentClient | undefined;
let sqsClient: SQSClient | undefined;
let eventBridgeClient: EventBridgeClient | undefined;
let sesV2Client: SESv2Client | undefined;
let kmsClient: KMSClient | undefined;

type Instrument = <Client extends { middlewareStack: unknown }>(client: Client) => Client;
let instrument: Instrument = (client) => client;
const created: Array<{ middlewareStack: unknown }> = [];

function tracked<Client extends { middlewareStack: unknown }>(client: Client): Client {
  created.push(client);
  return instrument(client);
}

/**
 * Wraps every client, e.g. in X-Ray subsegments (shared/tracing.ts): those created from now on, and those
 * created before, since the tracer may load after a function's first requests (its middleware is added to
 * the client's stack, which the SDK reads at each call). Functions that do not trace pay nothing for it:
 * the tracer is never imported here.
 */
export function instrumentAwsClientsWith(wrap: Instrument): void {
  instrument = wrap;
  for (const client of created) wrap(client);
}

export function dynamoDb(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(tracked(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

export function sqs(): SQSClient {
  // The regional endpoint (or AWS_ENDPOINT_URL_SQS locally) serves every queue; deriving the host
  // from each queue URL would only add a DNS lookup, and breaks on emulators' `*.localhost` URLs.
  sqsClient ??= tracked(new SQSClient({ useQueueUrlAsEndpoint: false }));
  return sqsClient;
}

export function eventBridge(): EventBridgeClient {
  eventBridgeClient ??= tracked(new EventBridgeClient({}));
  return eventBridgeClient;
}

export function kms(): KMSClient {
  kmsClient ??= tracked(new KMSClient({}));
  return kmsClient;
}

export function sesV2(): SESv2Client {
  sesV2Client ??= tracked(new SESv2Client({}));
  return sesV2Client;
}
