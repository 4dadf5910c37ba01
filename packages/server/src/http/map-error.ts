import { CoreError, KeyContextError } from '@coffer/core';
import { ApiError, type ApiErrorCode } from '../errors.js';
import { StorageUnavailableError } from '../storage/postgres/storage-unavailable-error.js';

/** Fastify's own error codes that are the caller's fault, and the API code each becomes. */
const FASTIFY_CLIENT_ERRORS: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

/** Seconds a client should wait before retrying a request that met a database outage. */
const RETRY_AFTER_SECONDS = 1;

/** How many `cause` links to follow when looking for a database outage under a wrapping error. */
const MAX_CAUSE_DEPTH = 4;

/**
 * Turns anything thrown while handling a request into the `ApiError` to return: the caller's
 * mistakes, and 503 with Retry-After for a database outage. Returns undefined for anything
 * else (a bug, a failed SQLite writer), which the error handler turns into a 500.
 */
export function toApiError(error: unknown, limits?: { maxBodyBytes: number }): ApiError | undefined {
  if (error instanceof ApiError) {
    return error;
  }
  const unavailable = findStorageUnavailable(error);
  if (unavailable !== undefined) {
    return new ApiError('service_unavailable', 'the database is unavailable; retry shortly', {
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
      cause: unavailable,
    });
  }
  if (error instanceof KeyContextError) {
    return new ApiError('invalid_key_context', error.message, { errors: error.violations, cause: error });
  }
  if (error instanceof CoreError) {
    switch (error.code) {
      case 'invalid_base64':
      case 'invalid_encrypted_keys':
      case 'decryption_failed':
        return new ApiError(error.code, error.message, { cause: error });
      default:
        return undefined;
    }
  }
  const fastifyCode = (error as { code?: unknown }).code;
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE' && limits !== undefined) {
    return new ApiError('body_too_large', `request body is larger than the limit of ${limits.maxBodyBytes} bytes`, {
      cause: error,
    });
  }
  if (typeof fastifyCode === 'string' && fastifyCode in FASTIFY_CLIENT_ERRORS) {
    return new ApiError(FASTIFY_CLIENT_ERRORS[fastifyCode] as ApiErrorCode, undefined, { cause: error });
  }
  return undefined;
}

/** Finds the `StorageUnavailableError` that is `error` or one of its causes. */
function findStorageUnavailable(error: unknown): StorageUnavailableError | undefined {
  let current = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    if (current instanceof StorageUnavailableError) {
      return current;
    }
    current = current.cause;
  }
  return undefined;
}
