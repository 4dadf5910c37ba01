import { ApiError } from '../errors.js';
import type { EventListQuery } from '../storage/records.js';
import { parseTimestamp } from '../wire/timestamps.js';
import { invalidQuery, parseLimit, parseOrder, type Query, singleParam } from './query-params.js';

const DEFAULT_LIMIT = 10;
const EVENT_ID = /^event_[0-9A-HJKMNP-TV-Z]{26}$/;
const EVENT_NAME = /^[a-z_]+(\.[a-z_]+)+$/;

/**
 * Parses the query of `GET /events`. `events` may be comma-joined or repeated, and `limit`
 * defaults to 10 and is clamped to 1..100. `order` is `asc` (default, oldest first) or `desc`, and
 * the range bounds are ISO 8601. Malformed values are a 400 that names the parameter.
 */
export function parseEventQuery(query: Query): Omit<EventListQuery, 'environmentId'> {
  const events = many(query, 'events')
    .flatMap((value) => value.split(','))
    .filter((name) => name.length > 0);
  const unknown = events.find((name) => !EVENT_NAME.test(name));
  if (unknown !== undefined) {
    throw invalidQuery(
      `events contains ${JSON.stringify(unknown)}, which is not an event name such as vault.data.created`,
    );
  }
  const after = eventId(query, 'after');
  const before = eventId(query, 'before');
  if (after !== undefined && before !== undefined) {
    throw invalidQuery('give either after or before, not both');
  }
  return {
    events,
    organizationId: singleParam(query, 'organization_id'),
    rangeStart: time(query, 'range_start'),
    rangeEnd: time(query, 'range_end'),
    after,
    before,
    limit: parseLimit(singleParam(query, 'limit'), DEFAULT_LIMIT),
    order: parseOrder(singleParam(query, 'order'), 'asc'),
  };
}

function eventId(query: Query, name: string): string | undefined {
  const text = singleParam(query, name);
  if (text === undefined || text === '') {
    return undefined;
  }
  if (!EVENT_ID.test(text)) {
    throw new ApiError('invalid_cursor', `${name} must be an event id such as event_01J…, got ${JSON.stringify(text)}`);
  }
  return text;
}

function time(query: Query, name: string): number | undefined {
  const text = singleParam(query, name);
  if (text === undefined || text === '') {
    return undefined;
  }
  const micros = parseTimestamp(text);
  if (micros === undefined) {
    throw invalidQuery(`${name} must be an ISO 8601 time such as 2025-01-31T12:00:00Z, got ${JSON.stringify(text)}`);
  }
  return micros;
}

function many(query: Query, name: string): string[] {
  const value = query[name] ?? query[`${name}[]`];
  if (value === undefined) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}
