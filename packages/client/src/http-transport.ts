import { setTimeout as sleep } from 'node:timers/promises';
import { CofferApiError } from './coffer-api-error.js';
import { CofferNetworkError } from './coffer-network-error.js';
import { parseErrorResponse } from './parse-error-response.js';
import { backoffDelayMs, isRetryableStatus, parseRetryAfter, type RetryPolicy } from './retry-policy.js';

/**
 * Options that every client method accepts as its last argument.
 *
 * @example
 * await coffer.readObject({ id }, { signal: AbortSignal.timeout(5000), timeoutMs: 2000 });
 */
export interface RequestOptions {
  /** Aborts the call, including a wait between retries; the call then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Time limit for each attempt, in milliseconds, instead of the client's `timeoutMs`. */
  timeoutMs?: number;
}

/**
 * Details of an upcoming retry, passed to the client's `onRetry` callback.
 *
 * @example
 * const onRetry = (event: RetryEvent) => console.warn(`retry ${event.retry} of ${event.url} in ${event.delayMs} ms`);
 * new CofferClient({ apiKey, onRetry });
 */
export interface RetryEvent {
  method: string;
  url: string;
  /** 1 for the first retry. */
  retry: number;
  /** The wait before the retry, in milliseconds. */
  delayMs: number;
  /** The failure that caused the retry. */
  error: CofferApiError | CofferNetworkError;
}

/**
 * Settings of an `HttpTransport`, already validated by the client.
 *
 * @example
 * const transport = new HttpTransport(resolveTransportConfig({ apiKey: 'sk_test_123' }));
 */
export interface TransportConfig {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  retry: RetryPolicy;
  onRetry: ((event: RetryEvent) => void) | undefined;
}

/**
 * A parsed 2xx response.
 *
 * @example
 * const response: ApiResponse = await transport.request({ method: 'GET', path: '/vault/v1/kv', idempotent: true });
 */
export interface ApiResponse {
  status: number;
  /** The `X-Request-ID` header. */
  requestId: string | undefined;
  /** The parsed JSON body. */
  body: unknown;
}

/**
 * One call of the Vault API.
 *
 * @example
 * await transport.request({ method: 'POST', path: '/vault/v1/keys/data-key', body: { context }, idempotent: true });
 */
export interface ApiRequest extends RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path from the host root with every parameter already percent-encoded. */
  path: string;
  query?: URLSearchParams;
  body?: unknown;
  /** True when sending the request twice has the same effect as sending it once. */
  idempotent: boolean;
  /** Sent as `Idempotency-Key`, which lets the server recognise a repeat; makes a POST retryable. */
  idempotencyKey?: string;
}

const USER_AGENT = `coffer-client/0.1.0 node/${process.version}`;

/**
 * Sends Vault API requests with `fetch`: JSON in and out, the API key as a bearer token, a time
 * limit per attempt, and retries with backoff for calls that are safe to repeat. Returns a 2xx
 * response with its parsed JSON body. Raises `CofferApiError` for an error response,
 * `CofferNetworkError` when no response arrived, and the signal's reason when the caller aborts.
 *
 * @example
 * const { body } = await new HttpTransport(config).request({ method: 'GET', path: '/vault/v1/kv', idempotent: true });
 */
export class HttpTransport {
  readonly #config: TransportConfig;

  constructor(config: TransportConfig) {
    this.#config = config;
  }

  async request(request: ApiRequest): Promise<ApiResponse> {
    const query = request.query?.toString() ?? '';
    const url = `${this.#config.baseUrl}${request.path}${query.length > 0 ? `?${query}` : ''}`;

    for (let retry = 0; ; retry++) {
      request.signal?.throwIfAborted();
      try {
        return await this.#attempt(url, request);
      } catch (error) {
        const delayMs = this.#retryDelay(error, request, retry);
        if (delayMs === undefined) {
          throw error;
        }
        const failure = error as CofferApiError | CofferNetworkError;
        this.#config.onRetry?.({ method: request.method, url, retry: retry + 1, delayMs, error: failure });
        await wait(delayMs, request.signal);
      }
    }
  }

  async #attempt(url: string, request: ApiRequest): Promise<ApiResponse> {
    const timeoutMs = request.timeoutMs ?? this.#config.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    // NOTE: AbortSignal.any exists from Node 20.3 on, so this client fails on 20.0 to 20.2.
    const signal = request.signal === undefined ? timeout : AbortSignal.any([request.signal, timeout]);

    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: this.#headers(request),
        body: json(request),
        signal,
      });
      // The body is read under the same signal, so the time limit covers the whole response.
      text = await response.text();
    } catch (error) {
      if (request.signal?.aborted === true) {
        throw request.signal.reason;
      }
      if (timeout.aborted) {
        throw new CofferNetworkError('timeout', `no response from ${url} within ${timeoutMs} ms`, url, {
          cause: error,
        });
      }
      throw new CofferNetworkError('network', `cannot reach ${url}: ${describeFetchFailure(error)}`, url, {
        cause: error,
      });
    }

    if (!response.ok) {
      throw parseErrorResponse(response, text);
    }
    return {
      status: response.status,
      requestId: response.headers.get('x-request-id') ?? undefined,
      body: parseSuccessBody(response, text),
    };
  }

  #headers(request: ApiRequest): Record<string, string> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#config.apiKey}`,
      accept: 'application/json',
      'user-agent': USER_AGENT,
    };
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    if (request.idempotencyKey !== undefined) {
      headers['idempotency-key'] = request.idempotencyKey;
    }
    return headers;
  }

  /** Returns the wait before the next attempt, or undefined when the error is final. */
  #retryDelay(error: unknown, request: ApiRequest, retry: number): number | undefined {
    const policy = this.#config.retry;
    if (retry >= policy.maxRetries) {
      return undefined;
    }
    const repeatable = request.idempotent || request.idempotencyKey !== undefined;

    if (error instanceof CofferNetworkError) {
      // A refused connection never reached the server, so even a one-off call may go again.
      return repeatable || isConnectionRefused(error) ? backoffDelayMs(retry, policy) : undefined;
    }
    if (error instanceof CofferApiError && repeatable && isRetryableStatus(error.status)) {
      if (error.retryAfterMs === undefined) {
        return backoffDelayMs(retry, policy);
      }
      return error.retryAfterMs <= policy.maxDelayMs ? error.retryAfterMs : undefined;
    }
    return undefined;
  }
}

function json(request: ApiRequest): string | undefined {
  return request.body === undefined ? undefined : JSON.stringify(request.body);
}

function parseSuccessBody(response: Response, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CofferApiError(
      `the server returned status ${response.status} with a body that is not JSON`,
      {
        status: response.status,
        code: 'invalid_response',
        requestId: response.headers.get('x-request-id') ?? undefined,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        cause: error,
      },
      'invalid_response',
    );
  }
}

async function wait(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(delayMs, undefined, { signal });
  } catch (error) {
    // timers/promises rejects with its own AbortError; callers expect the signal's reason.
    throw signal?.aborted === true ? signal.reason : error;
  }
}

/** Undici rejects with "fetch failed" and puts the system error, such as ECONNREFUSED, in `cause`. */
function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const source = cause instanceof Error ? cause : error;
  if (source instanceof Error) {
    const code = (source as { code?: unknown }).code;
    return typeof code === 'string' && !source.message.includes(code) ? `${source.message} (${code})` : source.message;
  }
  return String(source);
}

function isConnectionRefused(error: CofferNetworkError): boolean {
  const cause = (error.cause as { cause?: { code?: unknown } } | undefined)?.cause;
  return error.kind === 'network' && cause?.code === 'ECONNREFUSED';
}
