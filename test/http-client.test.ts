/**
 * The one HTTP client (src/http-client.ts) against in-process servers: one kept-alive socket for
 * many requests, every status answered (and classified), no answer as a retriable NETWORK_ERROR or
 * HTTP_TIMEOUT with the cause, an answer cut off as HTTP_ABORTED, an abort signal honoured, and no
 * header sent that the caller did not name.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { classifyStatus, createHttpClient, HttpStatusError, RECORDS_REJECTED, statusError } from '../src/http-client';
import { PipelineError } from '../src/errors';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  port: number;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

async function startServer(): Promise<{
  url: string;
  seen: Seen[];
  connections: Socket[];
  handle(h: Handler): void;
  close(): Promise<void>;
}> {
  const seen: Seen[] = [];
  const connections: Socket[] = [];
  let handler: Handler = (_req, res) => res.end('{}');
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        port: req.socket.remotePort ?? 0,
      });
      handler(req, res, body);
    });
  });
  server.on('connection', (socket: Socket) => connections.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    connections,
    handle: (h) => {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('createHttpClient', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('keep-alive: several requests, one after another and side by side, share one socket', async () => {
    server.seen.length = 0;
    server.connections.length = 0;
    server.handle((_req, res) => res.end('{"ok":true}'));
    const client = createHttpClient({ baseUrl: `${server.url}/prod/`, maxSockets: 1 });
    try {
      for (let i = 0; i < 4; i++) {
        const answer = await client.request('POST', `/topics/t${i}`, {
          body: `{"i":${i}}`,
          headers: { 'Content-Type': 'application/json' },
        });
        assert.equal(answer.status, 200);
        assert.equal(answer.text, '{"ok":true}');
      }
      await Promise.all([1, 2, 3].map((i) => client.request('GET', `/topics/p${i}`)));
      assert.equal(server.connections.length, 1);
      assert.equal(new Set(server.seen.map((s) => s.port)).size, 1);
      assert.deepEqual(
        server.seen.slice(0, 4).map((s) => `${s.method} ${s.url} ${s.body}`),
        [0, 1, 2, 3].map((i) => `POST /prod/topics/t${i} {"i":${i}}`),
      );
      assert.equal(server.seen[0].headers.connection, 'keep-alive');
    } finally {
      client.close();
    }
    // close() destroys the kept-alive socket.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(server.connections[0].destroyed, true);
  });

  test("sends only the headers it is given: the client's (e.g. a bearer token), then the request's", async () => {
    server.seen.length = 0;
    const client = createHttpClient({
      baseUrl: server.url,
      headers: { Authorization: 'Bearer dapi-secret', Accept: 'application/json' },
    });
    try {
      await client.request('GET', '/api/2.2/jobs/runs/get?run_id=7', { headers: { Accept: 'text/plain' } });
      await client.request('PUT', '/x', { body: 'é', headers: { 'Content-Type': 'text/plain' } });
    } finally {
      client.close();
    }
    const [get, put] = server.seen;
    assert.equal(get.url, '/api/2.2/jobs/runs/get?run_id=7');
    assert.deepEqual(Object.keys(get.headers).sort(), ['accept', 'authorization', 'connection', 'host']);
    assert.equal(get.headers.authorization, 'Bearer dapi-secret');
    assert.equal(get.headers.accept, 'text/plain');
    assert.deepEqual(Object.keys(put.headers).sort(), [
      'accept',
      'authorization',
      'connection',
      'content-length',
      'content-type',
      'host',
    ]);
    assert.equal(put.headers['content-length'], '2');
    assert.equal(put.body, 'é');
  });

  test('every status is an answer to read; classifyStatus says retry (408/429/5xx), reject the records (400/413/422) or stop', async () => {
    assert.deepEqual([408, 429, 500, 503, 599, 400, 413, 422, 401, 403, 404, 415, 302].map(classifyStatus), [
      'retriable',
      'retriable',
      'retriable',
      'retriable',
      'retriable',
      'rejected',
      'rejected',
      'rejected',
      'fatal',
      'fatal',
      'fatal',
      'fatal',
      'fatal',
    ]);
    const client = createHttpClient({ baseUrl: server.url });
    try {
      const answers = new Map<number, { error_code: number; message: string }>([
        [503, { error_code: 50301, message: 'busy' }],
        [422, { error_code: 42206, message: 'bad record' }],
        [404, { error_code: 40401, message: 'Topic not found.' }],
      ]);
      server.handle((req, res) => {
        const status = Number(req.url?.slice(1));
        res.writeHead(status, {
          'Content-Type': 'application/json',
          ...(status === 302 ? { Location: '/elsewhere' } : {}),
        });
        res.end(JSON.stringify(answers.get(status) ?? {}));
      });
      const retriable = statusError(await client.request('POST', '/503', { body: '{}' }), 'POST /503');
      assert.ok(retriable instanceof HttpStatusError);
      assert.deepEqual(
        [retriable.code, retriable.retriable, retriable.status, retriable.message],
        ['HTTP_STATUS', true, 503, 'POST /503: HTTP 503 (50301) busy'],
      );
      const rejected = statusError(await client.request('POST', '/422', { body: '{}' }), 'POST /422');
      assert.deepEqual([rejected.code, rejected.retriable, rejected.kind], [RECORDS_REJECTED, false, 'rejected']);
      const fatal = statusError(
        await client.request('POST', '/404', { body: '{}' }),
        'POST /404',
        'create the topics first',
      );
      assert.deepEqual(
        [fatal.code, fatal.retriable, fatal.message],
        ['HTTP_STATUS', false, 'POST /404: HTTP 404 (40401) Topic not found.; create the topics first'],
      );
      // A redirect is answered, not followed.
      server.seen.length = 0;
      assert.equal((await client.request('GET', '/302')).status, 302);
      assert.equal(server.seen.length, 1);
    } finally {
      client.close();
    }
  });

  test('no server: a retriable NETWORK_ERROR naming the request, with the socket error as cause', async () => {
    const port = await closedPort();
    const client = createHttpClient({ baseUrl: `http://127.0.0.1:${port}/prod` });
    try {
      await assert.rejects(client.request('POST', '/topics/t', { body: '{}' }), (error: unknown) => {
        assert.ok(error instanceof PipelineError);
        assert.equal(error.code, 'NETWORK_ERROR');
        assert.equal(error.retriable, true);
        assert.match(
          error.message,
          new RegExp(`^POST http://127\\.0\\.0\\.1:${port}/prod/topics/t: connect ECONNREFUSED`),
        );
        assert.equal((error.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
        return true;
      });
    } finally {
      client.close();
    }
  });

  test('no answer in time: a retriable HTTP_TIMEOUT after about timeoutMs', async () => {
    server.handle(() => {
      /* never answers */
    });
    const client = createHttpClient({ baseUrl: server.url, timeoutMs: 150 });
    const started = Date.now();
    try {
      await assert.rejects(client.request('GET', '/slow'), (error: unknown) => {
        assert.ok(error instanceof PipelineError);
        assert.equal(error.code, 'HTTP_TIMEOUT');
        assert.equal(error.retriable, true);
        assert.equal(error.message, `GET ${server.url}/slow: no answer within 150 ms`);
        assert.ok(error.cause instanceof Error);
        return true;
      });
    } finally {
      client.close();
    }
    const waited = Date.now() - started;
    assert.ok(waited >= 140 && waited < 2_000, `waited ${waited} ms`);
  });

  test('an answer cut off mid-body: a retriable HTTP_ABORTED', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"offsets":[');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const client = createHttpClient({ baseUrl: server.url });
    try {
      await assert.rejects(client.request('POST', '/topics/t', { body: '{}' }), (error: unknown) => {
        assert.ok(error instanceof PipelineError);
        assert.equal(error.retriable, true);
        assert.equal(error.code, 'HTTP_ABORTED');
        assert.equal(error.message, `POST ${server.url}/topics/t: the answer was cut off`);
        return true;
      });
    } finally {
      client.close();
    }
  });

  test('an aborted signal stops the request and throws its reason', async () => {
    server.handle(() => {
      /* never answers */
    });
    const client = createHttpClient({ baseUrl: server.url, timeoutMs: 10_000 });
    const controller = new AbortController();
    const reason = new PipelineError('STOPPED', 'in-flight requests were cut off');
    setTimeout(() => controller.abort(reason), 30);
    const started = Date.now();
    try {
      await assert.rejects(
        client.request('GET', '/slow', { signal: controller.signal }),
        (error: unknown) => error === reason,
      );
      assert.ok(Date.now() - started < 5_000);
      await assert.rejects(
        client.request('GET', '/never-sent', { signal: controller.signal }),
        (error: unknown) => error === reason,
      );
    } finally {
      client.close();
    }
  });

  test('a base URL that is not http(s) is refused up front', () => {
    assert.throws(
      () => createHttpClient({ baseUrl: 'ftp://example.com' }),
      (error: unknown) => error instanceof PipelineError && error.code === 'URL_INVALID',
    );
    assert.throws(
      () => createHttpClient({ baseUrl: 'not a url' }),
      (error: unknown) => error instanceof PipelineError && error.code === 'URL_INVALID',
    );
  });
});
