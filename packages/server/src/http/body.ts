import { ApiError } from '../errors.js';

/** A parsed JSON request body that is known to be an object. */
export type JsonObject = Record<string, unknown>;

/**
 * Checks that a parsed body is a JSON object. A request without a body counts as `{}`, so a
 * missing field is reported as missing (422) rather than as a malformed body.
 */
export function requireObjectBody(body: unknown): JsonObject {
  if (body === undefined) {
    return {};
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const got = body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body;
    throw new ApiError('body_not_object', `request body must be a JSON object, got ${got}`);
  }
  return body as JsonObject;
}

/** Reads a required string field; raises 422 when it is missing or not a string. */
export function requireString(body: JsonObject, field: string): string {
  const value = Object.hasOwn(body, field) ? body[field] : undefined;
  if (value === undefined || value === null) {
    throw new ApiError('missing_field', `${field} is required`, { errors: [{ field, code: 'required' }] });
  }
  if (typeof value !== 'string') {
    throw new ApiError('invalid_field', `${field} must be a string, got ${describe(value)}`, {
      errors: [{ field, code: 'must_be_string' }],
    });
  }
  return value;
}

/** Reads a required field of any type; raises 422 when it is missing or null. */
export function requireField(body: JsonObject, field: string): unknown {
  const value = Object.hasOwn(body, field) ? body[field] : undefined;
  if (value === undefined || value === null) {
    throw new ApiError('missing_field', `${field} is required`, { errors: [{ field, code: 'required' }] });
  }
  return value;
}

/** Names a JSON value's type for an error message. */
export function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'an array' : typeof value;
}
