import type { EventContract } from './envelope.js';
import * as z from './zod.js';

/**
 * Breaking-change check for event contracts (docs/events.md, "Contracts: AsyncAPI document and
 * breaking-change check").
 *
 * A released version of an event is kept as a snapshot of its JSON Schema; the current schema of the same
 * version must stay compatible with it. Compatible means: events already on the bus, in DLQs or in the
 * archive (replays) still validate, and consumers still find every field with the type they were built
 * for. So these are breaking:
 * - a removed field, or a required field that became optional (consumers rely on it),
 * - a retyped field: type, `const`, `enum` or `format` changed (also inside nested objects, array items
 *   and union variants),
 * - a new required field, or a field that became required,
 * - a tightened constraint (a bound, length, item count, pattern or closed object) — released events may
 *   no longer validate.
 * Adding an optional field or loosening a constraint is fine.
 *
 * Pure: two JSON Schemas in, human-readable problems out (`data.items[].quantity: type changed from
 * integer to string`).
 */

/** A JSON Schema as `z.toJSONSchema` emits it (draft-07 or 2020-12), including boolean schemas. */
export type JsonSchema = boolean | JsonSchemaObject;
export interface JsonSchemaObject {
  [keyword: string]: unknown;
}

/** The schema of a released contract version, as stored in `events/snapshots/<Type>.v<version>.json`. */
export interface ContractSnapshot {
  type: string;
  version: number;
  producer: string;
  /** JSON Schema of the whole envelope (`metadata` and `data`), as consumers receive it. */
  envelope: JsonSchemaObject;
}

/**
 * The JSON Schema of a contract's envelope, the one used by the AsyncAPI document and the snapshots.
 * `io: 'input'` documents what consumers receive on the bus and accept when they parse it: fields with a
 * default may be absent, and objects are not closed unless the contract says so (consumers accept unknown
 * fields). `'output'` would describe the parsed value instead. Draft-07 is AsyncAPI's JSON Schema format.
 */
export function contractJsonSchema(contract: EventContract<string, unknown>): JsonSchemaObject {
  return z.toJSONSchema(contract.envelopeSchema, { target: 'draft-07', io: 'input' }) as JsonSchemaObject;
}

export function createSnapshot(contract: EventContract<string, unknown>): ContractSnapshot {
  return {
    type: contract.type,
    version: contract.version,
    producer: contract.producer,
    envelope: contractJsonSchema(contract),
  };
}

/** `OrderPlaced.v1.json`: the same naming as `events/samples/`. */
export function snapshotFileName(contract: { type: string; version: number }): string {
  return `${contract.type}.v${contract.version}.json`;
}

/** Problems that break consumers of `released` when it is published as `current` (same type and version). */
export function findContractBreakingChanges(released: ContractSnapshot, current: ContractSnapshot): string[] {
  const problems: string[] = [];
  if (released.type !== current.type || released.version !== current.version) {
    problems.push(
      `compared ${released.type} v${released.version} with ${current.type} v${current.version}: not the same contract`,
    );
  }
  if (released.producer !== current.producer) {
    problems.push(
      `producer changed from "${released.producer}" to "${current.producer}": the event's source changes and rules matching the old one stop matching`,
    );
  }
  return [...problems, ...findBreakingChanges(released.envelope, current.envelope)];
}

/**
 * Where a contract stands against the snapshot of its release:
 * - `missing`: no snapshot yet (a new contract or a new version): create it;
 * - `breaking`: the contract changed incompatibly: publish a new version side by side instead;
 * - `outdated`: compatible changes (an optional field): refresh the snapshot, so that they are protected too;
 * - `current`: the snapshot is the contract.
 */
export type SnapshotCheck =
  | { status: 'missing' }
  | { status: 'breaking'; problems: string[] }
  | { status: 'outdated' }
  | { status: 'current' };

export function checkAgainstSnapshot(
  contract: EventContract<string, unknown>,
  released: ContractSnapshot | undefined,
): SnapshotCheck {
  if (!released) return { status: 'missing' };
  const current = createSnapshot(contract);
  const problems = findContractBreakingChanges(released, current);
  if (problems.length > 0) return { status: 'breaking', problems };
  return JSON.stringify(sortKeys(released)) === JSON.stringify(sortKeys(current))
    ? { status: 'current' }
    : { status: 'outdated' };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

/** Every change from `released` to `current` that breaks a consumer or a released event, as readable text. */
export function findBreakingChanges(released: JsonSchema, current: JsonSchema): string[] {
  const walk: Walk = { releasedRoot: released, currentRoot: current, problems: [], comparing: new Set() };
  compareSchemas(released, current, '', walk);
  return walk.problems;
}

interface Walk {
  releasedRoot: JsonSchema;
  currentRoot: JsonSchema;
  problems: string[];
  /** The pairs of `$ref`s being compared on the way down, to stop on recursive schemas. */
  comparing: Set<string>;
}

function report(walk: Walk, path: string, problem: string): void {
  walk.problems.push(`${path || '(root)'}: ${problem}`);
}

function compareSchemas(
  releasedSchema: JsonSchema,
  currentSchema: JsonSchema,
  path: string,
  walk: Walk,
): void {
  const released = resolve(releasedSchema, walk.releasedRoot);
  const current = resolve(currentSchema, walk.currentRoot);
  const refs = [refOf(releasedSchema), refOf(currentSchema)];
  if (refs[0] === undefined && refs[1] === undefined) {
    compareResolved(released, current, path, walk);
    return;
  }
  // A pair of `$ref`s already being compared further up is a recursive schema: it is compared once.
  const key = refs.join(' -> ');
  if (walk.comparing.has(key)) return;
  walk.comparing.add(key);
  compareResolved(released, current, path, walk);
  walk.comparing.delete(key);
}

function compareResolved(
  released: JsonSchemaObject,
  current: JsonSchemaObject,
  path: string,
  walk: Walk,
): void {
  if (
    current.not !== undefined &&
    isEmpty(current.not) &&
    !(released.not !== undefined && isEmpty(released.not))
  ) {
    report(walk, path, 'no longer accepts any value');
    return;
  }

  const releasedVariants = variantsOf(released);
  const currentVariants = variantsOf(current);
  if (releasedVariants || currentVariants) {
    compareVariants(releasedVariants ?? [released], currentVariants ?? [current], path, walk);
    return;
  }

  if (!compareTypes(released, current, path, walk)) return;
  compareConst(released, current, path, walk);
  compareEnum(released, current, path, walk);
  compareFormat(released, current, path, walk);
  compareConstraints(released, current, path, walk);
  compareObjects(released, current, path, walk);
  compareArrays(released, current, path, walk);
  compareAllOf(released, current, path, walk);
}

// --- schema helpers -----------------------------------------------------------------------------------

function isObject(value: unknown): value is JsonSchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmpty(schema: unknown): boolean {
  return schema === true || (isObject(schema) && Object.keys(schema).length === 0);
}

/** `true` accepts anything (`{}`), `false` nothing (`{ not: {} }`). */
function asObject(schema: unknown): JsonSchemaObject {
  if (schema === false) return { not: {} };
  return isObject(schema) ? schema : {};
}

function refOf(schema: JsonSchema): string | undefined {
  return isObject(schema) && typeof schema.$ref === 'string' ? schema.$ref : undefined;
}

/** Follows local `$ref`s (`#/$defs/...`, `#/definitions/...`); other keywords next to `$ref` are kept. */
function resolve(schema: JsonSchema, root: JsonSchema): JsonSchemaObject {
  let current = asObject(schema);
  const visited = new Set<string>();
  while (typeof current.$ref === 'string' && current.$ref.startsWith('#') && !visited.has(current.$ref)) {
    visited.add(current.$ref);
    const { $ref, ...siblings } = current;
    const target = asObject(pointer(root, $ref as string));
    current = { ...target, ...siblings };
  }
  return current;
}

function pointer(root: JsonSchema, ref: string): unknown {
  const segments = ref
    .slice(1)
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => decodeURIComponent(segment).replaceAll('~1', '/').replaceAll('~0', '~'));
  let node: unknown = root;
  for (const segment of segments) {
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function variantsOf(schema: JsonSchemaObject): JsonSchemaObject[] | undefined {
  const variants = schema.anyOf ?? schema.oneOf;
  return Array.isArray(variants) ? variants.map(asObject) : undefined;
}

function childPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function literal(value: unknown): string {
  return JSON.stringify(value);
}

function typeOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The JSON types a schema allows, from `type` or else from `const`/`enum`; undefined when it allows any. */
function typesOf(schema: JsonSchemaObject): string[] | undefined {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return [...new Set(schema.type.map(String))].sort();
  if ('const' in schema) return [typeOfValue(schema.const)];
  if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map(typeOfValue))].sort();
  return undefined;
}

/** A short, readable description of what a schema (or union variant) is: `string`, `"A" | "B"`, `null`. */
function describe(schema: JsonSchemaObject): string {
  if ('const' in schema) return literal(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map(literal).join(' | ');
  const types = typesOf(schema);
  if (!types) return 'any';
  const discriminators = Object.entries(isObject(schema.properties) ? schema.properties : {})
    .filter(([, property]) => isObject(property) && 'const' in property)
    .map(([key, property]) => `${key}: ${literal((property as JsonSchemaObject).const)}`);
  const name = types.join(' | ');
  return discriminators.length > 0 ? `${name} { ${discriminators.join(', ')} }` : name;
}

function sameValue(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

// --- rules --------------------------------------------------------------------------------------------

/** Variants are matched by what they are (`describe`); an added or removed variant retypes the field. */
function compareVariants(
  released: JsonSchemaObject[],
  current: JsonSchemaObject[],
  path: string,
  walk: Walk,
): void {
  const unmatched = current.map((variant, index) => ({ variant, index, key: describe(variant) }));
  const pairs: Array<[JsonSchemaObject, JsonSchemaObject]> = [];
  let changed = false;
  for (const variant of released) {
    const key = describe(variant);
    const match = unmatched.findIndex((candidate) => candidate.key === key);
    if (match === -1) {
      changed = true;
      continue;
    }
    const [counterpart] = unmatched.splice(match, 1);
    if (counterpart) pairs.push([variant, counterpart.variant]);
  }
  if (changed || unmatched.length > 0) {
    report(
      walk,
      path,
      `type changed from ${released.map(describe).join(' | ')} to ${current.map(describe).join(' | ')}`,
    );
  }
  for (const [releasedVariant, currentVariant] of pairs)
    compareSchemas(releasedVariant, currentVariant, path, walk);
}

/** Returns false when the type changed: nothing below a retyped field is compared. */
function compareTypes(
  released: JsonSchemaObject,
  current: JsonSchemaObject,
  path: string,
  walk: Walk,
): boolean {
  const releasedTypes = typesOf(released);
  const currentTypes = typesOf(current);
  if (sameValue(releasedTypes, currentTypes)) return true;
  report(
    walk,
    path,
    `type changed from ${releasedTypes?.join(' | ') ?? 'any'} to ${currentTypes?.join(' | ') ?? 'any'}`,
  );
  return false;
}

function compareConst(released: JsonSchemaObject, current: JsonSchemaObject, path: string, walk: Walk): void {
  const inReleased = 'const' in released;
  const inCurrent = 'const' in current;
  if (!inReleased && !inCurrent) return;
  if (inReleased && inCurrent) {
    if (!sameValue(released.const, current.const)) {
      report(walk, path, `fixed value changed from ${literal(released.const)} to ${literal(current.const)}`);
    }
  } else if (inReleased) {
    report(walk, path, `no longer fixed to ${literal(released.const)}`);
  } else {
    report(walk, path, `now fixed to ${literal(current.const)}`);
  }
}

function compareEnum(released: JsonSchemaObject, current: JsonSchemaObject, path: string, walk: Walk): void {
  const releasedValues = Array.isArray(released.enum) ? released.enum : undefined;
  const currentValues = Array.isArray(current.enum) ? current.enum : undefined;
  if (!releasedValues && !currentValues) return;
  if (releasedValues && !currentValues) {
    report(walk, path, `no longer restricted to ${releasedValues.map(literal).join(' | ')}`);
    return;
  }
  if (!releasedValues && currentValues) {
    report(walk, path, `now restricted to ${currentValues.map(literal).join(' | ')}`);
    return;
  }
  const has = (values: unknown[], value: unknown) => values.some((candidate) => sameValue(candidate, value));
  const added = (currentValues ?? []).filter((value) => !has(releasedValues ?? [], value));
  const removed = (releasedValues ?? []).filter((value) => !has(currentValues ?? [], value));
  if (added.length > 0) report(walk, path, `enum values added: ${added.map(literal).join(', ')}`);
  if (removed.length > 0) report(walk, path, `enum values removed: ${removed.map(literal).join(', ')}`);
}

function compareFormat(
  released: JsonSchemaObject,
  current: JsonSchemaObject,
  path: string,
  walk: Walk,
): void {
  if (released.format === current.format) return;
  report(walk, path, `format changed from ${released.format ?? '(none)'} to ${current.format ?? '(none)'}`);
}

interface Bound {
  value: number;
  exclusive: boolean;
}

/** The effective lower (or upper) bound, exclusive bounds of integers made inclusive (`> 0` is `≥ 1`). */
function boundOf(schema: JsonSchemaObject, side: 'lower' | 'upper'): Bound | undefined {
  const [inclusiveKey, exclusiveKey] =
    side === 'lower' ? ['minimum', 'exclusiveMinimum'] : ['maximum', 'exclusiveMaximum'];
  const candidates: Bound[] = [];
  const inclusive = schema[inclusiveKey];
  const exclusive = schema[exclusiveKey];
  if (typeof inclusive === 'number') candidates.push({ value: inclusive, exclusive: exclusive === true });
  if (typeof exclusive === 'number') candidates.push({ value: exclusive, exclusive: true });
  const integer = typesOf(schema)?.every((type) => type === 'integer') ?? false;
  const normalized = candidates.map((bound) =>
    integer && bound.exclusive
      ? {
          value: side === 'lower' ? Math.floor(bound.value) + 1 : Math.ceil(bound.value) - 1,
          exclusive: false,
        }
      : bound,
  );
  return normalized.reduce<Bound | undefined>(
    (tightest, bound) => (!tightest || isTighter(bound, tightest, side) ? bound : tightest),
    undefined,
  );
}

function isTighter(candidate: Bound, than: Bound, side: 'lower' | 'upper'): boolean {
  if (candidate.value === than.value) return candidate.exclusive && !than.exclusive;
  return side === 'lower' ? candidate.value > than.value : candidate.value < than.value;
}

function formatBound(bound: Bound | undefined, side: 'lower' | 'upper'): string {
  if (!bound) return '(none)';
  const operator = side === 'lower' ? (bound.exclusive ? '>' : '≥') : bound.exclusive ? '<' : '≤';
  return `${operator} ${bound.value}`;
}

const MINIMUM_KEYWORDS = ['minLength', 'minItems', 'minProperties'] as const;
const MAXIMUM_KEYWORDS = ['maxLength', 'maxItems', 'maxProperties'] as const;

function compareConstraints(
  released: JsonSchemaObject,
  current: JsonSchemaObject,
  path: string,
  walk: Walk,
): void {
  for (const side of ['lower', 'upper'] as const) {
    const before = boundOf(released, side);
    const after = boundOf(current, side);
    if (after && (!before || isTighter(after, before, side))) {
      report(
        walk,
        path,
        `${side} bound tightened from ${formatBound(before, side)} to ${formatBound(after, side)}`,
      );
    }
  }
  for (const keyword of MINIMUM_KEYWORDS) {
    const before = released[keyword];
    const after = current[keyword];
    if (typeof after === 'number' && after > (typeof before === 'number' ? before : 0)) {
      report(walk, path, `${keyword} tightened from ${before ?? '(none)'} to ${after}`);
    }
  }
  for (const keyword of MAXIMUM_KEYWORDS) {
    const before = released[keyword];
    const after = current[keyword];
    if (typeof after === 'number' && (typeof before !== 'number' || after < before)) {
      report(walk, path, `${keyword} tightened from ${before ?? '(none)'} to ${after}`);
    }
  }
  const multipleBefore = released.multipleOf;
  const multipleAfter = current.multipleOf;
  if (
    typeof multipleAfter === 'number' &&
    (typeof multipleBefore !== 'number' || !Number.isInteger(multipleBefore / multipleAfter))
  ) {
    report(walk, path, `multipleOf tightened from ${multipleBefore ?? '(none)'} to ${multipleAfter}`);
  }
  // A `format` comes with a pattern zod derives from it (a new zod may spell it differently), and a changed
  // format is reported on its own. Other patterns cannot be proven looser, so any change is reported.
  const hasFormat = released.format !== undefined || current.format !== undefined;
  if (typeof current.pattern === 'string' && current.pattern !== released.pattern && !hasFormat) {
    report(
      walk,
      path,
      typeof released.pattern === 'string'
        ? `pattern changed from /${released.pattern}/ to /${current.pattern}/`
        : `now must match /${current.pattern}/`,
    );
  }
  if (current.uniqueItems === true && released.uniqueItems !== true) {
    report(walk, path, 'items must now be unique');
  }
  const extraBefore = released.additionalProperties;
  const extraAfter = current.additionalProperties;
  if (extraAfter === false && extraBefore !== false) {
    report(walk, path, 'no longer accepts unknown fields');
  } else if (isObject(extraBefore) && isObject(extraAfter)) {
    compareSchemas(extraBefore, extraAfter, childPath(path, '*'), walk);
  }
}

function compareObjects(
  released: JsonSchemaObject,
  current: JsonSchemaObject,
  path: string,
  walk: Walk,
): void {
  const releasedProperties = isObject(released.properties) ? released.properties : {};
  const currentProperties = isObject(current.properties) ? current.properties : {};
  const releasedRequired = new Set(Array.isArray(released.required) ? released.required : []);
  const currentRequired = new Set(Array.isArray(current.required) ? current.required : []);
  for (const [key, releasedProperty] of Object.entries(releasedProperties)) {
    const propertyPath = childPath(path, key);
    if (!(key in currentProperties)) {
      report(walk, propertyPath, 'field removed');
      continue;
    }
    if (!releasedRequired.has(key) && currentRequired.has(key))
      report(walk, propertyPath, 'field became required');
    if (releasedRequired.has(key) && !currentRequired.has(key))
      report(walk, propertyPath, 'field became optional');
    compareSchemas(releasedProperty as JsonSchema, currentProperties[key] as JsonSchema, propertyPath, walk);
  }
  for (const key of Object.keys(currentProperties)) {
    if (!(key in releasedProperties) && currentRequired.has(key)) {
      report(walk, childPath(path, key), 'new required field');
    }
  }
}

/** Tuple positions (`prefixItems`, or an `items` array in draft-07) and the schema of the other items. */
function itemsOf(schema: JsonSchemaObject): { tuple: JsonSchema[]; rest: JsonSchema | undefined } {
  if (Array.isArray(schema.prefixItems)) {
    return { tuple: schema.prefixItems as JsonSchema[], rest: schema.items as JsonSchema | undefined };
  }
  if (Array.isArray(schema.items)) {
    return { tuple: schema.items as JsonSchema[], rest: schema.additionalItems as JsonSchema | undefined };
  }
  return { tuple: [], rest: schema.items as JsonSchema | undefined };
}

function compareArrays(
  released: JsonSchemaObject,
  current: JsonSchemaObject,
  path: string,
  walk: Walk,
): void {
  const before = itemsOf(released);
  const after = itemsOf(current);
  before.tuple.forEach((item, index) => {
    const itemPath = `${path}[${index}]`;
    const counterpart = after.tuple[index];
    if (counterpart === undefined) report(walk, itemPath, 'tuple element removed');
    else compareSchemas(item, counterpart, itemPath, walk);
  });
  if (before.rest !== undefined && after.rest !== undefined) {
    compareSchemas(before.rest, after.rest, `${path}[]`, walk);
  } else if (before.rest === undefined && after.rest !== undefined && before.tuple.length === 0) {
    compareSchemas(true, after.rest, `${path}[]`, walk);
  }
}

function compareAllOf(released: JsonSchemaObject, current: JsonSchemaObject, path: string, walk: Walk): void {
  const before = Array.isArray(released.allOf) ? (released.allOf as JsonSchema[]) : [];
  const after = Array.isArray(current.allOf) ? (current.allOf as JsonSchema[]) : [];
  if (before.length === 0 && after.length === 0) return;
  if (before.length !== after.length) {
    report(walk, path, `composition (allOf) changed from ${before.length} to ${after.length} schemas`);
    return;
  }
  before.forEach((schema, index) => {
    compareSchemas(schema, after[index] as JsonSchema, path, walk);
  });
}
