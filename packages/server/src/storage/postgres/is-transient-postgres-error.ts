/**
 * SQLSTATE codes, besides class 08 (connection exception), of a server that cannot serve now
 * but will again. They are administrator or crash shutdown (57P01, 57P02), starting up or
 * shutting down (57P03), a statement cancelled by the statement timeout or an operator (57014),
 * and no free connection slot (53300).
 */
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '53300']);

/** Node.js socket error codes of a connection that was refused, dropped or timed out. */
const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * Messages of errors that `pg` 8 and `pg-pool` raise without a code when a connection breaks,
 * a connection attempt times out or a query's result does not arrive in time.
 */
const TRANSIENT_DRIVER_MESSAGES = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'timeout expired',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
]);

/** Maximum depth of `cause` and `AggregateError.errors` links to follow. */
const MAX_DEPTH = 4;

/**
 * Tests whether an error from `pg` means that PostgreSQL is unreachable, restarting or out of
 * connections, so that the same request may succeed shortly, as opposed to a bug, a constraint
 * violation or bad data. Follows `cause` and the parts of an `AggregateError`, which Node.js
 * raises when every address of a host name refused the connection.
 */
export function isTransientPostgresError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > MAX_DEPTH) {
    return false;
  }
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && isTransientCode(code)) {
    return true;
  }
  if (typeof message === 'string' && TRANSIENT_DRIVER_MESSAGES.has(message)) {
    return true;
  }
  if (Array.isArray(errors) && errors.some((part) => isTransientPostgresError(part, depth + 1))) {
    return true;
  }
  return cause !== undefined && isTransientPostgresError(cause, depth + 1);
}

function isTransientCode(code: string): boolean {
  return code.startsWith('08') || TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SOCKET_CODES.has(code);
}
