// EventBridge event-pattern (content filtering) matcher for the local cloud.
//
// Faithful to the semantics of AWS EventBridge / aws/event-ruler (rulesForJSONEvent), which Lambda event-source
// mapping filter criteria share:
//  - a pattern is an object; object values are nested patterns (AND over keys), array values are leaf matchers
//    (OR over the elements);
//  - leaf matchers are literal values (string, number, boolean, null; exact, type-sensitive) or single-key operator
//    objects: prefix, suffix, equals-ignore-case, anything-but, numeric, exists, wildcard, cidr;
//  - a field whose value is an array matches when any element matches; arrays of objects are matched element by
//    element, so two fields never match across different elements of the same array ("array consistency");
//  - operators only apply to leaf values: an object-valued field is not a leaf (exists:true fails, exists:false
//    succeeds on it), and a missing field or an empty array has no leaf values at all;
//  - "$or": [ {…}, {…}, … ] at any object level matches when any of its sub-patterns matches.

/**
 * @typedef {string | number | boolean | null} JsonScalar
 * @typedef {JsonScalar | JsonScalar[] | { [key: string]: unknown }} JsonValue
 * @typedef {{ [key: string]: unknown }} EventPattern
 */

/** Operator names; an object inside a leaf array must have exactly one of these as its key. */
const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'anything-but',
  'numeric',
  'exists',
  'wildcard',
  'cidr',
]);

const LOWER_BOUND_OPS = new Set(['>', '>=']);
const UPPER_BOUND_OPS = new Set(['<', '<=']);

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * @param {unknown} value
 * @returns {string}
 */
function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * A "$or" key is the OR primitive when its value is an array of plain objects none of which uses an operator
 * name as a key (otherwise event-ruler treats "$or" as an ordinary field name).
 * @param {string} key
 * @param {unknown} value
 * @returns {value is Record<string, unknown>[]}
 */
function isOrClause(key, value) {
  return (
    key === '$or' &&
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((element) => isPlainObject(element) && !Object.keys(element).some((k) => OPERATORS.has(k)))
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------------

class EventPatternError extends Error {
  /**
   * @param {string} path
   * @param {string} reason
   */
  constructor(path, reason) {
    super(`Invalid event pattern${path ? ` at "${path}"` : ''}: ${reason}`);
    this.name = 'EventPatternError';
  }
}

/**
 * @param {string} path
 * @param {string} key
 */
function join(path, key) {
  return path ? `${path}.${key}` : key;
}

/**
 * Throws an Error with a clear message if `pattern` is not a valid EventBridge event pattern.
 * @param {unknown} pattern
 * @returns {void}
 */
export function validateEventPattern(pattern) {
  if (!isPlainObject(pattern)) {
    throw new EventPatternError('', `the pattern must be a JSON object, got ${describe(pattern)}`);
  }
  validateObject(pattern, '');
}

/**
 * @param {Record<string, unknown>} object
 * @param {string} path
 */
function validateObject(object, path) {
  const keys = Object.keys(object);
  if (keys.length === 0) throw new EventPatternError(path, 'empty objects are not allowed');
  for (const key of keys) {
    const value = object[key];
    const fieldPath = join(path, key);
    if (isOrClause(key, value)) {
      if (value.length < 2) {
        throw new EventPatternError(fieldPath, '"$or" must contain at least two sub-patterns');
      }
      value.forEach((subPattern, index) => {
        validateObject(subPattern, `${fieldPath}[${index}]`);
      });
    } else if (Array.isArray(value)) {
      validateLeaf(value, fieldPath);
    } else if (isPlainObject(value)) {
      validateObject(value, fieldPath);
    } else {
      throw new EventPatternError(
        fieldPath,
        `match values must be wrapped in an array (e.g. [${JSON.stringify(value)}]) or be a nested object, got ${describe(value)}`,
      );
    }
  }
}

/**
 * @param {unknown[]} matchers
 * @param {string} path
 */
function validateLeaf(matchers, path) {
  if (matchers.length === 0) throw new EventPatternError(path, 'empty arrays are not allowed');
  for (const matcher of matchers) {
    if (matcher === null || typeof matcher === 'string' || typeof matcher === 'boolean') continue;
    if (typeof matcher === 'number') {
      if (!Number.isFinite(matcher)) throw new EventPatternError(path, `invalid number ${matcher}`);
      continue;
    }
    if (Array.isArray(matcher))
      throw new EventPatternError(path, 'nested arrays are not allowed in a match list');
    if (isPlainObject(matcher)) {
      validateOperator(matcher, path);
      continue;
    }
    throw new EventPatternError(path, `unsupported match value ${describe(matcher)}`);
  }
}

/**
 * @param {Record<string, unknown>} matcher
 * @param {string} path
 */
function validateOperator(matcher, path) {
  const keys = Object.keys(matcher);
  if (keys.length !== 1) {
    throw new EventPatternError(
      path,
      `an operator object must have exactly one key, got ${keys.length === 0 ? 'none' : keys.map((k) => `"${k}"`).join(', ')}`,
    );
  }
  const op = /** @type {string} */ (keys[0]);
  const spec = matcher[op];
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (typeof spec === 'string') return;
      if (
        isPlainObject(spec) &&
        Object.keys(spec).length === 1 &&
        typeof spec['equals-ignore-case'] === 'string'
      ) {
        return;
      }
      throw new EventPatternError(
        path,
        `"${op}" must be a string or { "equals-ignore-case": string }, got ${describe(spec)}`,
      );
    case 'equals-ignore-case':
      if (typeof spec !== 'string') {
        throw new EventPatternError(path, `"equals-ignore-case" must be a string, got ${describe(spec)}`);
      }
      return;
    case 'exists':
      if (typeof spec !== 'boolean') {
        throw new EventPatternError(path, `"exists" must be true or false, got ${describe(spec)}`);
      }
      return;
    case 'wildcard':
      if (typeof spec !== 'string') {
        throw new EventPatternError(path, `"wildcard" must be a string, got ${describe(spec)}`);
      }
      validateWildcard(spec, path);
      return;
    case 'cidr':
      if (typeof spec !== 'string' || parseCidr(spec) === undefined) {
        throw new EventPatternError(
          path,
          `"cidr" must be an IPv4 or IPv6 CIDR block such as "10.0.0.0/24", got ${describe(spec)}`,
        );
      }
      return;
    case 'numeric':
      validateNumeric(spec, path);
      return;
    case 'anything-but':
      validateAnythingBut(spec, path);
      return;
    default:
      throw new EventPatternError(
        path,
        `unknown operator "${op}" (supported: ${[...OPERATORS].map((o) => `"${o}"`).join(', ')})`,
      );
  }
}

/**
 * @param {string} wildcard
 * @param {string} path
 */
function validateWildcard(wildcard, path) {
  let previousWasStar = false;
  for (let i = 0; i < wildcard.length; i++) {
    const char = wildcard[i];
    if (char === '\\') {
      const next = wildcard[i + 1];
      if (next !== '*' && next !== '\\') {
        throw new EventPatternError(
          path,
          `"wildcard" "${wildcard}": a backslash may only escape "*" or "\\"`,
        );
      }
      i++;
      previousWasStar = false;
    } else if (char === '*') {
      if (previousWasStar) {
        throw new EventPatternError(
          path,
          `"wildcard" "${wildcard}": consecutive wildcard characters are not allowed`,
        );
      }
      previousWasStar = true;
    } else {
      previousWasStar = false;
    }
  }
}

/**
 * @param {unknown} spec
 * @param {string} path
 */
function validateNumeric(spec, path) {
  const fail = (/** @type {string} */ reason) => {
    throw new EventPatternError(path, `"numeric" ${JSON.stringify(spec)}: ${reason}`);
  };
  if (!Array.isArray(spec) || (spec.length !== 2 && spec.length !== 4)) {
    fail('must be [op, number] or [">"|">=", number, "<"|"<=", number]');
    return;
  }
  for (let i = 0; i < spec.length; i += 2) {
    if (typeof spec[i] !== 'string') fail(`expected an operator at position ${i}`);
    const bound = spec[i + 1];
    if (typeof bound !== 'number' || !Number.isFinite(bound)) fail(`expected a number at position ${i + 1}`);
  }
  const [op1, v1, op2, v2] = spec;
  if (spec.length === 2) {
    if (op1 !== '=' && !LOWER_BOUND_OPS.has(op1) && !UPPER_BOUND_OPS.has(op1))
      fail(`unknown operator "${op1}"`);
    return;
  }
  if (!LOWER_BOUND_OPS.has(op1)) fail('a range must start with a lower bound (">" or ">=")');
  if (!UPPER_BOUND_OPS.has(op2)) fail('a range must end with an upper bound ("<" or "<=")');
  if (!(v1 < v2)) fail('the lower bound must be less than the upper bound');
}

/**
 * @param {unknown} spec
 * @param {string} path
 */
function validateAnythingBut(spec, path) {
  if (typeof spec === 'string') return;
  if (typeof spec === 'number') {
    if (!Number.isFinite(spec)) throw new EventPatternError(path, `"anything-but": invalid number ${spec}`);
    return;
  }
  if (Array.isArray(spec)) {
    if (spec.length === 0) throw new EventPatternError(path, '"anything-but" list must not be empty');
    const allStrings = spec.every((v) => typeof v === 'string');
    const allNumbers = spec.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!allStrings && !allNumbers) {
      throw new EventPatternError(path, '"anything-but" list must contain only strings or only numbers');
    }
    return;
  }
  if (isPlainObject(spec)) {
    const keys = Object.keys(spec);
    const op = keys[0];
    const inner = op === undefined ? undefined : spec[op];
    if (keys.length === 1 && (op === 'prefix' || op === 'suffix') && typeof inner === 'string') return;
    if (keys.length === 1 && (op === 'equals-ignore-case' || op === 'wildcard')) {
      const values = Array.isArray(inner) ? inner : [inner];
      if (values.length > 0 && values.every((v) => typeof v === 'string')) {
        if (op === 'wildcard') {
          for (const v of values) validateWildcard(/** @type {string} */ (v), path);
        }
        return;
      }
    }
    throw new EventPatternError(
      path,
      `"anything-but" object must be { "prefix": string }, { "suffix": string }, { "equals-ignore-case": string | string[] } or { "wildcard": string | string[] }, got ${JSON.stringify(spec)}`,
    );
  }
  throw new EventPatternError(
    path,
    `"anything-but" must be a string, a number, a list of strings or numbers, or an object, got ${describe(spec)}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------------------------

/** Patterns already validated (patterns are treated as immutable once used). */
const validated = new WeakSet();

/**
 * Whether `event` matches the EventBridge event pattern `pattern`. Throws (like validateEventPattern) if the
 * pattern is malformed.
 * @param {unknown} pattern
 * @param {unknown} event
 * @returns {boolean}
 */
export function matchesEventPattern(pattern, event) {
  if (!isPlainObject(pattern) || !validated.has(pattern)) {
    validateEventPattern(pattern);
    validated.add(/** @type {object} */ (pattern));
  }
  return matchObject(/** @type {Record<string, unknown>} */ (pattern), event);
}

/**
 * @param {Record<string, unknown>} pattern
 * @param {unknown} value the event value at this level (may be missing, a scalar, an object or an array)
 * @returns {boolean}
 */
function matchObject(pattern, value) {
  if (Array.isArray(value)) {
    const elements = value.flat(Number.POSITIVE_INFINITY);
    if (elements.length === 0) return matchObject(pattern, undefined);
    return elements.some((element) => matchObject(pattern, element));
  }
  const object = isPlainObject(value) ? value : undefined;
  for (const key of Object.keys(pattern)) {
    const subPattern = pattern[key];
    if (isOrClause(key, subPattern)) {
      if (!subPattern.some((alternative) => matchObject(alternative, value))) return false;
      continue;
    }
    const child = object && Object.hasOwn(object, key) ? object[key] : undefined;
    if (Array.isArray(subPattern)) {
      if (!matchLeaf(subPattern, child)) return false;
    } else if (!matchObject(/** @type {Record<string, unknown>} */ (subPattern), child)) {
      return false;
    }
  }
  return true;
}

/**
 * The leaf (scalar) values of an event field: arrays are flattened, objects are not leaves.
 * @param {unknown} value
 * @param {unknown[]} [out]
 * @returns {unknown[]}
 */
function leafValues(value, out = []) {
  if (value === undefined || isPlainObject(value)) return out;
  if (Array.isArray(value)) {
    for (const element of value) leafValues(element, out);
    return out;
  }
  out.push(value);
  return out;
}

/**
 * @param {unknown[]} matchers
 * @param {unknown} fieldValue
 */
function matchLeaf(matchers, fieldValue) {
  const leaves = leafValues(fieldValue);
  return matchers.some((matcher) => matchOne(matcher, leaves));
}

/**
 * @param {unknown} matcher
 * @param {unknown[]} leaves
 */
function matchOne(matcher, leaves) {
  if (!isPlainObject(matcher)) return leaves.some((leaf) => exactEquals(matcher, leaf));
  const op = /** @type {string} */ (Object.keys(matcher)[0]);
  const spec = matcher[op];
  switch (op) {
    case 'exists':
      return spec ? leaves.length > 0 : leaves.length === 0;
    case 'anything-but':
      return leaves.some((leaf) => !anythingButExcludes(spec, leaf));
    case 'prefix':
      return leaves.some((leaf) => typeof leaf === 'string' && affixMatches('prefix', spec, leaf));
    case 'suffix':
      return leaves.some((leaf) => typeof leaf === 'string' && affixMatches('suffix', spec, leaf));
    case 'equals-ignore-case':
      return leaves.some((leaf) => typeof leaf === 'string' && foldCase(leaf) === foldCase(String(spec)));
    case 'wildcard':
      return leaves.some((leaf) => typeof leaf === 'string' && wildcardRegExp(String(spec)).test(leaf));
    case 'numeric':
      return leaves.some(
        (leaf) => typeof leaf === 'number' && numericMatches(/** @type {unknown[]} */ (spec), leaf),
      );
    case 'cidr': {
      const block = parseCidr(String(spec));
      return (
        block !== undefined && leaves.some((leaf) => typeof leaf === 'string' && cidrContains(block, leaf))
      );
    }
    default:
      throw new EventPatternError('', `unknown operator "${op}"`);
  }
}

/**
 * @param {unknown} expected
 * @param {unknown} actual
 */
function exactEquals(expected, actual) {
  return typeof expected === typeof actual && expected === actual;
}

/** @param {string} value */
function foldCase(value) {
  return value.toLowerCase();
}

/**
 * @param {'prefix' | 'suffix'} kind
 * @param {unknown} spec
 * @param {string} value
 */
function affixMatches(kind, spec, value) {
  let affix = /** @type {string} */ (spec);
  let subject = value;
  if (isPlainObject(spec)) {
    affix = foldCase(String(spec['equals-ignore-case']));
    subject = foldCase(value);
  }
  return kind === 'prefix' ? subject.startsWith(affix) : subject.endsWith(affix);
}

/**
 * Whether `anything-but` spec excludes the leaf value (i.e. the value is one of the listed ones).
 * @param {unknown} spec
 * @param {unknown} leaf
 */
function anythingButExcludes(spec, leaf) {
  if (Array.isArray(spec)) return spec.some((excluded) => exactEquals(excluded, leaf));
  if (!isPlainObject(spec)) return exactEquals(spec, leaf);
  if (typeof leaf !== 'string') return false;
  const op = Object.keys(spec)[0];
  const inner = op === undefined ? undefined : spec[op];
  const values = (Array.isArray(inner) ? inner : [inner]).map(String);
  switch (op) {
    case 'prefix':
      return values.some((v) => leaf.startsWith(v));
    case 'suffix':
      return values.some((v) => leaf.endsWith(v));
    case 'equals-ignore-case':
      return values.some((v) => foldCase(v) === foldCase(leaf));
    case 'wildcard':
      return values.some((v) => wildcardRegExp(v).test(leaf));
    default:
      return false;
  }
}

/**
 * @param {unknown[]} spec
 * @param {number} value
 */
function numericMatches(spec, value) {
  for (let i = 0; i < spec.length; i += 2) {
    const bound = /** @type {number} */ (spec[i + 1]);
    switch (spec[i]) {
      case '=':
        if (!(value === bound)) return false;
        break;
      case '>':
        if (!(value > bound)) return false;
        break;
      case '>=':
        if (!(value >= bound)) return false;
        break;
      case '<':
        if (!(value < bound)) return false;
        break;
      case '<=':
        if (!(value <= bound)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** @type {Map<string, RegExp>} */
const wildcardCache = new Map();

/** @param {string} wildcard */
function wildcardRegExp(wildcard) {
  let regExp = wildcardCache.get(wildcard);
  if (regExp) return regExp;
  let source = '';
  for (let i = 0; i < wildcard.length; i++) {
    const char = /** @type {string} */ (wildcard[i]);
    if (char === '\\' && i + 1 < wildcard.length) {
      source += escapeRegExp(/** @type {string} */ (wildcard[i + 1]));
      i++;
    } else if (char === '*') {
      source += '[\\s\\S]*';
    } else {
      source += escapeRegExp(char);
    }
  }
  regExp = new RegExp(`^${source}$`, 'u');
  wildcardCache.set(wildcard, regExp);
  return regExp;
}

/** @param {string} text */
function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------------------------
// CIDR (IPv4 and IPv6)
// ---------------------------------------------------------------------------------------------------------------

/**
 * @typedef {{ version: 4 | 6, network: bigint, prefixLength: number }} CidrBlock
 */

/**
 * @param {string} text
 * @returns {CidrBlock | undefined}
 */
function parseCidr(text) {
  const [address, prefix, ...rest] = text.split('/');
  if (rest.length > 0 || address === undefined) return undefined;
  const ip = parseIp(address);
  if (!ip) return undefined;
  const maxBits = ip.version === 4 ? 32 : 128;
  let prefixLength = maxBits;
  if (prefix !== undefined) {
    if (!/^\d{1,3}$/.test(prefix)) return undefined;
    prefixLength = Number(prefix);
    if (prefixLength > maxBits) return undefined;
  }
  return { version: ip.version, network: mask(ip.value, prefixLength, maxBits), prefixLength };
}

/**
 * @param {bigint} value
 * @param {number} prefixLength
 * @param {number} maxBits
 */
function mask(value, prefixLength, maxBits) {
  const hostBits = BigInt(maxBits - prefixLength);
  return (value >> hostBits) << hostBits;
}

/**
 * @param {CidrBlock} block
 * @param {string} address
 */
function cidrContains(block, address) {
  const ip = parseIp(address);
  if (!ip || ip.version !== block.version) return false;
  return mask(ip.value, block.prefixLength, ip.version === 4 ? 32 : 128) === block.network;
}

/**
 * @param {string} text
 * @returns {{ version: 4 | 6, value: bigint } | undefined}
 */
function parseIp(text) {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { version: 4, value: v4 };
  const v6 = parseIpv6(text);
  if (v6 !== undefined) return { version: 6, value: v6 };
  return undefined;
}

/**
 * @param {string} text
 * @returns {bigint | undefined}
 */
function parseIpv4(text) {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

/**
 * @param {string} text
 * @returns {bigint | undefined}
 */
function parseIpv6(text) {
  if (!text.includes(':')) return undefined;
  let address = text;
  // An embedded IPv4 suffix (e.g. ::ffff:10.0.0.1) stands for the last two 16-bit groups.
  const lastColon = address.lastIndexOf(':');
  const maybeV4 = address.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const v4 = parseIpv4(maybeV4);
    if (v4 === undefined) return undefined;
    address = `${address.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (/** @type {string} */ part) => (part === '' ? [] : part.split(':'));
  const head = parseGroups(halves[0] ?? '');
  /** @type {string[]} */
  let groups = head;
  if (halves.length === 2) {
    const rest = parseGroups(halves[1] ?? '');
    const missing = 8 - head.length - rest.length;
    if (missing < 1) return undefined;
    groups = [...head, ...Array.from({ length: missing }, () => '0'), ...rest];
  }
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  return value;
}
