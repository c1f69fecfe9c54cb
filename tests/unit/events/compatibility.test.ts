import { describe, expect, it } from 'vitest';
import {
  type ContractSnapshot,
  checkAgainstSnapshot,
  contractJsonSchema,
  createSnapshot,
  findBreakingChanges,
  findContractBreakingChanges,
  type JsonSchemaObject,
} from '../../../events/compatibility.js';
import { defineEvent } from '../../../events/envelope.js';
import { allContracts, moneySchema, OrderPlacedV1 } from '../../../events/index.js';
import * as z from '../../../events/zod.js';
import {
  orphanSnapshots,
  readSnapshot,
  UPDATE_SNAPSHOTS_COMMAND,
} from '../../../scripts/generate-asyncapi.js';

/** An object schema with the given properties; `required` lists the required ones. */
function object(properties: Record<string, JsonSchemaObject>, required: string[] = Object.keys(properties)) {
  return { type: 'object', properties, required, additionalProperties: {} };
}
const string = (extra: JsonSchemaObject = {}) => ({ type: 'string', ...extra });
const integer = (extra: JsonSchemaObject = {}) => ({ type: 'integer', ...extra });
const array = (items: JsonSchemaObject, extra: JsonSchemaObject = {}) => ({ type: 'array', items, ...extra });

const money = () => object({ amount: integer({ minimum: 0 }), currency: string({ pattern: '^[A-Z]{3}$' }) });
const line = object({
  productId: string({ minLength: 1 }),
  quantity: integer({ minimum: 1 }),
  unitPrice: money(),
});
const released = object({
  orderId: string({ minLength: 1 }),
  items: array(line, { minItems: 1 }),
  total: money(),
  note: string(),
  placedAt: string({ format: 'date-time' }),
});

/** `released` with its properties changed by `change` (a deep copy, so every test starts clean). */
function current(change: (schema: any) => void) {
  const copy = structuredClone(released);
  change(copy);
  return copy;
}

describe('findBreakingChanges', () => {
  it('finds nothing between identical schemas', () => {
    expect(findBreakingChanges(released, structuredClone(released))).toEqual([]);
  });

  describe('accepts compatible changes', () => {
    it('an added optional field, also nested and in array items', () => {
      // given optional fields added at the top, in a nested object and in the array items
      const next = current((schema) => {
        schema.properties.giftWrap = { type: 'boolean' };
        schema.properties.total.properties.taxIncluded = { type: 'boolean' };
        schema.properties.items.items.properties.sku = string();
      });

      // then nothing breaks
      expect(findBreakingChanges(released, next)).toEqual([]);
    });

    it('loosened constraints', () => {
      // given lower minimums, a removed pattern, fewer required items and an open object
      const next = current((schema) => {
        schema.properties.orderId.minLength = 0;
        schema.properties.items.minItems = 0;
        schema.properties.items.items.properties.quantity.minimum = 0;
        delete schema.properties.total.properties.currency.pattern;
      });

      // then nothing breaks
      expect(findBreakingChanges(released, next)).toEqual([]);
    });

    it('a different but equivalent integer bound (exclusiveMinimum 0 is minimum 1)', () => {
      // given `z.int().positive()` replacing `z.int().min(1)`
      const next = current((schema) => {
        schema.properties.items.items.properties.quantity = integer({ exclusiveMinimum: 0 });
      });

      expect(findBreakingChanges(released, next)).toEqual([]);
    });

    it('a reordered union', () => {
      // given a nullable field whose variants are listed the other way round
      const before = object({ note: { anyOf: [string(), { type: 'null' }] } });
      const after = object({ note: { anyOf: [{ type: 'null' }, string()] } });

      expect(findBreakingChanges(before, after)).toEqual([]);
    });
  });

  describe('reports a removed field', () => {
    it('at the top level', () => {
      const next = current((schema) => {
        delete schema.properties.note;
        schema.required = schema.required.filter((key: string) => key !== 'note');
      });

      expect(findBreakingChanges(released, next)).toEqual(['note: field removed']);
    });

    it('in a nested object and in array items, with their paths', () => {
      const next = current((schema) => {
        delete schema.properties.total.properties.currency;
        delete schema.properties.items.items.properties.unitPrice.properties.amount;
      });

      expect(findBreakingChanges(released, next)).toEqual([
        'items[].unitPrice.amount: field removed',
        'total.currency: field removed',
      ]);
    });

    it('that was optional', () => {
      // given an optional field of the release, dropped
      const before = object({ id: string(), nickname: string() }, ['id']);
      const after = object({ id: string() }, ['id']);

      // then consumers that read it break too
      expect(findBreakingChanges(before, after)).toEqual(['nickname: field removed']);
    });

    it('made optional (consumers rely on a required field)', () => {
      const next = current((schema) => {
        schema.required = schema.required.filter((key: string) => key !== 'orderId');
      });

      expect(findBreakingChanges(released, next)).toEqual(['orderId: field became optional']);
    });
  });

  describe('reports a retyped field', () => {
    it('a changed type', () => {
      const next = current((schema) => {
        schema.properties.orderId = integer();
      });

      expect(findBreakingChanges(released, next)).toEqual(['orderId: type changed from string to integer']);
    });

    it('a changed type in array items and nested objects, once per field', () => {
      // given the quantity of every line becomes a string, and the total a plain number
      const next = current((schema) => {
        schema.properties.items.items.properties.quantity = string();
        schema.properties.total = { type: 'number' };
      });

      // then each retyped field is reported once (nothing is reported below a retyped object)
      expect(findBreakingChanges(released, next)).toEqual([
        'items[].quantity: type changed from integer to string',
        'total: type changed from object to number',
      ]);
    });

    it('integer widened to number', () => {
      const next = current((schema) => {
        schema.properties.total.properties.amount = { type: 'number', minimum: 0 };
      });

      expect(findBreakingChanges(released, next)).toEqual([
        'total.amount: type changed from integer to number',
      ]);
    });

    it('an array of items retyped', () => {
      const next = current((schema) => {
        schema.properties.items = array(string(), { minItems: 1 });
      });

      expect(findBreakingChanges(released, next)).toEqual(['items[]: type changed from object to string']);
    });

    it('a field that became nullable, or is no longer nullable', () => {
      const nullable = { anyOf: [string(), { type: 'null' }] };
      const next = current((schema) => {
        schema.properties.note = nullable;
      });

      expect(findBreakingChanges(released, next)).toEqual([
        'note: type changed from string to string | null',
      ]);
      expect(findBreakingChanges(next, released)).toEqual([
        'note: type changed from string | null to string',
      ]);
    });

    it('a change inside a union variant', () => {
      // given a nullable money whose amount becomes a string
      const before = object({ refund: { anyOf: [money(), { type: 'null' }] } });
      const after = object({
        refund: { anyOf: [object({ amount: string(), currency: string() }), { type: 'null' }] },
      });

      expect(findBreakingChanges(before, after)).toEqual([
        'refund.amount: type changed from integer to string',
      ]);
    });

    it('enum values added or removed', () => {
      const before = object({ reason: { type: 'string', enum: ['OUT_OF_STOCK', 'TIMEOUT'] } });
      const after = object({ reason: { type: 'string', enum: ['OUT_OF_STOCK', 'FRAUD'] } });

      expect(findBreakingChanges(before, after)).toEqual([
        'reason: enum values added: "FRAUD"',
        'reason: enum values removed: "TIMEOUT"',
      ]);
    });

    it('an enum that became a free string, or a string that became an enum', () => {
      const enumerated = object({ reason: { type: 'string', enum: ['A', 'B'] } });
      const free = object({ reason: string() });

      expect(findBreakingChanges(enumerated, free)).toEqual(['reason: no longer restricted to "A" | "B"']);
      expect(findBreakingChanges(free, enumerated)).toEqual(['reason: now restricted to "A" | "B"']);
    });

    it('a changed, added or removed format', () => {
      const next = current((schema) => {
        schema.properties.placedAt = string({ format: 'date' });
        schema.properties.note = string({ format: 'email' });
        schema.properties.items.items.properties.productId = string({ minLength: 1, format: 'uuid' });
      });
      const withoutFormat = current((schema) => {
        schema.properties.placedAt = string();
      });

      expect(findBreakingChanges(released, next)).toEqual([
        'items[].productId: format changed from (none) to uuid',
        'note: format changed from (none) to email',
        'placedAt: format changed from date-time to date',
      ]);
      expect(findBreakingChanges(released, withoutFormat)).toEqual([
        'placedAt: format changed from date-time to (none)',
      ]);
    });

    it('a changed fixed value (const)', () => {
      const before = object({ eventType: { type: 'string', const: 'OrderPlaced' } });
      const after = object({ eventType: { type: 'string', const: 'OrderCreated' } });

      expect(findBreakingChanges(before, after)).toEqual([
        'eventType: fixed value changed from "OrderPlaced" to "OrderCreated"',
      ]);
    });
  });

  describe('reports required fields', () => {
    it('a new required field, also nested and in array items', () => {
      const next = current((schema) => {
        schema.properties.channel = string();
        schema.required.push('channel');
        schema.properties.items.items.properties.sku = string();
        schema.properties.items.items.required.push('sku');
      });

      expect(findBreakingChanges(released, next)).toEqual([
        'items[].sku: new required field',
        'channel: new required field',
      ]);
    });

    it('an optional field that became required', () => {
      const before = object({ id: string(), nickname: string() }, ['id']);
      const after = object({ id: string(), nickname: string() }, ['id', 'nickname']);

      expect(findBreakingChanges(before, after)).toEqual(['nickname: field became required']);
    });
  });

  describe('reports tightened constraints (released events may no longer validate)', () => {
    it('bounds, lengths and item counts', () => {
      const next = current((schema) => {
        schema.properties.orderId.minLength = 3;
        schema.properties.note.maxLength = 200;
        schema.properties.items.minItems = 2;
        schema.properties.items.items.properties.quantity = integer({ minimum: 1, maximum: 99 });
        schema.properties.total.properties.amount = integer({ exclusiveMinimum: 0 });
      });

      expect(findBreakingChanges(released, next)).toEqual([
        'orderId: minLength tightened from 1 to 3',
        'items: minItems tightened from 1 to 2',
        'items[].quantity: upper bound tightened from (none) to ≤ 99',
        'total.amount: lower bound tightened from ≥ 0 to ≥ 1',
        'note: maxLength tightened from (none) to 200',
      ]);
    });

    it('a new or changed pattern, but not the pattern zod derives from an unchanged format', () => {
      const next = current((schema) => {
        schema.properties.total.properties.currency.pattern = '^(EUR|USD)$';
        schema.properties.note.pattern = '^\\S+$';
        schema.properties.placedAt.pattern = '^\\d{4}-.*$';
      });

      expect(findBreakingChanges(released, next)).toEqual([
        'total.currency: pattern changed from /^[A-Z]{3}$/ to /^(EUR|USD)$/',
        'note: now must match /^\\S+$/',
      ]);
    });

    it('an object that no longer accepts unknown fields', () => {
      const next = current((schema) => {
        schema.properties.items.items.additionalProperties = false;
      });

      expect(findBreakingChanges(released, next)).toEqual(['items[]: no longer accepts unknown fields']);
    });
  });

  describe('follows references', () => {
    it('into definitions, and stops on recursive schemas', () => {
      // given a recursive category tree whose node id is retyped
      const tree = (idType: string) => ({
        $ref: '#/definitions/node',
        definitions: {
          node: object({ id: { type: idType }, children: array({ $ref: '#/definitions/node' }) }),
        },
      });

      expect(findBreakingChanges(tree('string'), tree('string'))).toEqual([]);
      expect(findBreakingChanges(tree('string'), tree('integer'))).toEqual([
        'id: type changed from string to integer',
      ]);
    });

    it('reports a change of a shared definition at every path that uses it', () => {
      // given money defined once and referenced twice (zod's `reused: 'ref'`)
      const withMoney = (amountType: string) => ({
        ...object({ total: { $ref: '#/definitions/money' }, refund: { $ref: '#/definitions/money' } }),
        definitions: { money: object({ amount: { type: amountType } }) },
      });

      expect(findBreakingChanges(withMoney('integer'), withMoney('string'))).toEqual([
        'total.amount: type changed from integer to string',
        'refund.amount: type changed from integer to string',
      ]);
    });
  });

  describe('on tuples', () => {
    it('reports a removed or retyped position', () => {
      const before = object({
        point: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }] },
      });
      const retyped = object({ point: { type: 'array', prefixItems: [{ type: 'string' }] } });

      expect(findBreakingChanges(before, retyped)).toEqual([
        'point[0]: type changed from number to string',
        'point[1]: tuple element removed',
      ]);
    });
  });

  describe('on schemas produced by zod', () => {
    const event = (data: z.ZodMiniType) =>
      defineEvent({ type: 'Probe', version: 1, producer: 'probe', data });
    const base = {
      orderId: z.string().check(z.minLength(1)),
      reason: z.enum(['OUT_OF_STOCK', 'TIMEOUT']),
      total: moneySchema,
      at: z.iso.datetime({ offset: true }),
    };

    it('accepts an added optional field and reports the rest with envelope paths', () => {
      const before = contractJsonSchema(event(z.looseObject(base)));
      const compatible = contractJsonSchema(event(z.looseObject({ ...base, note: z.optional(z.string()) })));
      const breaking = contractJsonSchema(
        event(
          z.looseObject({
            orderId: z.string().check(z.minLength(1)),
            reason: z.enum(['OUT_OF_STOCK', 'TIMEOUT', 'FRAUD']),
            total: z.object({ amount: z.string(), currency: z.string() }),
            at: z.iso.date(),
            channel: z.string(),
          }),
        ),
      );

      expect(findBreakingChanges(before, compatible)).toEqual([]);
      expect(findBreakingChanges(before, breaking)).toEqual([
        'data.reason: enum values added: "FRAUD"',
        'data.total.amount: type changed from integer to string',
        'data.at: format changed from date-time to date',
        'data.channel: new required field',
      ]);
    });
  });
});

describe('findContractBreakingChanges', () => {
  it('reports a changed producer: the source and its rules change', () => {
    const snapshot = createSnapshot(OrderPlacedV1);
    const moved: ContractSnapshot = { ...snapshot, producer: 'checkout' };

    expect(findContractBreakingChanges(snapshot, moved)).toEqual([
      'producer changed from "orders" to "checkout": the event\'s source changes and rules matching the old one stop matching',
    ]);
  });
});

describe('checkAgainstSnapshot', () => {
  const released = createSnapshot(OrderPlacedV1);
  const dataShape = (OrderPlacedV1.dataSchema as unknown as z.ZodMiniObject).shape;
  const redefine = (data: z.ZodMiniType, version = 1) =>
    defineEvent({ type: 'OrderPlaced', version, producer: 'orders', data });

  it('is current for an unchanged contract', () => {
    expect(checkAgainstSnapshot(OrderPlacedV1, released)).toEqual({ status: 'current' });
  });

  it('is missing without a snapshot', () => {
    expect(checkAgainstSnapshot(OrderPlacedV1, undefined)).toEqual({ status: 'missing' });
  });

  it('is outdated after a compatible change (an optional field)', () => {
    const changed = redefine(z.looseObject({ ...dataShape, giftWrap: z.optional(z.boolean()) }));

    expect(checkAgainstSnapshot(changed, released)).toEqual({ status: 'outdated' });
  });

  it('is breaking after an incompatible change, listing the problems', () => {
    const { customerId: _, ...withoutCustomer } = dataShape;
    const changed = redefine(z.looseObject({ ...withoutCustomer, total: z.string() }));

    expect(checkAgainstSnapshot(changed, released)).toEqual({
      status: 'breaking',
      problems: ['data.customerId: field removed', 'data.total: type changed from object to string'],
    });
  });
});

describe('released event contracts', () => {
  const name = (contract: { type: string; version: number }) => `${contract.type} v${contract.version}`;
  const file = (contract: { type: string; version: number }) =>
    `events/snapshots/${contract.type}.v${contract.version}.json`;

  it.each(allContracts.map((contract) => ({ contract, label: name(contract) })))(
    '$label is compatible with the snapshot of its release',
    ({ contract }) => {
      // given the snapshot taken when this version was released
      const check = checkAgainstSnapshot(contract, readSnapshot(contract));

      // then the contract has one, nothing broke since, and it records the latest compatible changes
      const advice = {
        missing: `${name(contract)} has no snapshot (${file(contract)}). A new contract or version is released with its snapshot: run \`${UPDATE_SNAPSHOTS_COMMAND}\` and commit the file.`,
        breaking: `${name(contract)} changed incompatibly since its release (${file(contract)}):\n${
          check.status === 'breaking' ? check.problems.map((problem) => `  - ${problem}`).join('\n') : ''
        }\nKeep ${name(contract)} as released and publish the change as version ${contract.version + 1}, side by side in allContracts (docs/events.md).`,
        outdated: `${file(contract)} is out of date: ${name(contract)} changed compatibly. Run \`${UPDATE_SNAPSHOTS_COMMAND}\` so the new fields are protected too.`,
        current: '',
      }[check.status];
      expect(check.status, advice).toBe('current');
    },
  );

  it('keeps every released version published (a snapshot without its contract)', () => {
    // given the snapshots of released versions
    // then each is still in allContracts: versions are published side by side until no consumer needs the old one
    expect(
      orphanSnapshots(),
      'Released versions are missing from allContracts. Keep publishing them next to the new version; to retire one, delete its snapshot in the same change.',
    ).toEqual([]);
  });

  it('has one contract per type and version', () => {
    const ids = allContracts.map(name);
    expect(ids).toEqual([...new Set(ids)]);
  });

  it('rejects an incompatible change of a released version and asks for a new one', () => {
    // given OrderPlaced v1 edited in place: customerId dropped, the total's amount now a string
    const { customerId: _, ...shape } = (OrderPlacedV1.dataSchema as unknown as z.ZodMiniObject).shape;
    const edited = (version: number) =>
      defineEvent({
        type: 'OrderPlaced',
        version,
        producer: 'orders',
        data: z.looseObject({ ...shape, total: z.object({ amount: z.string(), currency: z.string() }) }),
      });

    // when it is checked against the v1 snapshot, or released as the next, unreleased version
    const next = 1 + Math.max(...allContracts.filter((c) => c.type === 'OrderPlaced').map((c) => c.version));
    const asV1 = checkAgainstSnapshot(edited(1), readSnapshot(OrderPlacedV1));
    const asV2 = checkAgainstSnapshot(edited(next), readSnapshot({ type: 'OrderPlaced', version: next }));

    // then v1 breaks with the list of problems, and the new version only needs its own snapshot
    expect(asV1).toEqual({
      status: 'breaking',
      problems: ['data.customerId: field removed', 'data.total.amount: type changed from integer to string'],
    });
    expect(asV2).toEqual({ status: 'missing' });
  });
});
