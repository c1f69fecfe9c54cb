import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allContracts } from '../../../events/index.js';
import { ASYNCAPI_PATH, buildAsyncApiDocument, eventSource } from '../../../scripts/generate-asyncapi.js';

type Json = Record<string, any>;

const generated = buildAsyncApiDocument() as Json;
const messageId = (contract: { type: string; version: number }) => `${contract.type}.v${contract.version}`;

/** Resolves a local `$ref` (`#/channels/OrderPlaced`) in the document; undefined when it points nowhere. */
function resolveRef(document: Json, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, segment) => (node as Json | undefined)?.[segment], document);
}

/** Every `$ref` outside the payload schemas, with where it is. */
function refsOf(node: unknown, path = '#'): Array<{ path: string; ref: string }> {
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => {
    if (key === '$ref' && typeof value === 'string') return [{ path, ref: value }];
    if (key === 'payload') return [];
    return refsOf(value, `${path}/${key}`);
  });
}

describe('AsyncAPI document', () => {
  it('docs/asyncapi.json is up to date with events/', () => {
    // given the document on disk and the one generated from the contracts now
    const onDisk = JSON.parse(readFileSync(ASYNCAPI_PATH, 'utf8'));

    // then they are the same
    expect(onDisk, 'docs/asyncapi.json is stale: run `npm run docs:asyncapi` and commit it').toEqual(
      generated,
    );
  });

  it('is an AsyncAPI 3.0.0 document of the EventBridge bus', () => {
    expect(generated.asyncapi).toBe('3.0.0');
    expect(generated.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(generated.defaultContentType).toBe('application/json');
    expect(generated.servers.eventbridge).toMatchObject({
      host: 'events.{region}.amazonaws.com',
      protocol: 'https',
    });
    // component, channel and operation ids use the characters AsyncAPI allows
    const ids = [
      ...Object.keys(generated.channels),
      ...Object.keys(generated.operations),
      ...Object.keys(generated.components.messages),
    ];
    for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9.\-_]+$/);
  });

  it('has no dangling references', () => {
    const dangling = refsOf(generated).filter(({ ref }) => resolveRef(generated, ref) === undefined);
    expect(dangling).toEqual([]);
  });

  it.each(allContracts.map((contract) => ({ contract, id: messageId(contract) })))(
    'documents $id: its channel, message and send operation',
    ({ contract, id }) => {
      // given a published contract
      const channel = generated.channels[contract.type];

      // then its detail-type is a channel whose address is the detail-type, listing this version's message
      expect(channel?.address).toBe(contract.type);
      expect(channel.messages[id]).toEqual({ $ref: `#/components/messages/${id}` });
      const message = generated.components.messages[id];
      expect(message).toMatchObject({ name: contract.type, contentType: 'application/json' });
      expect(message.headers.properties.source.const).toBe(eventSource(contract.producer));
      expect(message.headers.properties['detail-type'].const).toBe(contract.type);

      // and its producer sends it
      const operation = generated.operations[`${contract.producer}.send${contract.type}`];
      expect(operation).toMatchObject({
        action: 'send',
        channel: { $ref: `#/channels/${contract.type}` },
        'x-eventbridge': { source: `commerce.${contract.producer}`, detailType: contract.type },
      });
      expect(operation.messages).toContainEqual({ $ref: `#/channels/${contract.type}/messages/${id}` });
    },
  );

  it.each(allContracts.map((contract) => ({ contract, id: messageId(contract) })))(
    'the payload of $id is its full envelope, with a required correlation id',
    ({ contract, id }) => {
      // given the payload schema of the message
      const { payload, correlationId } = generated.components.messages[id];
      expect(payload.schemaFormat).toBe('application/schema+json;version=draft-07');
      const schema = payload.schema;

      // then it is the envelope: metadata (with correlationId) and data, both required
      expect(schema.required).toEqual(expect.arrayContaining(['metadata', 'data']));
      expect(schema.properties.metadata.required).toEqual(
        expect.arrayContaining(['eventId', 'eventType', 'eventVersion', 'correlationId', 'causationId']),
      );
      expect(schema.properties.metadata.properties.eventType.const).toBe(contract.type);
      expect(schema.properties.metadata.properties.eventVersion.const).toBe(contract.version);
      expect(schema.properties.data.type).toBe('object');
      expect(resolveRef(generated, correlationId.$ref)).toMatchObject({
        location: '$message.payload#/metadata/correlationId',
      });
    },
  );

  it('keeps versions of one detail-type side by side in one channel', () => {
    // given the contracts grouped by detail-type
    for (const type of new Set(allContracts.map((contract) => contract.type))) {
      const versions = allContracts.filter((contract) => contract.type === type).map(messageId);
      // then the channel lists exactly these messages
      expect(Object.keys(generated.channels[type].messages).sort()).toEqual(versions.sort());
    }
    expect(Object.keys(generated.channels).length).toBe(new Set(allContracts.map((c) => c.type)).size);
    expect(Object.keys(generated.components.messages).length).toBe(allContracts.length);
  });
});
