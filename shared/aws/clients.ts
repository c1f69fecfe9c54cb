import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../observability.js';

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

export function dynamoDb(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

export function sqs(): SQSClient {
  // The regional endpoint (or AWS_ENDPOINT_URL_SQS locally) serves every queue; deriving the host
  // from each queue URL would only add a DNS lookup, and breaks on emulators' `*.localhost` URLs.
  sqsClient ??= tracer.captureAWSv3Client(new SQSClient({ useQueueUrlAsEndpoint: false }));
  return sqsClient;
}

export function eventBridge(): EventBridgeClient {
  eventBridgeClient ??= tracer.captureAWSv3Client(new EventBridgeClient({}));
  return eventBridgeClient;
}

export function kms(): KMSClient {
  kmsClient ??= tracer.captureAWSv3Client(new KMSClient({}));
  return kmsClient;
}

export function sesV2(): SESv2Client {
  sesV2Client ??= tracer.captureAWSv3Client(new SESv2Client({}));
  return sesV2Client;
}
