import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KeyContextError } from '../src/errors.js';
import {
  codePointLength,
  contextToObject,
  hasForbiddenCharacter,
  MAX_CONTEXT_KEY_LENGTH,
  MAX_CONTEXT_PAIRS,
  MAX_CONTEXT_VALUE_LENGTH,
  sortContextPairs,
  validateKeyContext,
} from '../src/key-context.js';

const EMOJI = '\u{1F511}';

/** Runs `validateKeyContext` and returns the violation codes it raised, or undefined when it passed. */
function violationCodes(input: unknown): string[] | undefined {
  try {
    validateKeyContext(input);
    return undefined;
  } catch (error) {
    assert.ok(error instanceof KeyContextError, String(error));
    assert.equal(error.code, 'invalid_key_context');
    return error.violations.map((violation) => violation.code);
  }
}

function pairsOf(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`key_${index}`, `value_${index}`]));
}

describe('validateKeyContext shape', () => {
  const cases: { name: string; input: unknown; codes: string[] }[] = [
    { name: 'undefined', input: undefined, codes: ['must_be_object'] },
    { name: 'null', input: null, codes: ['must_be_object'] },
    { name: 'array', input: [['a', 'b']], codes: ['must_be_object'] },
    { name: 'empty array', input: [], codes: ['must_be_object'] },
    { name: 'string', input: 'organization_id=org_1', codes: ['must_be_object'] },
    { name: 'number', input: 42, codes: ['must_be_object'] },
    { name: 'boolean', input: true, codes: ['must_be_object'] },
    { name: 'empty object', input: {}, codes: ['empty'] },
    { name: 'eleven pairs', input: pairsOf(MAX_CONTEXT_PAIRS + 1), codes: ['too_many_pairs'] },
    { name: 'number value', input: { a: 1 }, codes: ['not_a_string'] },
    { name: 'boolean value', input: { a: false }, codes: ['not_a_string'] },
    { name: 'null value', input: { a: null }, codes: ['not_a_string'] },
    { name: 'array value', input: { a: ['b'] }, codes: ['not_a_string'] },
    { name: 'nested object value', input: { a: { b: 'c' } }, codes: ['not_a_string'] },
    { name: 'empty key', input: { '': 'a' }, codes: ['key_empty'] },
    { name: 'empty value', input: { a: '' }, codes: ['value_empty'] },
    { name: 'two bad pairs', input: { a: 1, '': 'b', c: 'ok' }, codes: ['not_a_string', 'key_empty'] },
  ];

  for (const { name, input, codes } of cases) {
    test(`${name} is rejected`, () => {
      assert.deepEqual(violationCodes(input), codes);
    });
  }

  test('ten pairs are accepted', () => {
    assert.equal(validateKeyContext(pairsOf(MAX_CONTEXT_PAIRS)).length, MAX_CONTEXT_PAIRS);
  });

  test('pairs keep request order', () => {
    const pairs = validateKeyContext({ zeta: '1', alpha: '2', mid: '3' });
    assert.deepEqual(
      pairs.map((pair) => pair.key),
      ['zeta', 'alpha', 'mid'],
    );
  });

  test('field name appears in violations', () => {
    try {
      validateKeyContext({ a: 1 }, 'key_context');
      assert.fail('expected a KeyContextError');
    } catch (error) {
      assert.ok(error instanceof KeyContextError);
      assert.deepEqual(error.violations, [{ field: 'key_context.a', code: 'not_a_string' }]);
    }
  });

  test('prototype-named keys are ordinary', () => {
    const input = JSON.parse('{"__proto__":"p","constructor":"c","toString":"t","hasOwnProperty":"h"}');
    const pairs = validateKeyContext(input);
    assert.deepEqual(pairs, [
      { key: '__proto__', value: 'p' },
      { key: 'constructor', value: 'c' },
      { key: 'toString', value: 't' },
      { key: 'hasOwnProperty', value: 'h' },
    ]);
  });
});

describe('validateKeyContext lengths', () => {
  const cases: { name: string; input: Record<string, string>; codes: string[] | undefined }[] = [
    { name: 'ASCII key of 120', input: { ['k'.repeat(MAX_CONTEXT_KEY_LENGTH)]: 'v' }, codes: undefined },
    { name: 'ASCII key of 121', input: { ['k'.repeat(MAX_CONTEXT_KEY_LENGTH + 1)]: 'v' }, codes: ['key_too_long'] },
    { name: 'emoji key of 120', input: { [EMOJI.repeat(MAX_CONTEXT_KEY_LENGTH)]: 'v' }, codes: undefined },
    { name: 'emoji key of 121', input: { [EMOJI.repeat(MAX_CONTEXT_KEY_LENGTH + 1)]: 'v' }, codes: ['key_too_long'] },
    { name: 'ASCII value of 500', input: { k: 'v'.repeat(MAX_CONTEXT_VALUE_LENGTH) }, codes: undefined },
    { name: 'ASCII value of 501', input: { k: 'v'.repeat(MAX_CONTEXT_VALUE_LENGTH + 1) }, codes: ['value_too_long'] },
    { name: 'emoji value of 500', input: { k: EMOJI.repeat(MAX_CONTEXT_VALUE_LENGTH) }, codes: undefined },
    { name: 'emoji value of 501', input: { k: EMOJI.repeat(MAX_CONTEXT_VALUE_LENGTH + 1) }, codes: ['value_too_long'] },
    {
      name: 'combining marks count separately',
      input: { k: 'e\u0301'.repeat(MAX_CONTEXT_VALUE_LENGTH / 2 + 1) },
      codes: ['value_too_long'],
    },
  ];

  for (const { name, input, codes } of cases) {
    test(`${name} is ${codes === undefined ? 'accepted' : 'rejected'}`, () => {
      assert.deepEqual(violationCodes(input), codes);
    });
  }

  test('limits match Vault API', () => {
    assert.equal(MAX_CONTEXT_PAIRS, 10);
    assert.equal(MAX_CONTEXT_KEY_LENGTH, 120);
    assert.equal(MAX_CONTEXT_VALUE_LENGTH, 500);
  });
});

describe('validateKeyContext characters', () => {
  const forbidden: [string, string][] = [
    ['NUL', '\u0000'],
    ['tab', '\t'],
    ['line feed', '\n'],
    ['U+001F', '\u001f'],
    ['DEL', '\u007f'],
    ['U+0085', '\u0085'],
    ['U+009F', '\u009f'],
    ['lone high surrogate', '\ud800'],
    ['lone low surrogate', '\udfff'],
    ['reversed surrogate pair', '\ude00\ud83d'],
    ['high surrogate at end', `a${EMOJI}\ud83d`],
  ];
  for (const [name, text] of forbidden) {
    test(`${name} in key is rejected`, () => {
      assert.deepEqual(violationCodes({ [`k${text}k`]: 'v' }), ['invalid_character']);
    });
    test(`${name} in value is rejected`, () => {
      assert.deepEqual(violationCodes({ k: `v${text}v` }), ['invalid_character']);
    });
  }

  const allowed: [string, string][] = [
    ['space', ' '],
    ['U+00A0', '\u00a0'],
    ['emoji', EMOJI],
    ['CJK', '鍵'],
    ['Hebrew', 'מפתח'],
    ['combining mark', 'e\u0301'],
    ['U+FFFD', '\ufffd'],
    ['U+2028', '\u2028'],
  ];
  for (const [name, text] of allowed) {
    test(`${name} is accepted`, () => {
      assert.equal(violationCodes({ [`k${text}`]: `v${text}` }), undefined);
    });
  }

  test('hasForbiddenCharacter matches rules', () => {
    for (const [name, text] of forbidden) {
      assert.equal(hasForbiddenCharacter(text), true, name);
    }
    for (const [name, text] of allowed) {
      assert.equal(hasForbiddenCharacter(text), false, name);
    }
  });
});

describe('context helpers', () => {
  test('codePointLength counts code points', () => {
    assert.equal(codePointLength(''), 0);
    assert.equal(codePointLength('abc'), 3);
    assert.equal(codePointLength(EMOJI.repeat(3)), 3);
    assert.equal(codePointLength('e\u0301'), 2);
    assert.equal(codePointLength('\ud800'), 1);
  });

  test('sort orders keys by UTF-8 bytes', () => {
    // UTF-16 order puts the emoji (0xD83D...) before U+FFFD, but UTF-8 order puts it after
    // (F0 9F ... against EF BF BD).
    const keys = [EMOJI, '\ufffd', 'b', 'B', 'a', 'é', 'aa', ''];
    const sorted = sortContextPairs(keys.map((key) => ({ key, value: 'v' }))).map((pair) => pair.key);
    assert.deepEqual(sorted, ['', 'B', 'a', 'aa', 'b', 'é', '\ufffd', EMOJI]);
  });

  test('sort differs from default sort', () => {
    const keys = [EMOJI, '\ufffd'];
    assert.deepEqual([...keys].sort(), [EMOJI, '\ufffd']);
    assert.deepEqual(
      sortContextPairs(keys.map((key) => ({ key, value: 'v' }))).map((pair) => pair.key),
      ['\ufffd', EMOJI],
    );
  });

  test('sort leaves input unchanged', () => {
    const pairs = [
      { key: 'b', value: '1' },
      { key: 'a', value: '2' },
    ];
    sortContextPairs(pairs);
    assert.deepEqual(
      pairs.map((pair) => pair.key),
      ['b', 'a'],
    );
  });

  test('contextToObject keeps __proto__ own', () => {
    const object = contextToObject([
      { key: '__proto__', value: 'p' },
      { key: 'a', value: '1' },
    ]);
    assert.equal(Object.hasOwn(object, '__proto__'), true);
    assert.equal(Object.getPrototypeOf(object), Object.prototype);
    assert.equal(JSON.stringify(object), '{"__proto__":"p","a":"1"}');
  });
});
