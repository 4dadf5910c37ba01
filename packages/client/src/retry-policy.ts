/**
 * Retry settings for calls that are safe to repeat.
 *
 * @example
 * new CofferClient({ apiKey, retry: { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 10_000 } });
 */
export interface RetryOptions {
  /** Attempts after the first one; 0 turns retries off. Default 3. */
  maxRetries?: number;
  /** Upper bound of the first backoff, in milliseconds; it doubles on every retry. Default 250. */
  baseDelayMs?: number;
  /**
   * Maximum wait before one retry, in milliseconds. The client does not wait for a longer
   * `Retry-After`, and the call fails at once with the server's error instead. Default 20000.
   */
  maxDelayMs?: number;
}

/**
 * `RetryOptions` with every default filled in.
 *
 * @example
 * const policy: RetryPolicy = resolveRetryPolicy({ maxRetries: 1 });
 */
export type RetryPolicy = Required<RetryOptions>;

/**
 * The policy used for every option a caller leaves out.
 *
 * @example
 * new CofferClient({ apiKey, retry: { maxRetries: DEFAULT_RETRY_POLICY.maxRetries + 2 } });
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 20_000 };

/** Statuses after which a retry may succeed: timeouts, rate limits and server or proxy failures. */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Fills in defaults and rejects options that are not whole numbers of the right range.
 *
 * @example
 * const policy = resolveRetryPolicy({ maxRetries: 5 });
 */
export function resolveRetryPolicy(options: RetryOptions = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...definedOnly(options) };
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`retry.${name} must be a whole number of 0 or more, got ${value}`);
    }
  }
  return policy;
}

/**
 * Tests whether a response with this status may succeed when sent again.
 *
 * @example
 * isRetryableStatus(503); // true
 */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * Computes the wait before retry number `retry` (0 for the first retry), in milliseconds:
 * exponential backoff with jitter, a random value between half and all of
 * `baseDelayMs * 2^retry`, capped at `maxDelayMs`. Jitter keeps many clients that failed
 * together from retrying together.
 *
 * @example
 * backoffDelayMs(2, DEFAULT_RETRY_POLICY); // between 500 and 1000
 */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Parses a `Retry-After` header: a number of seconds or an HTTP date. Returns milliseconds
 * (0 for a date in the past), or undefined when the header is absent or unreadable.
 *
 * @example
 * parseRetryAfter('2'); // 2000
 */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) {
    return undefined;
  }
  const text = header.trim();
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function definedOnly(options: RetryOptions): RetryOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
