import { contextToObject, decodeBase64Strict, validateKeyContext } from '@coffer/core';
import type { FastifyInstance } from 'fastify';
import { requireField, requireObjectBody, requireString } from '../http/body.js';
import type { DataKeyResult, DataKeyService } from '../services/data-key-service.js';

const contextSchema = { type: 'object', additionalProperties: { type: 'string' } } as const;

const dataKeyPairSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    data_key: { type: 'string' },
    encrypted_keys: { type: 'string' },
    context: contextSchema,
  },
  required: ['id', 'data_key', 'encrypted_keys', 'context'],
} as const;

const decryptedKeySchema = {
  type: 'object',
  properties: { id: { type: 'string' }, data_key: { type: 'string' } },
  required: ['id', 'data_key'],
} as const;

/** Registers the three data key endpoints under /vault/v1/keys. */
export function dataKeyRoutes(app: FastifyInstance, dataKeys: DataKeyService): void {
  app.post('/vault/v1/keys/data-key', { schema: { response: { 200: dataKeyPairSchema } } }, async (request) => {
    const body = requireObjectBody(request.body);
    const pairs = validateKeyContext(requireField(body, 'context'));
    const result = await dataKeys.create(request.principal, pairs);
    return pairResponse(result, contextToObject(pairs));
  });

  app.post('/vault/v1/keys/decrypt', { schema: { response: { 200: decryptedKeySchema } } }, async (request) => {
    const body = requireObjectBody(request.body);
    const blob = decodeBase64Strict(requireString(body, 'keys'), 'keys');
    const result = await dataKeys.decrypt(request.principal, blob);
    return { id: result.id, data_key: revealOnce(result) };
  });

  app.post('/vault/v1/keys/rekey', { schema: { response: { 200: dataKeyPairSchema } } }, async (request) => {
    const body = requireObjectBody(request.body);
    const pairs = validateKeyContext(requireField(body, 'context'));
    const blob = decodeBase64Strict(requireString(body, 'encrypted_keys'), 'encrypted_keys');
    const result = await dataKeys.rekey(request.principal, pairs, blob);
    return pairResponse(result, contextToObject(pairs));
  });
}

function pairResponse(result: DataKeyResult, context: Record<string, string>) {
  return {
    id: result.id,
    data_key: revealOnce(result),
    encrypted_keys: (result.encryptedKeys as Buffer).toString('base64'),
    context,
  };
}

/** Encodes the data key for the response and zeroes the server's copy. */
function revealOnce(result: DataKeyResult): string {
  const encoded = result.dataKey.bytes().toString('base64');
  result.dataKey.destroy();
  return encoded;
}
