/**
 * Fixtures of the doctor tests: a MySQL server (mysql2's server side) that accepts any login and
 * answers every query with one row `ok = 1`, a Databricks stand-in answering clusters/get and
 * jobs/list with a chosen status, a port nothing listens on, and an output collector.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { fakeMysql } from '../support/fake-mysql';

export { closedPort, type FakeMysql } from '../support/fake-mysql';

/** MySQL that accepts every login and answers each query with the row `{ ok: 1 }`. */
export const acceptingMysql = () => fakeMysql('accept');

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
    if (req.headers.authorization !== `Bearer ${goodToken}`)
      return send(401, { error_code: 'UNAUTHENTICATED', message: 'Invalid access token.' });
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/2.0/clusters/get')
      return send(200, { cluster_id: url.searchParams.get('cluster_id'), state: 'RUNNING' });
    if (url.pathname === '/api/2.1/jobs/list') return send(200, { jobs: [], has_more: false });
    return send(404, { error_code: 'ENDPOINT_NOT_FOUND', message: 'No API found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A writable that keeps what was written. */
export function collector(): { stream: Writable; text(): string } {
  let text = '';
  return {
    stream: new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    }),
    text: () => text,
  };
}

export const quietLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
