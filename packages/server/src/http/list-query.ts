import { ApiError } from '../errors.js';
import type { ObjectCursor, ObjectListQuery } from '../storage/records.js';
import { decodeCursor } from '../wire/cursor.js';
import { parseTimestamp } from '../wire/timestamps.js';

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;

/**
 * Parses the query of `GET /vault/v1/kv`. `limit` defaults to 10 and is clamped to 1..100;
 * `order` is `asc` or `desc` (default); the updated-after filter is read from `updated_after`
 * or `updatedAfter`. Malformed values are a 400 that names the parameter.
 */
export function parseListQuery(
  query: Record<string, string | string[] | undefined>,
): Omit<ObjectListQuery, 'environmentId'> {
  const limitText = single(query, 'limit');
  const orderText = single(query, 'order');
  const after = cursor(query, 'after');
  const before = cursor(query, 'before');
  if (after !== undefined && before !== undefined) {
    throw badQuery('give either after or before, not both');
  }
  const updatedText = single(query, 'updated_after') ?? single(query, 'updatedAfter');

  return {
    limit: parseLimit(limitText),
    order: parseOrder(orderText),
    after,
    before,
    search: single(query, 'search'),
    updatedAfter: updatedText === undefined || updatedText === '' ? undefined : parseUpdatedAfter(updatedText),
  };
}

function parseLimit(text: string | undefined): number {
  if (text === undefined || text === '') {
    return DEFAULT_LIMIT;
  }
  if (!/^-?\d{1,15}$/.test(text)) {
    throw badQuery(`limit must be a whole number, got ${JSON.stringify(text)}`);
  }
  return Math.min(MAX_LIMIT, Math.max(1, Number(text)));
}

function parseOrder(text: string | undefined): 'asc' | 'desc' {
  if (text === undefined || text === '') {
    return 'desc';
  }
  if (text !== 'asc' && text !== 'desc') {
    throw badQuery(`order must be "asc" or "desc", got ${JSON.stringify(text)}`);
  }
  return text;
}

function cursor(
  query: Record<string, string | string[] | undefined>,
  name: 'after' | 'before',
): ObjectCursor | undefined {
  const text = single(query, name);
  if (text === undefined || text === '') {
    return undefined;
  }
  const decoded = decodeCursor(text);
  if (decoded === undefined) {
    throw new ApiError('invalid_cursor', `${name} is not a cursor returned by this API`);
  }
  return decoded;
}

function parseUpdatedAfter(text: string): number {
  const micros = parseTimestamp(text);
  if (micros === undefined) {
    throw badQuery(
      `updated_after must be an ISO 8601 time such as 2025-01-31T12:00:00Z or Date#toString() output, got ${JSON.stringify(text)}`,
    );
  }
  return micros;
}

function single(query: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) {
    throw badQuery(`${name} was given ${value.length} times; give it once`);
  }
  return value;
}

function badQuery(message: string): ApiError {
  return new ApiError('invalid_query', message);
}
