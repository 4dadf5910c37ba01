import { codePointLength, hasForbiddenCharacter } from '@coffer/core';
import { ApiError } from '../errors.js';
import { describe, type JsonObject } from './body.js';

/** Maximum length of an object name, in Unicode code points. */
export const MAX_NAME_LENGTH = 200;

/** Longest accepted Idempotency-Key header, in characters. */
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Reads and checks an object name: 1 to 200 code points, no control characters or lone surrogates. */
export function requireName(body: JsonObject): string {
  const name = Object.hasOwn(body, 'name') ? body.name : undefined;
  if (name === undefined || name === null) {
    throw invalid('missing_field', 'name is required', 'name', 'required');
  }
  if (typeof name !== 'string') {
    throw invalid('invalid_field', `name must be a string, got ${describe(name)}`, 'name', 'must_be_string');
  }
  if (name.length === 0) {
    throw invalid('invalid_field', 'name must not be empty', 'name', 'empty');
  }
  if (name === '.' || name === '..') {
    // URL parsers drop these as path segments, so GET /vault/v1/kv/name/{name} could never reach them.
    throw invalid('invalid_field', `name must not be "${name}", which a URL path cannot carry`, 'name', 'reserved');
  }
  if (hasForbiddenCharacter(name)) {
    throw invalid(
      'invalid_field',
      'name contains a control character or a lone surrogate',
      'name',
      'invalid_character',
    );
  }
  if (name.length > MAX_NAME_LENGTH && codePointLength(name) > MAX_NAME_LENGTH) {
    throw invalid('invalid_field', `name is longer than ${MAX_NAME_LENGTH} characters`, 'name', 'too_long');
  }
  return name;
}

/**
 * Reads and checks an object value: a string (empty and NUL allowed) that is valid Unicode, at
 * most `maxBytes` in UTF-8. Lone surrogates are rejected because UTF-8 cannot store them: they
 * would silently become U+FFFD.
 */
export function requireValue(body: JsonObject, maxBytes: number): string {
  const value = Object.hasOwn(body, 'value') ? body.value : undefined;
  if (value === undefined || value === null) {
    throw invalid('missing_field', 'value is required', 'value', 'required');
  }
  if (typeof value !== 'string') {
    throw invalid('invalid_field', `value must be a string, got ${describe(value)}`, 'value', 'must_be_string');
  }
  if (!value.isWellFormed()) {
    throw invalid(
      'invalid_field',
      'value contains a lone surrogate, which is not valid Unicode',
      'value',
      'invalid_character',
    );
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > maxBytes) {
    throw new ApiError('value_too_large', `value is ${bytes} bytes in UTF-8; the limit is ${maxBytes} bytes`);
  }
  return value;
}

/** Reads an optional `version_check`: absent or null means no check. */
export function optionalVersionCheck(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) {
    return undefined;
  }
  if (typeof raw !== 'string') {
    throw invalid(
      'invalid_field',
      `version_check must be a string or null, got ${describe(raw)}`,
      'version_check',
      'must_be_string',
    );
  }
  return raw;
}

/** Reads the Idempotency-Key header: 1 to 255 visible ASCII characters, or absent. */
export function optionalIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || !/^[\x21-\x7e]+$/.test(key) || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw invalid(
      'invalid_field',
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters`,
      'Idempotency-Key',
      'invalid',
    );
  }
  return key;
}

function invalid(code: 'missing_field' | 'invalid_field', message: string, field: string, fieldCode: string): ApiError {
  return new ApiError(code, message, { errors: [{ field, code: fieldCode }] });
}
