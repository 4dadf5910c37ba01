import type { FastifyInstance } from 'fastify';

/** Registers `GET /health`: 200 while the service accepts requests, 503 once it is shutting down. */
export function healthRoutes(app: FastifyInstance, isClosing: () => boolean): void {
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
      return { status: 'ok' };
    },
  );
}
