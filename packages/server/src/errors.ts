/**
 * The server's error catalogue: every error the HTTP API returns, with its stable code, HTTP
 * status and default message. Route handlers and services raise `ApiError` with one of these
 * codes; the error handler turns it into the JSON body `{error, message, code, errors?}`.
 */
export const API_ERRORS = {
  invalid_json: { status: 400, message: 'request body is not valid JSON' },
  invalid_url: { status: 400, message: 'the request path is not valid percent-encoded UTF-8' },
  body_not_object: { status: 400, message: 'request body must be a JSON object' },
  invalid_base64: { status: 400, message: 'a field is not valid standard base64 with padding' },
  invalid_encrypted_keys: { status: 400, message: 'encrypted_keys is malformed' },
  decryption_failed: {
    status: 400,
    message: 'encrypted_keys could not be decrypted with any key of this environment',
  },
  invalid_cursor: { status: 400, message: 'the pagination cursor is malformed' },
  invalid_query: { status: 400, message: 'a query parameter is invalid' },
  missing_api_key: {
    status: 401,
    message: 'missing API key: send it in the Authorization header as "Bearer <key>"',
  },
  invalid_api_key: { status: 401, message: 'the API key is invalid or has been revoked' },
  route_not_found: { status: 404, message: 'no such route' },
  object_not_found: { status: 404, message: 'object not found' },
  name_conflict: { status: 409, message: 'an object with this name already exists' },
  version_conflict: { status: 409, message: 'version_check does not match the current version' },
  body_too_large: { status: 413, message: 'request body is larger than the configured limit' },
  value_too_large: { status: 413, message: 'value is larger than the configured limit' },
  missing_field: { status: 422, message: 'a required field is missing' },
  invalid_field: { status: 422, message: 'a field has an invalid type or value' },
  invalid_key_context: { status: 422, message: 'the key context is invalid' },
  idempotency_key_reused: {
    status: 422,
    message: 'Idempotency-Key was already used with a different request body',
  },
  internal_error: { status: 500, message: 'internal error' },
  service_unavailable: { status: 503, message: 'the service is temporarily unavailable; retry later' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable error code of the HTTP API. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/** One field-level problem in a 422 body. */
export interface FieldError {
  field: string;
  code: string;
}

/**
 * An error the API returns to the caller as-is. `message` defaults to the catalogue's text;
 * pass a more specific one that names the offending field or value.
 */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ApiErrorCode,
    message?: string,
    options?: { errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown },
  ) {
    super(message ?? API_ERRORS[code].message, { cause: options?.cause });
    this.name = 'ApiError';
    this.code = code;
    this.status = API_ERRORS[code].status;
    this.errors = options?.errors;
    this.headers = options?.headers;
  }
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: string;
  message: string;
  code: string;
  errors?: FieldError[];
}

/** Builds the JSON body for an error; `error` and `message` carry the same text. */
export function errorBody(code: string, message: string, errors?: FieldError[]): ErrorBody {
  return errors === undefined ? { error: message, message, code } : { error: message, message, code, errors };
}
