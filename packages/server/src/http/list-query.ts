import { ApiError } from '../errors.js';
import type { ObjectCursor, ObjectListQuery } from '../storage/records.js';
import { decodeCursor } from '../wire/cursor.js';
import { parseTimestamp } from '../wire/timestamps.js';
import { invalidQuery, parseLimit, parseOrder, type Query, singleParam } from './query-params.js';

const DEFAULT_LIMIT = 10;

/**
 * Parses the query of `GET /vault/v1/kv`. `limit` defaults to 10 and is clamped to 1..100;
 * `order` is `asc` or `desc` (default); the updated-after filter is read from `updated_after`
 * or `updatedAfter`. Malformed values are a 400 that names the parameter.
 */
export function parseListQuery(query: Query): Omit<ObjectListQuery, 'environmentId'> {
  const after = cursor(query, 'after');
  const before = cursor(query, 'before');
  if (after !== undefined && before !== undefined) {
    throw invalidQuery('give either after or before, not both');
  }
  const updatedText = singleParam(query, 'updated_after') ?? singleParam(query, 'updatedAfter');

  return {
    limit: parseLimit(singleParam(query, 'limit'), DEFAULT_LIMIT),
    order: parseOrder(singleParam(query, 'order'), 'desc'),
    after,
    before,
    search: singleParam(query, 'search'),
    updatedAfter: updatedText === undefined || updatedText === '' ? undefined : parseUpdatedAfter(updatedText),
  };
}

function cursor(query: Query, name: 'after' | 'before'): ObjectCursor | undefined {
  const text = singleParam(query, name);
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
    throw invalidQuery(
      `updated_after must be an ISO 8601 time such as 2025-01-31T12:00:00Z or Date#toString() output, got ${JSON.stringify(text)}`,
    );
  }
  return micros;
}
