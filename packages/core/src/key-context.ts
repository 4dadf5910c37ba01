import { type ContextViolation, KeyContextError } from './errors.js';

/** Most key/value pairs a key context may have. */
export const MAX_CONTEXT_PAIRS = 10;
/** Maximum length of a context key, in Unicode code points. */
export const MAX_CONTEXT_KEY_LENGTH = 120;
/** Maximum length of a context value, in Unicode code points. */
export const MAX_CONTEXT_VALUE_LENGTH = 500;

/** One key/value pair of a key context; each pair selects one KEK. */
export interface ContextPair {
  key: string;
  value: string;
}

// C0 controls, DEL and C1 controls, or a surrogate that is not part of a valid pair.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Checks a key context against the rules of the Vault API and returns its pairs in request order.
 * Raises `KeyContextError` listing every broken rule: not an object, no pairs, more than 10 pairs,
 * a non-string value, an empty or overlong key or value, or a control character or lone
 * surrogate. Keys such as `__proto__` are ordinary keys.
 *
 * @example
 * validateKeyContext({ organization_id: 'org_123' }); // [{ key: 'organization_id', value: 'org_123' }]
 */
export function validateKeyContext(input: unknown, field = 'context'): ContextPair[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const got = input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input;
    throw new KeyContextError(`${field} must be an object of string keys to string values, got ${got}`, [
      { field, code: 'must_be_object' },
    ]);
  }

  const entries = Object.entries(input);
  if (entries.length === 0) {
    throw new KeyContextError(`${field} must have at least one key/value pair`, [{ field, code: 'empty' }]);
  }
  if (entries.length > MAX_CONTEXT_PAIRS) {
    throw new KeyContextError(`${field} has ${entries.length} pairs; the maximum is ${MAX_CONTEXT_PAIRS}`, [
      { field, code: 'too_many_pairs' },
    ]);
  }

  const violations: ContextViolation[] = [];
  const messages: string[] = [];
  const pairs: ContextPair[] = [];
  for (const [key, value] of entries) {
    const shown = abbreviate(key);
    const where = `${field}.${shown}`;
    const keyProblem = checkText(key, MAX_CONTEXT_KEY_LENGTH, 'key');
    if (keyProblem !== undefined) {
      violations.push({ field: where, code: keyProblem.code });
      messages.push(`${field} key ${JSON.stringify(shown)} ${keyProblem.message}`);
      continue;
    }
    if (typeof value !== 'string') {
      violations.push({ field: where, code: 'not_a_string' });
      messages.push(`${where} must be a string, got ${describeType(value)}`);
      continue;
    }
    const valueProblem = checkText(value, MAX_CONTEXT_VALUE_LENGTH, 'value');
    if (valueProblem !== undefined) {
      violations.push({ field: where, code: valueProblem.code });
      messages.push(`${where} ${valueProblem.message}`);
      continue;
    }
    pairs.push({ key, value });
  }

  if (violations.length > 0) {
    throw new KeyContextError(messages.join('; '), violations);
  }
  return pairs;
}

/**
 * Orders pairs by the UTF-8 bytes of their keys, the order in which KEKs are listed in an
 * `encrypted_keys` blob. Returns a new array.
 */
export function sortContextPairs(pairs: readonly ContextPair[]): ContextPair[] {
  return [...pairs].sort((a, b) => Buffer.compare(Buffer.from(a.key, 'utf8'), Buffer.from(b.key, 'utf8')));
}

/**
 * Builds a JSON-ready object from pairs. Every key becomes an own property, `__proto__` included,
 * because Object.fromEntries defines properties instead of assigning them.
 */
export function contextToObject(pairs: readonly ContextPair[]): Record<string, string> {
  return Object.fromEntries(pairs.map((pair) => [pair.key, pair.value]));
}

/** Tests a string for the characters that keys, values and names may not contain. */
export function hasForbiddenCharacter(text: string): boolean {
  return FORBIDDEN.test(text);
}

/** Counts Unicode code points; a lone surrogate counts as one. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) {
    count++;
  }
  return count;
}

interface TextProblem {
  code: string;
  message: string;
}

function checkText(text: string, maxLength: number, what: 'key' | 'value'): TextProblem | undefined {
  if (text.length === 0) {
    return { code: `${what}_empty`, message: `must not be empty` };
  }
  if (hasForbiddenCharacter(text)) {
    return { code: 'invalid_character', message: 'contains a control character or a lone surrogate' };
  }
  if (text.length > maxLength && codePointLength(text) > maxLength) {
    return { code: `${what}_too_long`, message: `is longer than ${maxLength} characters` };
  }
  return undefined;
}

function describeType(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** Shortens a key for an error message so that a 10,000-character key does not fill the log. */
function abbreviate(key: string): string {
  return key.length > 40 ? `${key.slice(0, 40)}…` : key;
}
