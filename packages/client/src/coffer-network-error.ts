/**
 * Why a request got no response: `network` when the connection failed (refused, reset, DNS,
 * TLS), `timeout` when no complete response arrived within the client's `timeoutMs`.
 *
 * @example
 * if (error instanceof CofferNetworkError && error.kind === 'timeout') console.error('the server is slow');
 */
export type NetworkErrorKind = 'network' | 'timeout';

/**
 * Raised when a request to the server got no HTTP response, after any retries. The underlying
 * error is in `cause`. A call aborted through its own `AbortSignal` raises the signal's reason
 * instead.
 *
 * @example
 * try {
 *   await coffer.createDataKey({ context });
 * } catch (error) {
 *   if (error instanceof CofferNetworkError) console.error(`${error.kind}: ${error.message}`);
 * }
 */
export class CofferNetworkError extends Error {
  readonly kind: NetworkErrorKind;
  /** The URL of the request that failed. */
  readonly url: string;

  constructor(kind: NetworkErrorKind, message: string, url: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CofferNetworkError';
    this.kind = kind;
    this.url = url;
  }
}
