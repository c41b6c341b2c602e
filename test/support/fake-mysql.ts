/**
 * Stand-ins for a MySQL server in tests that must not need MariaDB: mysql2's server side, either
 * accepting every login and answering each query with the row `ok = 1`, or refusing every login with
 * ER_ACCESS_DENIED_ERROR as MariaDB does for a wrong password; and a port nothing listens on.
 */
import { createServer, type AddressInfo } from 'node:net';
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

type AuthCallback = (error: null, mysqlError?: { message: string; code: number }) => void;

/** A fake MySQL on a free port of 127.0.0.1: `accept` answers `SELECT`s with `ok = 1`, `refuse` denies every login. */
export async function fakeMysql(mode: 'accept' | 'refuse'): Promise<FakeMysql> {
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
      authCallback: (params: { user: string }, cb: AuthCallback) => {
        if (mode === 'refuse')
          return cb(null, {
            message: `Access denied for user '${params.user}'@'localhost' (using password: YES)`,
            code: 1045,
          });
        cb(null);
        // The login's OK is written; the client's first command starts at packet 0.
        setImmediate(() => {
          conn.sequenceId = 0;
        });
      },
    });
    conn.on('query', (sql) => {
      queries.push(sql);
      // 8 = LONGLONG, 63 = binary charset.
      conn.writeColumns([
        {
          catalog: 'def',
          schema: '',
          table: '',
          orgTable: '',
          name: 'ok',
          orgName: '',
          characterSet: 63,
          columnLength: 1,
          columnType: 8,
          flags: 129,
          decimals: 0,
        },
      ]);
      conn.writeTextRow(['1']);
      conn.writeEof();
      conn.sequenceId = 0;
    });
  }) as unknown as {
    _server: { listen(port: number, host: string, cb: () => void): void; address(): AddressInfo };
    close(cb: () => void): void;
  };
  await new Promise<void>((resolve) => server._server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: server._server.address().port,
    queries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
