import { ApiError } from '../errors.js';

/** A parsed query string: repeated keys become arrays. */
export type Query = Record<string, string | string[] | undefined>;

/** Largest page a list endpoint returns. */
export const MAX_PAGE_LIMIT = 100;

/**
 * Reads a page size: the default when absent, clamped to 1..100 otherwise, a 400 when it is
 * not a whole number.
 *
 * @example
 * parseLimit('1000', 10); // 100
 */
export function parseLimit(text: string | undefined, defaultLimit: number): number {
  if (text === undefined || text === '') {
    return defaultLimit;
  }
  if (!/^-?\d{1,15}$/.test(text)) {
    throw invalidQuery(`limit must be a whole number, got ${JSON.stringify(text)}`);
  }
  return Math.min(MAX_PAGE_LIMIT, Math.max(1, Number(text)));
}

/**
 * Reads a sort order, `asc` or `desc`, with the endpoint's default when absent.
 *
 * @example
 * parseOrder(undefined, 'desc'); // 'desc'
 */
export function parseOrder(text: string | undefined, defaultOrder: 'asc' | 'desc'): 'asc' | 'desc' {
  if (text === undefined || text === '') {
    return defaultOrder;
  }
  if (text !== 'asc' && text !== 'desc') {
    throw invalidQuery(`order must be "asc" or "desc", got ${JSON.stringify(text)}`);
  }
  return text;
}

/**
 * Reads a parameter that may appear at most once; a repeated one is a 400.
 *
 * @example
 * singleParam({ limit: '5' }, 'limit'); // '5'
 */
export function singleParam(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) {
    throw invalidQuery(`${name} was given ${value.length} times; give it once`);
  }
  return value;
}

/** Builds the 400 for a malformed query parameter. */
export function invalidQuery(message: string): ApiError {
  return new ApiError('invalid_query', message);
}
