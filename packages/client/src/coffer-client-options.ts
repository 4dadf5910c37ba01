import type { DataKeyCacheOptions } from './data-key-cache-options.js';
import type { RetryEvent, TransportConfig } from './http-transport.js';
import { type RetryOptions, resolveRetryPolicy } from './retry-policy.js';

/**
 * The server address used when `baseUrl` is absent: a `coffer serve` with its default settings.
 *
 * @example
 * new CofferClient({ apiKey, baseUrl: process.env.COFFER_URL ?? DEFAULT_BASE_URL });
 */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:7700';

/**
 * Time limit of each attempt when `timeoutMs` is absent: 30 seconds.
 *
 * @example
 * new CofferClient({ apiKey, timeoutMs: DEFAULT_TIMEOUT_MS * 2 });
 */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Settings of a `CofferClient`.
 *
 * @example
 * const apiKey = process.env.COFFER_API_KEY ?? '';
 * const options: CofferClientOptions = { baseUrl: 'https://vault.internal:7700', apiKey };
 */
export interface CofferClientOptions {
  /** An API key secret (`sk_...`), sent as a bearer token. */
  apiKey: string;
  /**
   * Scheme, host and port of the server, optionally with a path prefix, such as
   * `https://vault.internal:7700`. Default `http://127.0.0.1:7700`.
   */
  baseUrl?: string;
  /** Time limit of each attempt, in milliseconds, covering the whole response. Default 30000. */
  timeoutMs?: number;
  /**
   * Retries of calls that are safe to repeat: GET requests, the data key calls, and object
   * creation, which carries an `Idempotency-Key`. Updates and deletes are retried only when the
   * connection was refused, because then the request never reached the server.
   */
  retry?: RetryOptions;
  /** Called before each retry, for logging. */
  onRetry?: (event: RetryEvent) => void;
  /** Reuse of data keys for local encryption and decryption; off unless given. */
  dataKeyCache?: DataKeyCacheOptions;
}

/**
 * Validates client options and turns them into the transport's settings. Raises `TypeError`
 * for a missing API key or a base URL that is not http or https, and `RangeError` for a bad
 * timeout or retry setting.
 *
 * @example
 * const config = resolveTransportConfig({ apiKey: 'sk_test_123' });
 */
export function resolveTransportConfig(options: CofferClientOptions): TransportConfig {
  if (typeof options.apiKey !== 'string' || options.apiKey.length === 0) {
    throw new TypeError('CofferClient needs an apiKey: an API key secret such as sk_...');
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
    throw new RangeError(`timeoutMs must be a whole number of milliseconds of 1 or more, got ${timeoutMs}`);
  }
  return {
    baseUrl: normalizeBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL),
    apiKey: options.apiKey,
    timeoutMs,
    retry: resolveRetryPolicy(options.retry),
    onRetry: options.onRetry,
  };
}

/** Checks the URL and drops a trailing slash, a query and a fragment, so that paths can be appended. */
function normalizeBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`baseUrl must be an absolute http or https URL such as ${DEFAULT_BASE_URL}, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`baseUrl must use http or https, got "${url.protocol}" in "${text}"`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new TypeError('baseUrl must not contain a user name or password; pass the API key as apiKey');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
