/**
 * Fixtures of the doctor tests: a MySQL server (mysql2's server side) that accepts any login and
 * answers every query with one row `ok = 1`, a Databricks stand-in answering clusters/get and
 * jobs/list with a chosen status, a port nothing listens on, and an output collector.
 */
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import mysql from 'mysql2';

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

export interface FakeMysql {
  port: number;
  /** The queries received, in order. */
  queries: string[];
  close(): Promise<void>;
}

/** MySQL that accepts every login and answers each query with the row `{ ok: 1 }`. */
export async function acceptingMysql(): Promise<FakeMysql> {
  // mysql2's typings describe little of its server side; this is the part used.
  type ServerConnection = {
    on(event: 'error', listener: () => void): void;
    on(event: 'query', listener: (sql: string) => void): void;
    destroy(): void;
    serverHandshake(args: Record<string, unknown>): void;
    writeColumns(columns: Record<string, unknown>[]): void;
    writeTextRow(values: unknown[]): void;
    writeEof(): void;
    /** mysql2 does not restart the server side's packet numbering at a new command; done by hand here. */
    sequenceId: number;
  };
  const queries: string[] = [];
  const server = mysql.createServer((connection) => {
    const conn = connection as unknown as ServerConnection;
    conn.on('error', () => conn.destroy());
    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: '10.11.0-MariaDB',
      connectionId: 1,
      statusFlags: 2,
      characterSet: 8,
      capabilityFlags: 0xffffff,
      authCallback: (_params: unknown, cb: (error: null) => void) => {
        cb(null);
        // The login's OK is written; the client's first command starts at packet 0.
        setImmediate(() => { conn.sequenceId = 0; });
      },
    });
    conn.on('query', (sql) => {
      queries.push(sql);
      // 8 = LONGLONG, 63 = binary charset.
      conn.writeColumns([{ catalog: 'def', schema: '', table: '', orgTable: '', name: 'ok', orgName: '', characterSet: 63, columnLength: 1, columnType: 8, flags: 129, decimals: 0 }]);
      conn.writeTextRow(['1']);
      conn.writeEof();
      conn.sequenceId = 0;
    });
  }) as unknown as { _server: { listen(port: number, host: string, cb: () => void): void; address(): AddressInfo }; close(cb: () => void): void };
  await new Promise<void>((resolve) => server._server.listen(0, '127.0.0.1', () => resolve()));
  return { port: server._server.address().port, queries, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface FakeDatabricks {
  host: string;
  /** `METHOD path` and the Authorization header of each request. */
  requests: { line: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

/**
 * Databricks' REST API as far as the doctor reads it: 200 with a RUNNING cluster when the bearer
 * token is `goodToken`, 401 `{"error_code":"401"...}` otherwise (as a workspace answers a bad token).
 */
export async function fakeDatabricks(goodToken: string): Promise<FakeDatabricks> {
  const requests: FakeDatabricks['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ line: `${req.method} ${req.url}`, authorization: req.headers.authorization });
    req.resume();
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${goodToken}`) return send(401, { error_code: 'UNAUTHENTICATED', message: 'Invalid access token.' });
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/2.0/clusters/get') return send(200, { cluster_id: url.searchParams.get('cluster_id'), state: 'RUNNING' });
    if (url.pathname === '/api/2.1/jobs/list') return send(200, { jobs: [], has_more: false });
    return send(404, { error_code: 'ENDPOINT_NOT_FOUND', message: 'No API found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { host: `http://127.0.0.1:${port}`, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A writable that keeps what was written. */
export function collector(): { stream: Writable; text(): string } {
  let text = '';
  return {
    stream: new Writable({ write(chunk, _encoding, done) { text += String(chunk); done(); } }),
    text: () => text,
  };
}

export const quietLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
