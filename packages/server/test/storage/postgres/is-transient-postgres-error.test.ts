import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTransientPostgresError } from '../../../src/storage/postgres/is-transient-postgres-error.js';
import {
  classifyPostgresError,
  describeDriverError,
  StorageUnavailableError,
} from '../../../src/storage/postgres/storage-unavailable-error.js';

function withCode(code: string, message = 'failed'): Error {
  return Object.assign(new Error(message), { code });
}

const TRANSIENT: [string, unknown][] = [
  ['admin shutdown 57P01', withCode('57P01', 'terminating connection due to administrator command')],
  ['crash shutdown 57P02', withCode('57P02')],
  ['cannot connect now 57P03', withCode('57P03', 'the database system is starting up')],
  ['statement timeout 57014', withCode('57014', 'canceling statement due to statement timeout')],
  ['too many connections 53300', withCode('53300')],
  ['connection exception 08006', withCode('08006')],
  ['connection failure 08001', withCode('08001')],
  ['refused socket', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
  ['reset socket', withCode('ECONNRESET')],
  ['dropped connection', new Error('Connection terminated unexpectedly')],
  ['pool wait timeout', new Error('timeout exceeded when trying to connect')],
  ['connect timeout', new Error('Connection terminated due to connection timeout')],
  ['query read timeout', new Error('Query read timeout')],
  ['broken client', new Error('Client has encountered a connection error and is not queryable')],
  ['refused on every address', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], '')],
  ['cause chain', new Error('wrapped', { cause: withCode('57P01') })],
];

const PERMANENT: [string, unknown][] = [
  ['unique violation 23505', withCode('23505', 'duplicate key value violates unique constraint')],
  ['syntax error 42601', withCode('42601')],
  ['undefined table 42P01', withCode('42P01')],
  ['SQLite busy', withCode('SQLITE_BUSY')],
  ['SQLite writer failure', new Error('the SQLite writer thread exited with code 1')],
  ['own pool ended', new Error('Cannot use a pool after calling end on the pool')],
  ['closed client', new Error('Client was closed and is not queryable')],
  ['plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ['not an error', 'ECONNREFUSED'],
  ['null', null],
];

for (const [name, error] of TRANSIENT) {
  test(`${name} is transient`, () => {
    assert.equal(isTransientPostgresError(error), true);
  });
}

for (const [name, error] of PERMANENT) {
  test(`${name} is not transient`, () => {
    assert.equal(isTransientPostgresError(error), false);
  });
}

test('deep cause chain stops', () => {
  let error: Error = withCode('57P01');
  for (let depth = 0; depth < 10; depth++) {
    error = new Error(`wrapper ${depth}`, { cause: error });
  }
  assert.equal(isTransientPostgresError(error), false);
});

test('transient error becomes StorageUnavailableError', () => {
  const cause = withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432');
  const classified = classifyPostgresError(cause);

  assert.ok(classified instanceof StorageUnavailableError);
  assert.equal(classified.cause, cause);
  assert.equal(classified.message, 'the database is unavailable: connect ECONNREFUSED 127.0.0.1:5432');
});

test('other errors pass through unchanged', () => {
  const error = withCode('23505');
  assert.equal(classifyPostgresError(error), error);
});

test('empty AggregateError names its parts', () => {
  const error = new AggregateError(
    [new Error('connect ECONNREFUSED ::1:5432'), new Error('connect ECONNREFUSED 127.0.0.1:5432')],
    '',
  );
  assert.equal(describeDriverError(error), 'connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432');
});
