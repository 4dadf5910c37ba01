import { CofferApiError, CofferNetworkError } from '@coffer/client';
import { CoreError } from '@coffer/core';
import { CliError, EXIT } from '../cli-error.js';

/**
 * Turns an error from the client or from local decryption into the one-line `CliError` shown
 * to the user, with its exit code: 3 when the server is unreachable or returns a 5xx status, 1 for
 * every other failed operation. Returns undefined for errors of any other kind.
 *
 * @example
 * const cliError = toCliError(error) ?? new CliError(String(error));
 */
export function toCliError(error: unknown): CliError | undefined {
  if (error instanceof CofferNetworkError) {
    const hint = error.kind === 'timeout' ? 'raise --timeout or check the server' : 'is "coffer serve" running there?';
    return new CliError(`${error.message}; ${hint} (set the address with COFFER_URL or --url)`, EXIT.unavailable);
  }
  if (error instanceof CofferApiError) {
    return new CliError(describeApiError(error), error.status >= 500 ? EXIT.unavailable : EXIT.failure);
  }
  if (error instanceof CoreError) {
    return new CliError(error.message, EXIT.failure);
  }
  return undefined;
}

function describeApiError(error: CofferApiError): string {
  const fields = error.errors.map((field) => `${field.field}: ${field.code}`).join(', ');
  const details = [
    `HTTP ${error.status}`,
    error.code,
    error.requestId === undefined ? '' : `request ${error.requestId}`,
  ]
    .filter((part) => part.length > 0)
    .join(', ');
  const hint = error.kind === 'unauthorized' ? '; check COFFER_API_KEY or --api-key' : '';
  return `${error.message}${fields.length > 0 ? ` [${fields}]` : ''} (${details})${hint}`;
}
