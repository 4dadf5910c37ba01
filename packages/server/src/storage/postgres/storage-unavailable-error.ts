import { isTransientPostgresError } from './is-transient-postgres-error.js';

/**
 * The database cannot serve right now: it refused or dropped the connection, timed out, or is
 * starting, stopping or out of connection slots. Retrying the same request shortly may succeed,
 * so the HTTP layer responds with 503 and Retry-After. `cause` is the driver's error.
 */
export class StorageUnavailableError extends Error {
  constructor(detail: string, options: { cause: unknown }) {
    super(`the database is unavailable: ${detail}`, options);
    this.name = 'StorageUnavailableError';
  }
}

/** Returns a `StorageUnavailableError` for a transient driver error, and any other error unchanged. */
export function classifyPostgresError(error: unknown): unknown {
  if (error instanceof StorageUnavailableError || !isTransientPostgresError(error)) {
    return error;
  }
  return new StorageUnavailableError(describeDriverError(error), { cause: error });
}

/**
 * Describes a driver error in one line. Node.js raises an `AggregateError` with an empty
 * message when every address of a host refused the connection, so its parts are named instead.
 */
export function describeDriverError(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  if (error.message.length > 0) {
    return error.message;
  }
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(describeDriverError).join('; ');
  }
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}
