import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the scripted server received it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Milliseconds since the server started. */
  at: number;
}

/** One scripted response: a status, headers and a body, or a function that writes the response itself. */
export type ScriptedResponse =
  | { status: number; headers?: Record<string, string>; body?: unknown; delayMs?: number }
  | ((response: ServerResponse) => void);

/**
 * A loopback HTTP server that sends a fixed list of responses, one per request, and records every
 * request. It plays a misbehaving server or proxy (503, 429, slow or broken responses) in tests of
 * the client's retry, timeout and error handling. The last response repeats once the list runs out.
 */
export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startScriptedServer(responses: ScriptedResponse[]): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const started = performance.now();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: performance.now() - started,
      });
      const scripted = responses[Math.min(requests.length - 1, responses.length - 1)] as ScriptedResponse;
      if (typeof scripted === 'function') {
        scripted(response);
        return;
      }
      const send = () => {
        const text = typeof scripted.body === 'string' ? scripted.body : JSON.stringify(scripted.body ?? {});
        response.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
        response.end(text);
      };
      if (scripted.delayMs === undefined) {
        send();
      } else {
        setTimeout(send, scripted.delayMs);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Builds a valid data-key response body, for scripts that end in success. */
export function dataKeyBody(): Record<string, unknown> {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    data_key: Buffer.alloc(32, 7).toString('base64'),
    encrypted_keys: Buffer.from('blob').toString('base64'),
    context: { tenant: 't1' },
  };
}

/** Returns a loopback port on which nothing listens, by binding one and closing it again. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
