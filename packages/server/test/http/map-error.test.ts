import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toApiError } from '../../src/http/map-error.js';
import { StorageUnavailableError } from '../../src/storage/postgres/storage-unavailable-error.js';

function outage(): StorageUnavailableError {
  return new StorageUnavailableError('connect ECONNREFUSED 127.0.0.1:5432', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
  });
}

test('database outage is 503', () => {
  const error = toApiError(outage());

  assert.equal(error?.status, 503);
  assert.equal(error?.code, 'service_unavailable');
});

test('database outage sets Retry-After', () => {
  assert.deepEqual(toApiError(outage())?.headers, { 'retry-after': '1' });
});

test('503 message hides the driver error', () => {
  const message = toApiError(outage())?.message ?? '';

  assert.equal(message, 'the database is unavailable; retry shortly');
  assert.doesNotMatch(message, /ECONNREFUSED|127\.0\.0\.1/);
});

test('wrapped outage is 503', () => {
  const wrapped = new Error('event batch write failed', { cause: outage() });
  assert.equal(toApiError(wrapped)?.status, 503);
});

test('SQLite writer failure stays a 500', () => {
  const error = Object.assign(new Error('SQLite write failed: disk I/O error'), { code: 'SQLITE_IOERR' });
  assert.equal(toApiError(error), undefined);
});

test('unclassified socket error stays a 500', () => {
  // Only the PostgreSQL backend decides what counts as an outage; a raw error here is a bug.
  const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  assert.equal(toApiError(error), undefined);
});
