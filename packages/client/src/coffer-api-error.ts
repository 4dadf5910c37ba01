/**
 * The cases of a failed API call that a caller usually branches on:
 *
 * - `invalid_request`: 400, 413 and other 4xx not listed below; the request or a blob is malformed.
 * - `unauthorized`: 401; the API key is missing, unknown or revoked.
 * - `not_found`: 404; no object with that id or name.
 * - `conflict`: 409; the name is taken or `versionCheck` does not match the current version.
 * - `validation`: 422; a field is missing or breaks a rule, and `errors` lists the fields.
 * - `rate_limited`: 429; `retryAfterMs` gives the wait before trying again.
 * - `unavailable`: 502, 503 and 504; the server or a proxy is down or overloaded.
 * - `server_error`: any other 5xx.
 * - `invalid_response`: a 2xx whose body is not the JSON that the API documents.
 *
 * @example
 * if (error instanceof CofferApiError && error.kind === 'not_found') return undefined;
 */
export type ApiErrorKind =
  | 'invalid_request'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'validation'
  | 'rate_limited'
  | 'unavailable'
  | 'server_error'
  | 'invalid_response';

/**
 * One field-level problem from a 422 body, such as `{ field: 'context', code: 'empty' }`.
 *
 * @example
 * for (const { field, code } of error.errors) console.error(`${field}: ${code}`);
 */
export interface ApiFieldError {
  field: string;
  code: string;
}

/**
 * The details of a failed response that `CofferApiError` carries.
 *
 * @example
 * new CofferApiError('object not found', { status: 404, code: 'object_not_found', requestId: 'req_1' });
 */
export interface ApiErrorDetails {
  status: number;
  /** The server's stable error code, or `http_<status>` when the body has none. */
  code: string;
  /** The `X-Request-ID` response header, to quote when reporting a problem. */
  requestId: string | undefined;
  errors?: ApiFieldError[];
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * An error response from the Vault API, or a success response that could not be read. The
 * message is the server's own text. Branch on `kind`, or on `code` for finer cases such as
 * `name_conflict` versus `version_conflict`.
 *
 * @example
 * try {
 *   await coffer.createObject({ name: 'db-password', value, context });
 * } catch (error) {
 *   if (error instanceof CofferApiError && error.kind === 'conflict') {
 *     console.log(`name taken (request ${error.requestId})`);
 *   } else {
 *     throw error;
 *   }
 * }
 */
export class CofferApiError extends Error {
  readonly kind: ApiErrorKind;
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  /** Field-level problems of a 422 response; empty for other responses. */
  readonly errors: ApiFieldError[];
  /** The wait that the server asked for in `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: ApiErrorDetails, kind: ApiErrorKind = apiErrorKind(details.status)) {
    super(message, { cause: details.cause });
    this.name = 'CofferApiError';
    this.kind = kind;
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.errors = details.errors ?? [];
    this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * Maps an HTTP error status to the kind of `CofferApiError` it becomes.
 *
 * @example
 * apiErrorKind(409); // 'conflict'
 */
export function apiErrorKind(status: number): ApiErrorKind {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 422:
      return 'validation';
    case 429:
      return 'rate_limited';
    case 502:
    case 503:
    case 504:
      return 'unavailable';
    default:
      return status >= 500 ? 'server_error' : 'invalid_request';
  }
}
