import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Picks the request id: the caller's `X-Request-ID` when it is a short token (so ids from a
 * proxy carry through the logs), otherwise a new random one.
 */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  if (typeof incoming === 'string' && ACCEPTED_REQUEST_ID.test(incoming)) {
    return incoming;
  }
  return `req_${randomUUID()}`;
}
