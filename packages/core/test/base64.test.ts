import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { decodeBase64Strict } from '../src/base64.js';
import { FormatError } from '../src/errors.js';

function isInvalidBase64(error: unknown): boolean {
  return error instanceof FormatError && error.code === 'invalid_base64' && error.message.startsWith('keys ');
}

describe('decodeBase64Strict accepts', () => {
  test('every length round trips', () => {
    for (let length = 0; length <= 64; length++) {
      const bytes = randomBytes(length);
      assert.deepEqual(decodeBase64Strict(bytes.toString('base64'), 'keys'), bytes, `length ${length}`);
    }
  });

  const cases: [string, string][] = [
    ['', ''],
    ['aGk=', '6869'],
    ['aGVs', '68656c'],
    ['aA==', '68'],
    ['+/+/', 'fbffbf'],
    ['AAAA', '000000'],
  ];
  for (const [text, hex] of cases) {
    test(`"${text}" decodes`, () => {
      assert.equal(decodeBase64Strict(text, 'keys').toString('hex'), hex);
    });
  }
});

describe('decodeBase64Strict rejects', () => {
  const cases: [string, string][] = [
    ['missing padding', 'aGk'],
    ['missing double padding', 'aA'],
    ['one padding of two', 'aA='],
    ['extra padding', 'aGVs===='],
    ['padding in middle', 'aA==aGVs'],
    ['URL-safe minus', '-_-_'],
    ['URL-safe underscore', 'ab_d'],
    ['inner space', 'aGVs bG8='],
    ['leading space', ' aGk='],
    ['trailing newline', 'aGk=\n'],
    ['inner line break', 'aGVs\r\nbG8='],
    ['tab', '\taGk='],
    ['non-alphabet character', 'aG*='],
    ['non-ASCII letter', 'aGé='],
    ['single character', 'a'],
    ['five characters', 'aGVsb'],
    ['trailing bits after one byte', 'aB=='],
    ['trailing bits after two bytes', 'aGl='],
    ['lowest trailing bit set', 'AB=='],
    ['only padding', '===='],
  ];
  for (const [name, text] of cases) {
    test(`${name} is rejected`, () => {
      assert.throws(() => decodeBase64Strict(text, 'keys'), isInvalidBase64);
    });
  }

  test('every non-zero trailing bit pattern', () => {
    // One byte leaves 4 spare bits in the second character; two bytes leave 2 in the third.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    for (let spare = 1; spare < 16; spare++) {
      const text = `A${alphabet[spare]}==`;
      assert.throws(() => decodeBase64Strict(text, 'keys'), isInvalidBase64, text);
    }
    for (let spare = 1; spare < 4; spare++) {
      const text = `AA${alphabet[spare]}=`;
      assert.throws(() => decodeBase64Strict(text, 'keys'), isInvalidBase64, text);
    }
  });

  test('message names field', () => {
    assert.throws(() => decodeBase64Strict('aGk', 'encrypted_keys'), /^FormatError: encrypted_keys is not valid/);
  });
});
