import type { FastifyInstance } from 'fastify';
import { parseEventQuery } from '../http/event-query.js';
import type { Storage } from '../storage/storage.js';
import { formatMicros } from '../wire/timestamps.js';

const nullableString = { type: ['string', 'null'] } as const;

const eventListSchema = {
  type: 'object',
  properties: {
    object: { type: 'string' },
    data: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          object: { type: 'string' },
          id: { type: 'string' },
          event: { type: 'string' },
          data: { type: 'object', additionalProperties: true },
          created_at: { type: 'string' },
        },
      },
    },
    list_metadata: { type: 'object', properties: { before: nullableString, after: nullableString } },
  },
} as const;

/**
 * Registers `GET /events`: the Vault events of the caller's environment, oldest first by
 * default, paged by event id.
 */
export function eventRoutes(app: FastifyInstance, storage: Storage): void {
  app.get<{ Querystring: Record<string, string | string[] | undefined> }>(
    '/events',
    { schema: { response: { 200: eventListSchema } } },
    async (request) => {
      const query = parseEventQuery(request.query);
      const page = await storage.listEvents({ ...query, environmentId: request.principal.environmentId });
      const edge = query.before === undefined ? page.events.at(-1) : page.events.at(0);
      const next = page.hasMore && edge !== undefined ? edge.id : null;
      return {
        object: 'list',
        data: page.events.map((event) => ({
          object: 'event',
          id: event.id,
          event: event.event,
          data: JSON.parse(event.data) as Record<string, unknown>,
          created_at: formatMicros(event.createdAt),
        })),
        list_metadata: { before: next, after: next },
      };
    },
  );
}
