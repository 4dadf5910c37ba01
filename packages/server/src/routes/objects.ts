import { validateKeyContext } from '@coffer/core';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { requireField, requireObjectBody } from '../http/body.js';
import { parseListQuery } from '../http/list-query.js';
import { optionalIdempotencyKey, optionalVersionCheck, requireName, requireValue } from '../http/object-fields.js';
import type { ObjectService } from '../services/object-service.js';
import { encodeCursor } from '../wire/cursor.js';
import { objectMetadata, objectSummary, objectVersion, objectWithoutValue } from '../wire/object-shapes.js';
import { deletedSchema, listSchema, objectSchema, objectWithoutValueSchema, versionsSchema } from './object-schemas.js';

type Params = { id: string };
type NameParams = { '*': string };
type Query = Record<string, string | string[] | undefined>;

/** Registers the encrypted object endpoints under /vault/v1/kv. */
export function objectRoutes(app: FastifyInstance, objects: ObjectService, maxValueBytes: number): void {
  app.get<{ Querystring: Query }>('/vault/v1/kv', { schema: { response: { 200: listSchema } } }, async (request) => {
    const query = parseListQuery(request.query);
    const page = await objects.list(request.principal, query);
    const edge = query.before === undefined ? page.objects.at(-1) : page.objects.at(0);
    const next = page.hasMore && edge !== undefined ? encodeCursor({ createdAt: edge.createdAt, id: edge.id }) : null;
    return { data: page.objects.map(objectSummary), list_metadata: { before: next, after: next } };
  });

  app.post('/vault/v1/kv', async (request, reply) => {
    const body = requireObjectBody(request.body);
    const name = requireName(body);
    const value = requireValue(body, maxValueBytes);
    const context = validateKeyContext(requireField(body, 'key_context'), 'key_context');
    const idempotencyKey = optionalIdempotencyKey(request.headers['idempotency-key']);

    const outcome = await objects.create(request.principal, { name, value, context }, idempotencyKey);
    if (outcome.replayed) {
      reply.header('idempotent-replayed', 'true');
    }
    // The body was serialized once when the object was created, so a replay returns it byte for byte.
    return reply.code(outcome.status).type('application/json; charset=utf-8').send(outcome.body);
  });

  // A wildcard, unlike a `:name` parameter, is not cut off by the router's parameter length limit
  // (100 UTF-16 code units by default), and a name may be 200 code points long.
  app.get<{ Params: NameParams }>(
    '/vault/v1/kv/name/*',
    { schema: { response: { 200: objectSchema } } },
    async (request) => {
      const { stored, value } = await objects.read(request.principal, { name: request.params['*'] });
      return { id: stored.object.id, name: stored.object.name, value, metadata: objectMetadata(stored) };
    },
  );

  app.get<{ Params: Params }>('/vault/v1/kv/:id', { schema: { response: { 200: objectSchema } } }, async (request) => {
    const { stored, value } = await objects.read(request.principal, { id: request.params.id });
    return { id: stored.object.id, name: stored.object.name, value, metadata: objectMetadata(stored) };
  });

  app.put<{ Params: Params }>(
    '/vault/v1/kv/:id',
    { schema: { response: { 201: objectWithoutValueSchema } } },
    async (request, reply) => {
      const body = requireObjectBody(request.body);
      if (Object.hasOwn(body, 'key_context')) {
        throw new ApiError(
          'invalid_field',
          'key_context cannot change: an object keeps the context it was created with',
          {
            errors: [{ field: 'key_context', code: 'immutable' }],
          },
        );
      }
      const value = requireValue(body, maxValueBytes);
      const versionCheck = optionalVersionCheck(body.version_check);
      const stored = await objects.update(request.principal, request.params.id, value, versionCheck);
      return reply.code(201).send(objectWithoutValue(stored));
    },
  );

  app.delete<{ Params: Params; Querystring: Query }>(
    '/vault/v1/kv/:id',
    { schema: { response: { 200: deletedSchema } } },
    async (request) => {
      const body = request.body === undefined ? {} : requireObjectBody(request.body);
      const fromQuery = request.query.version_check;
      const versionCheck = optionalVersionCheck(
        fromQuery !== undefined && fromQuery !== '' ? fromQuery : body.version_check,
      );
      const name = await objects.delete(request.principal, request.params.id, versionCheck);
      return { name, success: true };
    },
  );

  app.get<{ Params: Params }>(
    '/vault/v1/kv/:id/metadata',
    { schema: { response: { 200: objectWithoutValueSchema } } },
    async (request) => {
      return objectWithoutValue(await objects.describe(request.principal, request.params.id));
    },
  );

  app.get<{ Params: Params }>(
    '/vault/v1/kv/:id/versions',
    { schema: { response: { 200: versionsSchema } } },
    async (request) => {
      const { object, versions } = await objects.versions(request.principal, request.params.id);
      return {
        data: versions.map((version) => objectVersion(version, object.currentVersionId)),
        list_metadata: { before: null, after: null },
      };
    },
  );
}
