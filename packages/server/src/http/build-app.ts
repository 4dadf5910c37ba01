import { isUtf8 } from 'node:buffer';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import type { Logger } from 'pino';
import { API_ERRORS, ApiError, errorBody } from '../errors.js';
import { dataKeyRoutes } from '../routes/data-keys.js';
import { eventRoutes } from '../routes/events.js';
import { healthRoutes } from '../routes/health.js';
import { objectRoutes } from '../routes/objects.js';
import type { ApiKeyService } from '../services/api-key-service.js';
import type { DataKeyService } from '../services/data-key-service.js';
import type { ObjectService } from '../services/object-service.js';
import type { Storage } from '../storage/storage.js';
import { authenticate } from './authenticate.js';
import { toApiError } from './map-error.js';
import { requestIdFor } from './request-id.js';

/** Services the HTTP layer calls. Each one owns its storage and keys. */
export interface AppServices {
  apiKeys: ApiKeyService;
  dataKeys: DataKeyService;
  objects: ObjectService;
  /** Read directly by `GET /events`, which has no logic beyond the query. */
  storage: Storage;
}

export interface AppOptions {
  logger: Logger;
  maxBodyBytes: number;
  maxValueBytes: number;
  benchmarkBaseline: boolean;
  https?: { cert: Buffer; key: Buffer };
  isClosing: () => boolean;
  /** Resolves whether the database can serve. `GET /health` returns 503 while it cannot. */
  isDatabaseAvailable: () => Promise<boolean>;
}

/**
 * Builds the Fastify app: JSON parsing that accepts empty bodies, the error catalogue on every
 * failure, one log line per request without bodies or headers, and the Vault routes behind
 * API key authentication.
 */
export function buildApp(services: AppServices, options: AppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    // The onResponse hook below writes the one line per request.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: requestIdFor,
    // Object ids and names arrive as path parameters; the default limit of 100 characters is
    // below the 200-code-point name limit.
    routerOptions: { maxParamLength: 1024 },
    frameworkErrors: (_error, request, reply) => {
      const plainReply = reply as unknown as FastifyReply;
      plainReply.header('x-request-id', request.id);
      plainReply.code(400).send(errorBody('invalid_url', API_ERRORS.invalid_url.message));
    },
    bodyLimit: options.maxBodyBytes,
    // The onRequest hook rejects requests that arrive while closing, in the error catalogue's shape.
    return503OnClosing: false,
    ...(options.https === undefined ? {} : { https: options.https }),
  }) as unknown as FastifyInstance;

  installJsonParser(app);
  installHooks(app, options.isClosing);
  installErrorHandlers(app, options.maxBodyBytes);

  healthRoutes(app, options.isClosing, options.isDatabaseAvailable);
  if (options.benchmarkBaseline) {
    installBaseline(app);
  }
  app.register(async (vault) => {
    vault.decorateRequest('principal');
    vault.addHook('onRequest', authenticate(services.apiKeys));
    dataKeyRoutes(vault, services.dataKeys);
    objectRoutes(vault, services.objects, options.maxValueBytes);
    eventRoutes(vault, services.storage);
  });
  return app;
}

/**
 * Parses every request body as JSON whatever its content type, because the SDKs label bodiless
 * GET and DELETE requests `application/json`; an empty body becomes undefined.
 */
function installJsonParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0) {
      done(null, undefined);
      return;
    }
    // A lenient decode would turn invalid bytes into U+FFFD. Two different byte strings could then
    // select the same KEK or name, so invalid UTF-8 is rejected instead.
    if (!isUtf8(bytes)) {
      done(new ApiError('invalid_json', 'request body is not valid UTF-8'), undefined);
      return;
    }
    try {
      done(null, JSON.parse(bytes.toString('utf8')));
    } catch {
      done(new ApiError('invalid_json', 'request body is not valid JSON'), undefined);
    }
  });
}

function installHooks(app: FastifyInstance, isClosing: () => boolean): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (isClosing() && request.url !== '/health') {
      reply.header('connection', 'close');
      throw new ApiError('service_unavailable', 'the server is shutting down; retry on another instance or later', {
        headers: { 'retry-after': '1' },
      });
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const fields = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      api_key_id: request.principal?.apiKeyId,
    };
    if (reply.statusCode >= 500) {
      request.log.error(fields, 'request failed');
    } else {
      request.log.info(fields, 'request');
    }
  });
}

function installErrorHandlers(app: FastifyInstance, maxBodyBytes: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error, { maxBodyBytes });
    if (apiError !== undefined) {
      if (apiError.status >= 500) {
        request.log.error({ code: apiError.code, status: apiError.status, err: apiError.cause }, 'request failed');
      } else {
        request.log.info({ code: apiError.code, status: apiError.status }, 'request rejected');
      }
      if (apiError.headers !== undefined) {
        reply.headers(apiError.headers);
      }
      return reply.code(apiError.status).send(errorBody(apiError.code, apiError.message, apiError.errors));
    }
    request.log.error({ err: error }, 'unexpected error while handling request');
    return reply
      .code(500)
      .send(errorBody('internal_error', `internal error; quote request id ${request.id} when reporting it`));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    reply.code(404).send(errorBody('route_not_found', `no route for ${request.method} ${path}`));
  });
}

/** The benchmark's baseline: a bare route that returns a JSON body the size of a data key response. */
function installBaseline(app: FastifyInstance): void {
  const body = {
    id: '00000000-0000-4000-8000-000000000000',
    data_key: 'A'.repeat(44),
    encrypted_keys: 'A'.repeat(192),
    context: { organization_id: 'org_01HZYXWVUTSRQPONMLKJIHGFED' },
  };
  app.post('/bench/baseline', async () => body);
}
