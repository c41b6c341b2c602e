import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { describeError, PipelineError } from '../../src/errors';
import { createRowSource } from '../../src/source/create-source';
import {
  createMysqlPool,
  explainMysqlError,
  localMysqlConfig,
  MysqlRowSource,
  qualifiedTable,
} from '../../src/source/mysql-source';
import type { MysqlSourceConfig } from '../../src/config';

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

describe('createRowSource with MySQL', () => {
  it('fails with one line naming host, port and settings, without the password, when MySQL is down', async () => {
    const port = await freePort();
    const password = 'sup3r-s3cret-pw';
    const config: MysqlSourceConfig = {
      kind: 'mysql',
      host: '127.0.0.1',
      port,
      user: 'root',
      password,
      database: 'pinterest_data',
      file: 'credentials/db_creds.yaml',
    };
    const source = createRowSource({ source: config });
    assert.ok(source instanceof MysqlRowSource);
    assert.equal(source.description, `MySQL root@127.0.0.1:${port}/pinterest_data`);
    try {
      await assert.rejects(source.count(), (error: unknown) => {
        assert.ok(error instanceof PipelineError);
        assert.equal(error.code, 'MYSQL_UNREACHABLE');
        assert.equal(error.retriable, true);
        assert.equal(
          describeError(error),
          `cannot reach MySQL at 127.0.0.1:${port} (ECONNREFUSED); start it or check HOST and PORT in credentials/db_creds.yaml`,
        );
        assert.ok(!error.message.includes(password));
        return true;
      });
      await assert.rejects(source.postsAt([0]), /cannot reach MySQL/);
    } finally {
      await source.close();
    }
  });
});

describe('explainMysqlError', () => {
  const endpoint = { host: 'db.example', port: 3306, user: 'pin', file: 'credentials/db_creds.yaml' };

  it('says what to do for wrong credentials and a missing database', () => {
    const denied = explainMysqlError(
      Object.assign(new Error("Access denied for user 'pin'"), { code: 'ER_ACCESS_DENIED_ERROR' }),
      endpoint,
    );
    assert.equal(
      describeError(denied),
      'MySQL at db.example:3306 refused user pin (ER_ACCESS_DENIED_ERROR); check USER and PASSWORD in credentials/db_creds.yaml',
    );
    const missing = explainMysqlError(
      Object.assign(new Error('Unknown database'), { code: 'ER_BAD_DB_ERROR' }),
      endpoint,
      'pinterest_data',
    );
    assert.match(
      describeError(missing),
      /does not have the tables of database pinterest_data \(ER_BAD_DB_ERROR\); run npm run db:seed/,
    );
  });

  it('names the DB_* variables to check when the settings came from the environment', () => {
    const fromEnv = { ...endpoint, file: localMysqlConfig({}).file };
    const refused = explainMysqlError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      fromEnv,
    );
    assert.equal(
      describeError(refused),
      'cannot reach MySQL at db.example:3306 (ECONNREFUSED); start it or check DB_HOST and DB_PORT',
    );
    const denied = explainMysqlError(
      Object.assign(new Error('Access denied'), { code: 'ER_ACCESS_DENIED_ERROR' }),
      fromEnv,
    );
    assert.equal(
      describeError(denied),
      'MySQL at db.example:3306 refused user pin (ER_ACCESS_DENIED_ERROR); check DB_USER and DB_PASSWORD',
    );
  });

  it('reads the code of an AggregateError and leaves other errors alone', () => {
    const aggregate = new AggregateError(
      [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })],
      'connect failed',
    );
    assert.match(
      describeError(explainMysqlError(aggregate, endpoint)),
      /^cannot reach MySQL at db.example:3306 \(ECONNREFUSED\)/,
    );
    const other = Object.assign(new Error('syntax'), { code: 'ER_PARSE_ERROR' });
    assert.equal(explainMysqlError(other, endpoint), other);
  });
});

describe('MySQL settings and identifiers', () => {
  it('defaults to a local root server with DB_* overrides', () => {
    assert.deepEqual(localMysqlConfig({}), {
      kind: 'mysql',
      host: '127.0.0.1',
      port: 3306,
      user: 'root',
      password: '',
      database: 'pinterest_data',
      file: 'DB_* variables',
    });
    const custom = localMysqlConfig({
      DB_HOST: 'db',
      DB_PORT: '3307',
      DB_USER: 'u',
      DB_PASSWORD: 'p',
      DB_DATABASE: 'd',
    });
    assert.deepEqual(
      [custom.host, custom.port, custom.user, custom.password, custom.database],
      ['db', 3307, 'u', 'p', 'd'],
    );
    assert.throws(() => localMysqlConfig({ DB_PORT: 'x' }), /DB_PORT/);
  });

  it('escapes database names instead of pasting them into SQL', async () => {
    const pool = createMysqlPool(localMysqlConfig({}));
    try {
      assert.equal(
        qualifiedTable(pool, 'pp`; DROP DATABASE x; --', 'pin'),
        '`pp``; DROP DATABASE x; --`.`pinterest_data`',
      );
    } finally {
      await pool.end();
    }
  });
});
