import assert from 'node:assert/strict';

/** Where to send raw requests: a running server's base URL and an API key for it. */
export interface Target {
  url: string;
  apiKey: string;
}

/** A response read to the end, with its body parsed when it is JSON. */
export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface RawRequestOptions {
  method?: string;
  /** The bearer secret to send; `null` sends no Authorization header. Defaults to the target's key. */
  apiKey?: string | null;
  /** Extra headers; an `authorization` entry here replaces the bearer header. */
  headers?: Record<string, string>;
}

/**
 * Sends `body` exactly as given (a string, or nothing for `undefined`) with
 * `Content-Type: application/json`, as the SDKs label every request.
 */
export async function sendRaw(
  target: Target,
  path: string,
  body: string | undefined,
  options: RawRequestOptions = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const apiKey = options.apiKey === undefined ? target.apiKey : options.apiKey;
  if (apiKey !== null) {
    headers.authorization = `Bearer ${apiKey}`;
  }
  Object.assign(headers, options.headers);

  const response = await fetch(new URL(path, target.url), {
    method: options.method ?? 'POST',
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Sends `value` serialized with JSON.stringify. */
export function sendJson(
  target: Target,
  path: string,
  value: unknown,
  options: RawRequestOptions = {},
): Promise<RawResponse> {
  return sendRaw(target, path, JSON.stringify(value), options);
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: string;
  message: string;
  code: string;
  errors?: { field: string; code: string }[];
}

/**
 * Asserts the error contract: the status, a JSON content type, an `X-Request-ID` header and a
 * body `{error, message, code}` with `errors: [{field, code}]` objects on a 422. Returns the body.
 */
export function assertErrorResponse(response: RawResponse, status: number, code?: string): ErrorBody {
  const where = `${response.status} ${response.text.slice(0, 300)}`;
  assert.equal(response.status, status, where);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json\b/, where);
  assert.match(response.headers.get('x-request-id') ?? '', /^\S+$/, where);
  assert.ok(isObject(response.json), `body is not a JSON object: ${where}`);

  const body = response.json as Record<string, unknown>;
  assert.equal(typeof body.error, 'string', where);
  assert.equal(typeof body.message, 'string', where);
  assert.equal(body.message, body.error, where);
  assert.equal(typeof body.code, 'string', where);
  if (code !== undefined) {
    assert.equal(body.code, code, where);
  }
  if (status === 422) {
    assert.ok(Array.isArray(body.errors), `422 without an errors list: ${where}`);
    assert.ok(body.errors.length > 0, `422 with an empty errors list: ${where}`);
    for (const item of body.errors as unknown[]) {
      assert.ok(isObject(item), `errors item is not an object: ${where}`);
      assert.equal(typeof item.field, 'string', where);
      assert.equal(typeof item.code, 'string', where);
    }
  }
  return body as unknown as ErrorBody;
}

/** Runs `work` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
