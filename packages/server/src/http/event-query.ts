import { ApiError } from '../errors.js';
import type { EventListQuery } from '../storage/records.js';
import { parseTimestamp } from '../wire/timestamps.js';

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;
const EVENT_ID = /^event_[0-9A-HJKMNP-TV-Z]{26}$/;
const EVENT_NAME = /^[a-z_]+(\.[a-z_]+)+$/;

type Query = Record<string, string | string[] | undefined>;

/**
 * Parses the query of `GET /events`. `events` may be comma-joined or repeated; `limit` defaults
 * to 10 and is clamped to 1..100; `order` is `asc` (default, oldest first) or `desc`; the range
 * bounds are ISO 8601. Malformed values are a 400 that names the parameter.
 */
export function parseEventQuery(query: Query): Omit<EventListQuery, 'environmentId'> {
  const events = many(query, 'events')
    .flatMap((value) => value.split(','))
    .filter((name) => name.length > 0);
  const unknown = events.find((name) => !EVENT_NAME.test(name));
  if (unknown !== undefined) {
    throw bad(`events contains ${JSON.stringify(unknown)}, which is not an event name such as vault.data.created`);
  }
  const after = eventId(query, 'after');
  const before = eventId(query, 'before');
  if (after !== undefined && before !== undefined) {
    throw bad('give either after or before, not both');
  }
  return {
    events,
    organizationId: one(query, 'organization_id'),
    rangeStart: time(query, 'range_start'),
    rangeEnd: time(query, 'range_end'),
    after,
    before,
    limit: limit(one(query, 'limit')),
    order: order(one(query, 'order')),
  };
}

function limit(text: string | undefined): number {
  if (text === undefined || text === '') {
    return DEFAULT_LIMIT;
  }
  if (!/^-?\d{1,15}$/.test(text)) {
    throw bad(`limit must be a whole number, got ${JSON.stringify(text)}`);
  }
  return Math.min(MAX_LIMIT, Math.max(1, Number(text)));
}

function order(text: string | undefined): 'asc' | 'desc' {
  if (text === undefined || text === '' || text === 'asc') {
    return 'asc';
  }
  if (text === 'desc') {
    return 'desc';
  }
  throw bad(`order must be "asc" or "desc", got ${JSON.stringify(text)}`);
}

function eventId(query: Query, name: string): string | undefined {
  const text = one(query, name);
  if (text === undefined || text === '') {
    return undefined;
  }
  if (!EVENT_ID.test(text)) {
    throw new ApiError('invalid_cursor', `${name} must be an event id such as event_01J…, got ${JSON.stringify(text)}`);
  }
  return text;
}

function time(query: Query, name: string): number | undefined {
  const text = one(query, name);
  if (text === undefined || text === '') {
    return undefined;
  }
  const micros = parseTimestamp(text);
  if (micros === undefined) {
    throw bad(`${name} must be an ISO 8601 time such as 2025-01-31T12:00:00Z, got ${JSON.stringify(text)}`);
  }
  return micros;
}

function one(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) {
    throw bad(`${name} was given ${value.length} times; give it once`);
  }
  return value;
}

function many(query: Query, name: string): string[] {
  const value = query[name] ?? query[`${name}[]`];
  if (value === undefined) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

function bad(message: string): ApiError {
  return new ApiError('invalid_query', message);
}
