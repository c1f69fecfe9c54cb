import { describe, expect, it } from 'vitest';
import { matchesEventPattern, validateEventPattern } from '../../../scripts/local-cloud/event-pattern.mjs';

interface Case {
  name: string;
  pattern: Record<string, unknown>;
  event: Record<string, unknown>;
  expected: boolean;
}

const baseEvent = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'OrderPlaced',
  source: 'commerce.orders',
  account: '123456789012',
  time: '2024-05-01T12:00:00Z',
  region: 'us-east-1',
  resources: [
    'arn:aws:ec2:us-east-1:123456789012:instance/i-1',
    'arn:aws:ec2:us-east-1:123456789012:instance/i-2',
  ],
  detail: {
    state: 'running',
    count: 5,
    price: 301.8,
    flag: true,
    nothing: null,
    empty: '',
    ip: '10.0.0.33',
    ip6: '2001:db8::1',
    file: 'photos/IMG_01.PNG',
    path: 'src/lib/index.ts',
    tags: ['blue', 'green'],
    scores: [1, 7],
    nested: { inner: { value: 'x' } },
    emptyList: [],
    items: [
      { sku: 'A', qty: 1 },
      { sku: 'B', qty: 2 },
    ],
    metadata: { correlationId: 'corr-1' },
  },
};

const detail = (pattern: Record<string, unknown>) => ({ detail: pattern });

const cases: Record<string, Case[]> = {
  exact: [
    { name: 'string equal', pattern: { source: ['commerce.orders'] }, event: baseEvent, expected: true },
    {
      name: 'string OR list',
      pattern: { source: ['x', 'commerce.orders'] },
      event: baseEvent,
      expected: true,
    },
    { name: 'string differs', pattern: { source: ['commerce.payments'] }, event: baseEvent, expected: false },
    { name: 'case sensitive', pattern: { source: ['Commerce.Orders'] }, event: baseEvent, expected: false },
    { name: 'number equal', pattern: detail({ count: [5] }), event: baseEvent, expected: true },
    { name: 'number vs string', pattern: detail({ count: ['5'] }), event: baseEvent, expected: false },
    { name: 'boolean', pattern: detail({ flag: [true] }), event: baseEvent, expected: true },
    { name: 'boolean vs string', pattern: detail({ flag: ['true'] }), event: baseEvent, expected: false },
    { name: 'null matches null', pattern: detail({ nothing: [null] }), event: baseEvent, expected: true },
    {
      name: 'null does not match missing',
      pattern: detail({ missing: [null] }),
      event: baseEvent,
      expected: false,
    },
    { name: 'empty string', pattern: detail({ empty: [''] }), event: baseEvent, expected: true },
    { name: 'empty string vs null', pattern: detail({ nothing: [''] }), event: baseEvent, expected: false },
    { name: 'missing field', pattern: detail({ missing: ['x'] }), event: baseEvent, expected: false },
    {
      name: 'leaf pattern vs object value',
      pattern: detail({ nested: ['x'] }),
      event: baseEvent,
      expected: false,
    },
  ],
  nested: [
    {
      name: 'AND over keys',
      pattern: { source: ['commerce.orders'], detail: { state: ['running'] } },
      event: baseEvent,
      expected: true,
    },
    {
      name: 'AND fails on one key',
      pattern: { source: ['commerce.orders'], detail: { state: ['stopped'] } },
      event: baseEvent,
      expected: false,
    },
    {
      name: 'deep nesting',
      pattern: detail({ nested: { inner: { value: ['x'] } } }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'deep nesting mismatch',
      pattern: detail({ nested: { inner: { value: ['y'] } } }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'object pattern vs scalar value',
      pattern: detail({ state: { inner: ['running'] } }),
      event: baseEvent,
      expected: false,
    },
  ],
  arrays: [
    {
      name: 'event array contains value',
      pattern: detail({ tags: ['green'] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'event array lacks value',
      pattern: detail({ tags: ['red'] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'resources array',
      pattern: { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-2'] },
      event: baseEvent,
      expected: true,
    },
    {
      name: 'array of objects',
      pattern: detail({ items: { sku: ['B'] } }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'array consistency (same element)',
      pattern: detail({ items: { sku: ['B'], qty: [2] } }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'array consistency (across elements)',
      pattern: detail({ items: { sku: ['A'], qty: [2] } }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'numeric on array',
      pattern: detail({ scores: [{ numeric: ['>', 5] }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'empty event array has no values',
      pattern: detail({ emptyList: ['x'] }),
      event: baseEvent,
      expected: false,
    },
  ],
  prefix: [
    { name: 'prefix', pattern: { time: [{ prefix: '2024-05' }] }, event: baseEvent, expected: true },
    { name: 'prefix mismatch', pattern: { time: [{ prefix: '2023' }] }, event: baseEvent, expected: false },
    {
      name: 'prefix case sensitive',
      pattern: { source: [{ prefix: 'COMMERCE' }] },
      event: baseEvent,
      expected: false,
    },
    {
      name: 'prefix ignore case',
      pattern: { source: [{ prefix: { 'equals-ignore-case': 'COMMERCE.' } }] },
      event: baseEvent,
      expected: true,
    },
    {
      name: 'prefix ignore case mismatch',
      pattern: { source: [{ prefix: { 'equals-ignore-case': 'SHOP' } }] },
      event: baseEvent,
      expected: false,
    },
    {
      name: 'prefix only on strings',
      pattern: detail({ count: [{ prefix: '5' }] }),
      event: baseEvent,
      expected: false,
    },
  ],
  suffix: [
    { name: 'suffix', pattern: detail({ file: [{ suffix: '.PNG' }] }), event: baseEvent, expected: true },
    {
      name: 'suffix case sensitive',
      pattern: detail({ file: [{ suffix: '.png' }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'suffix ignore case',
      pattern: detail({ file: [{ suffix: { 'equals-ignore-case': '.png' } }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'suffix mismatch',
      pattern: detail({ file: [{ suffix: '.jpg' }] }),
      event: baseEvent,
      expected: false,
    },
  ],
  'equals-ignore-case': [
    {
      name: 'matches other casing',
      pattern: detail({ state: [{ 'equals-ignore-case': 'RUNNING' }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'different word',
      pattern: detail({ state: [{ 'equals-ignore-case': 'STOPPED' }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'not a prefix match',
      pattern: detail({ state: [{ 'equals-ignore-case': 'RUN' }] }),
      event: baseEvent,
      expected: false,
    },
  ],
  'anything-but': [
    {
      name: 'single string, different value',
      pattern: detail({ state: [{ 'anything-but': 'stopped' }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'single string, same value',
      pattern: detail({ state: [{ 'anything-but': 'running' }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'string list excludes',
      pattern: detail({ state: [{ 'anything-but': ['stopped', 'running'] }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'string list allows',
      pattern: detail({ state: [{ 'anything-but': ['stopped', 'pending'] }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'number',
      pattern: detail({ count: [{ 'anything-but': 5 }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'number list allows',
      pattern: detail({ count: [{ 'anything-but': [1, 2, 3] }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'prefix',
      pattern: detail({ state: [{ 'anything-but': { prefix: 'run' } }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'prefix allows',
      pattern: detail({ state: [{ 'anything-but': { prefix: 'stop' } }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'suffix',
      pattern: detail({ file: [{ 'anything-but': { suffix: '.PNG' } }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'suffix allows',
      pattern: detail({ file: [{ 'anything-but': { suffix: '.jpg' } }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'ignore case',
      pattern: detail({ state: [{ 'anything-but': { 'equals-ignore-case': 'RUNNING' } }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'wildcard',
      pattern: detail({ path: [{ 'anything-but': { wildcard: '*/lib/*' } }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'missing field never matches',
      pattern: detail({ missing: [{ 'anything-but': 'x' }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'array: any other element matches',
      pattern: detail({ tags: [{ 'anything-but': 'blue' }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'array: every element excluded',
      pattern: detail({ tags: [{ 'anything-but': ['blue', 'green'] }] }),
      event: baseEvent,
      expected: false,
    },
  ],
  numeric: [
    {
      name: 'range inside',
      pattern: detail({ count: [{ numeric: ['>', 0, '<=', 5] }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'range excludes upper',
      pattern: detail({ count: [{ numeric: ['>', 0, '<', 5] }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'lower bound exclusive',
      pattern: detail({ count: [{ numeric: ['>', 5] }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'lower bound inclusive',
      pattern: detail({ count: [{ numeric: ['>=', 5] }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'equals',
      pattern: detail({ price: [{ numeric: ['=', 3.018e2] }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'equals mismatch',
      pattern: detail({ price: [{ numeric: ['=', 301] }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'only numbers',
      pattern: { detail: { state: [{ numeric: ['>', 0] }] } },
      event: baseEvent,
      expected: false,
    },
    {
      name: 'numeric string is not a number',
      pattern: detail({ n: [{ numeric: ['>', 0] }] }),
      event: { detail: { n: '5' } },
      expected: false,
    },
  ],
  exists: [
    {
      name: 'exists true on present',
      pattern: detail({ state: [{ exists: true }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'exists true on missing',
      pattern: detail({ missing: [{ exists: true }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'exists false on missing',
      pattern: detail({ missing: [{ exists: false }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'exists false on present',
      pattern: detail({ state: [{ exists: false }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'exists true on null value',
      pattern: detail({ nothing: [{ exists: true }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'exists false when parent missing',
      pattern: { nope: { deeper: [{ exists: false }] } },
      event: baseEvent,
      expected: true,
    },
    {
      name: 'exists true on intermediate node',
      pattern: detail({ nested: [{ exists: true }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'exists false on intermediate node',
      pattern: detail({ nested: [{ exists: false }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'exists false on empty array',
      pattern: detail({ emptyList: [{ exists: false }] }),
      event: baseEvent,
      expected: true,
    },
  ],
  wildcard: [
    {
      name: 'star in the middle',
      pattern: detail({ path: [{ wildcard: 'src/*/index.ts' }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'several stars',
      pattern: detail({ path: [{ wildcard: '*lib*' }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'whole value must match',
      pattern: detail({ path: [{ wildcard: '*lib' }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'no match',
      pattern: detail({ path: [{ wildcard: 'test/*' }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'no star = exact',
      pattern: detail({ path: [{ wildcard: 'src/lib' }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'escaped star is literal',
      pattern: detail({ s: [{ wildcard: 'a\\*b' }] }),
      event: { detail: { s: 'a*b' } },
      expected: true,
    },
    {
      name: 'escaped star does not glob',
      pattern: detail({ s: [{ wildcard: 'a\\*b' }] }),
      event: { detail: { s: 'axxb' } },
      expected: false,
    },
    {
      name: 'regex characters are literal',
      pattern: detail({ s: [{ wildcard: 'a.c*' }] }),
      event: { detail: { s: 'abcd' } },
      expected: false,
    },
  ],
  cidr: [
    {
      name: 'IPv4 inside',
      pattern: detail({ ip: [{ cidr: '10.0.0.0/24' }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'IPv4 outside',
      pattern: detail({ ip: [{ cidr: '10.0.1.0/24' }] }),
      event: baseEvent,
      expected: false,
    },
    { name: 'IPv4 /8', pattern: detail({ ip: [{ cidr: '10.0.0.0/8' }] }), event: baseEvent, expected: true },
    {
      name: 'IPv6 inside',
      pattern: detail({ ip6: [{ cidr: '2001:db8::/32' }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'IPv6 outside',
      pattern: detail({ ip6: [{ cidr: '2001:db9::/32' }] }),
      event: baseEvent,
      expected: false,
    },
    {
      name: 'not an IP',
      pattern: detail({ state: [{ cidr: '10.0.0.0/8' }] }),
      event: baseEvent,
      expected: false,
    },
  ],
  $or: [
    {
      name: 'second branch matches',
      pattern: {
        source: ['commerce.orders'],
        $or: [{ detail: { state: ['stopped'] } }, { detail: { count: [5] } }],
      },
      event: baseEvent,
      expected: true,
    },
    {
      name: 'no branch matches',
      pattern: { $or: [{ detail: { state: ['stopped'] } }, { detail: { count: [6] } }] },
      event: baseEvent,
      expected: false,
    },
    {
      name: 'AND with sibling key still applies',
      pattern: { source: ['other'], $or: [{ detail: { state: ['running'] } }, { detail: { count: [5] } }] },
      event: baseEvent,
      expected: false,
    },
    {
      name: 'nested $or inside detail',
      pattern: {
        detail: { $or: [{ state: ['x'] }, { flag: [true], $or: [{ count: [1] }, { price: [301.8] }] }] },
      },
      event: baseEvent,
      expected: true,
    },
  ],
  'multiple matchers (OR)': [
    {
      name: 'mixed operators',
      pattern: detail({ state: ['stopped', { prefix: 'run' }] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'exists false OR value',
      pattern: detail({ missing: [{ exists: false }, 'x'] }),
      event: baseEvent,
      expected: true,
    },
    {
      name: 'none match',
      pattern: detail({ state: ['stopped', { prefix: 'stop' }] }),
      event: baseEvent,
      expected: false,
    },
  ],
};

describe('matchesEventPattern', () => {
  for (const [operator, table] of Object.entries(cases)) {
    describe(operator, () => {
      it.each(table)('$name → $expected', ({ pattern, event, expected }) => {
        expect(matchesEventPattern(pattern, event)).toBe(expected);
      });
    });
  }

  it('matches Lambda event-source-mapping filters (DynamoDB stream record shape)', () => {
    const record = {
      eventName: 'INSERT',
      dynamodb: { NewImage: { pk: { S: 'ORDER#1' }, status: { S: 'PLACED' } } },
    };
    expect(
      matchesEventPattern(
        { eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { pk: { S: [{ prefix: 'ORDER#' }] } } } },
        record,
      ),
    ).toBe(true);
    expect(matchesEventPattern({ eventName: ['REMOVE'] }, record)).toBe(false);
  });

  it('throws on malformed patterns instead of silently not matching', () => {
    expect(() => matchesEventPattern({ source: 'x' }, baseEvent)).toThrow(/must be wrapped in an array/);
  });
});

describe('validateEventPattern', () => {
  const valid: Record<string, unknown>[] = [
    {
      source: ['a'],
      detail: { n: [{ numeric: ['>=', 0, '<', 10] }], s: [{ 'anything-but': { prefix: 'x' } }] },
    },
    { $or: [{ a: ['1'] }, { b: [{ exists: true }] }] },
    { a: [{ wildcard: 'a*b\\*c\\\\' }, { cidr: '192.168.0.0/16' }, null, true, 1.5] },
    { a: [{ 'anything-but': { 'equals-ignore-case': ['A', 'B'] } }] },
  ];
  it.each(valid)('accepts %j', (pattern) => {
    expect(() => validateEventPattern(pattern)).not.toThrow();
  });

  const invalid: [string, unknown, RegExp][] = [
    ['non-object pattern', ['a'], /must be a JSON object/],
    ['non-array leaf', { source: 'a' }, /"source".*must be wrapped in an array/],
    ['non-array nested leaf', { detail: { state: 'x' } }, /"detail.state"/],
    ['unknown operator', { a: [{ contains: 'x' }] }, /unknown operator "contains"/],
    ['two keys in an operator', { a: [{ prefix: 'x', suffix: 'y' }] }, /exactly one key/],
    ['empty leaf array', { a: [] }, /empty arrays/],
    ['empty object', { detail: {} }, /empty objects/],
    ['nested array', { a: [['x']] }, /nested arrays/],
    ['exists not boolean', { a: [{ exists: 'yes' }] }, /"exists" must be true or false/],
    ['numeric odd length', { a: [{ numeric: ['>', 1, '<'] }] }, /"numeric"/],
    ['numeric unknown op', { a: [{ numeric: ['!=', 1] }] }, /unknown operator "!="/],
    ['numeric bound not a number', { a: [{ numeric: ['>', '1'] }] }, /expected a number/],
    ['numeric inverted range', { a: [{ numeric: ['>', 10, '<', 1] }] }, /lower bound must be less/],
    ['anything-but mixed list', { a: [{ 'anything-but': ['a', 1] }] }, /only strings or only numbers/],
    ['anything-but empty list', { a: [{ 'anything-but': [] }] }, /must not be empty/],
    [
      'anything-but unsupported object',
      { a: [{ 'anything-but': { numeric: ['>', 1] } }] },
      /"anything-but" object/,
    ],
    ['prefix not string', { a: [{ prefix: 1 }] }, /"prefix" must be a string/],
    ['wildcard consecutive stars', { a: [{ wildcard: 'a**b' }] }, /consecutive wildcard/],
    ['wildcard bad escape', { a: [{ wildcard: 'a\\b' }] }, /backslash/],
    ['bad cidr', { a: [{ cidr: '10.0.0.0/33' }] }, /"cidr"/],
    ['$or with one branch', { $or: [{ a: ['x'] }] }, /at least two/],
  ];
  it.each(invalid)('rejects %s', (_name, pattern, message) => {
    expect(() => validateEventPattern(pattern)).toThrow(message);
  });
});
