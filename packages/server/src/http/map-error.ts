import { CoreError, KeyContextError } from '@coffer/core';
import { ApiError, type ApiErrorCode } from '../errors.js';

/** Fastify's own error codes that are the caller's fault, and the API code each becomes. */
const FASTIFY_CLIENT_ERRORS: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

/**
 * Turns anything thrown while handling a request into the `ApiError` to return, or undefined
 * when it is not the caller's fault (a bug or an outage), which the error handler answers with
 * a 5xx.
 */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) {
    return error;
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
  if (typeof fastifyCode === 'string' && fastifyCode in FASTIFY_CLIENT_ERRORS) {
    return new ApiError(FASTIFY_CLIENT_ERRORS[fastifyCode] as ApiErrorCode, undefined, { cause: error });
  }
  return undefined;
}
