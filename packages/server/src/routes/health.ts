import type { FastifyInstance } from 'fastify';

/**
 * Registers `GET /health`: 200 while the service can serve, 503 with `shutting_down` once it is
 * shutting down, and 503 with `database_unavailable` and Retry-After while the database is not.
 */
export function healthRoutes(
  app: FastifyInstance,
  isClosing: () => boolean,
  isDatabaseAvailable: () => Promise<boolean>,
): void {
  app.get(
    '/health',
    {
      schema: {
        response: {
          200: { type: 'object', properties: { status: { type: 'string' } } },
          503: { type: 'object', properties: { status: { type: 'string' } } },
        },
      },
    },
    async (_request, reply) => {
      if (isClosing()) {
        return reply.code(503).send({ status: 'shutting_down' });
      }
      if (!(await isDatabaseAvailable())) {
        return reply.code(503).header('retry-after', '1').send({ status: 'database_unavailable' });
      }
      return { status: 'ok' };
    },
  );
}
