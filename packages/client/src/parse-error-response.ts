import { type ApiFieldError, CofferApiError } from './coffer-api-error.js';
import { parseRetryAfter } from './retry-policy.js';

/**
 * Builds the `CofferApiError` for a non-2xx response from its body
 * `{error, message, code?, errors?}`. A body that is not JSON, such as an HTML page from a
 * proxy, still gives an error with the status and `http_<status>` as its code.
 *
 * @example
 * if (!response.ok) throw parseErrorResponse(response, await response.text());
 */
export function parseErrorResponse(response: Response, text: string): CofferApiError {
  const body = parseObject(text);
  const message =
    stringField(body, 'message') ??
    stringField(body, 'error') ??
    `the server returned status ${response.status} ${response.statusText}`.trimEnd();

  return new CofferApiError(message, {
    status: response.status,
    code: stringField(body, 'code') ?? `http_${response.status}`,
    requestId: response.headers.get('x-request-id') ?? undefined,
    errors: fieldErrors(body),
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
  });
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function stringField(body: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = body?.[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function fieldErrors(body: Record<string, unknown> | undefined): ApiFieldError[] {
  const list = body?.errors;
  if (!Array.isArray(list)) {
    return [];
  }
  return list
    .filter((item): item is { field: unknown; code: unknown } => typeof item === 'object' && item !== null)
    .map((item) => ({ field: String(item.field ?? ''), code: String(item.code ?? '') }));
}
