import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { ApiKeyService, Principal } from '../services/api-key-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set on every route under /vault. */
    principal: Principal;
  }
}

/**
 * Builds the onRequest hook that reads `Authorization: Bearer <key>` and sets
 * `request.principal`, or rejects with 401 for a missing, unknown or revoked key.
 */
export function authenticate(apiKeys: ApiKeyService) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    if (header === undefined || header.length === 0) {
      throw new ApiError('missing_api_key');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) {
      throw new ApiError('missing_api_key', 'the Authorization header must have the form "Bearer <key>"');
    }
    const principal = await apiKeys.authenticate(match[1] as string);
    if (principal === undefined) {
      throw new ApiError('invalid_api_key');
    }
    request.principal = principal;
  };
}
