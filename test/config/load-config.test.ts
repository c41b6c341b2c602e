import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { describeConfig, loadConfig, MYSQL_DEFAULTS } from '../../src/config';
import { ConfigError } from '../../src/errors';
import { createLogger, redact, redactValue } from '../../src/log';
import { localMysqlConfig } from '../../src/source/mysql-source';

function credentials(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pp-creds-'));
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), body);
  return dir;
}

/** Asserts `fn` throws a one-line ConfigError whose message matches every pattern. */
function assertConfigError(fn: () => unknown, ...patterns: RegExp[]): string {
  let message = '';
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    message = error.message;
    return true;
  });
  assert.equal(message.split('\n').length, 1, `one line: ${message}`);
  for (const pattern of patterns) assert.match(message, pattern);
  return message;
}

const DB = 'HOST: 127.0.0.1\nUSER: root\nPASSWORD: s3cret-Passw0rd!\nDATABASE: pinterest_data\nPORT: 3306\n';

describe('loadConfig', () => {
  test('no credentials folder: the embedded local stack and embedded source', () => {
    const config = loadConfig({ credentialsDir: credentials({}), env: {} });
    assert.equal(config.target, 'local');
    assert.deepEqual(config.source, { kind: 'embedded', rows: 11_153, seed: 42 });
    assert.equal(config.userId, 'localuser');
    assert.deepEqual(config.names.topics, { pin: 'localuser.pin', geo: 'localuser.geo', user: 'localuser.user' });
    assert.deepEqual(config.names.streams, {
      pin: 'streaming-localuser-pin',
      geo: 'streaming-localuser-geo',
      user: 'streaming-localuser-user',
    });
    assert.equal(config.names.bucket, 'user-localuser-bucket');
    assert.equal(config.names.streamTables.pin, 'localuser_pin_table');
  });

  test('the default folder is credentials/ in the workspace root, wherever the process runs', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.credentialsDir, path.resolve(__dirname, '..', '..', 'credentials'));
  });

  test('db_creds.yaml selects MySQL with the course keys', () => {
    const config = loadConfig({ credentialsDir: credentials({ 'db_creds.yaml': DB }), env: {} });
    assert.equal(config.source.kind, 'mysql');
    assert.equal(config.source.kind === 'mysql' && config.source.port, 3306);
  });

  test('aws.yaml with an invoke URL targets AWS and renames everything after the user id', () => {
    const dir = credentials({
      'aws.yaml':
        'user_id: 0a1b2c3d4e5f\ninvoke_url: https://abc.execute-api.us-east-1.amazonaws.com/prod/\nregion: us-east-1\n',
    });
    const config = loadConfig({ credentialsDir: dir, env: {} });
    assert.equal(config.target, 'aws');
    assert.equal(config.aws.invokeUrl, 'https://abc.execute-api.us-east-1.amazonaws.com/prod');
    assert.equal(config.names.topics.geo, '0a1b2c3d4e5f.geo');
    assert.equal(config.names.bucket, 'user-0a1b2c3d4e5f-bucket');
    assert.equal(config.names.dagId, '0a1b2c3d4e5f_dag');
  });

  test('credentials.example/ is itself a valid configuration', () => {
    const config = loadConfig({ credentialsDir: path.resolve(__dirname, '..', '..', 'credentials.example'), env: {} });
    assert.equal(config.target, 'aws');
    assert.equal(config.source.kind, 'mysql');
    assert.equal(config.aws.kinesisVia, 'gateway');
    assert.equal(config.databricks.clusterId, '1234-567890-abcde123');
  });

  test('environment variables override files', () => {
    const dir = credentials({ 'db_creds.yaml': DB, 'aws.yaml': 'user_id: fromfile\n' });
    const config = loadConfig({ credentialsDir: dir, env: { DB_PORT: '3307', PP_USER_ID: 'fromenv' } });
    assert.equal(config.source.kind === 'mysql' && config.source.port, 3307);
    assert.equal(config.userId, 'fromenv');
    assert.equal(
      config.origins[`${path.relative(path.resolve(__dirname, '..', '..'), path.join(dir, 'db_creds.yaml'))}:PORT`],
      '$DB_PORT',
    );
  });

  test('a missing credentials folder named explicitly is a one-line error', () => {
    assertConfigError(
      () => loadConfig({ credentialsDir: '/nonexistent/creds', env: {} }),
      /\/nonexistent\/creds/,
      /not found/,
    );
  });

  test('PP_SOURCE=mysql without db_creds.yaml: the DB_* variables, each unset one at the defaults of npm run db:seed', () => {
    const seedDefaults = localMysqlConfig({});
    const none = loadConfig({ credentialsDir: credentials({}), env: { PP_SOURCE: 'mysql' } });
    assert.deepEqual(none.source, seedDefaults);
    assert.deepEqual(none.source, { kind: 'mysql', ...MYSQL_DEFAULTS, file: 'DB_* variables' });
    const some = loadConfig({
      credentialsDir: credentials({}),
      env: { PP_SOURCE: 'mysql', DB_PORT: '3307', DB_USER: 'reader' },
    });
    assert.deepEqual(some.source, { ...seedDefaults, port: 3307, user: 'reader' });
    assert.deepEqual(localMysqlConfig({ DB_PORT: '3307', DB_USER: 'reader' }), some.source);
    assert.equal(some.origins['DB_* variables:PORT'], '$DB_PORT');
  });

  test('PP_SOURCE=mysql with a wrong DB_* variable names the variable, not a YAML key', () => {
    const message = assertConfigError(
      () => loadConfig({ credentialsDir: credentials({}), env: { PP_SOURCE: 'mysql', DB_HOST: 'h', DB_PORT: 'abc' } }),
      /^\$DB_PORT: expected an integer port between 1 and 65535, got "abc"$/,
    );
    assert.doesNotMatch(message, /db_creds\.yaml/);
    // Overriding a file's key: the variable is named too.
    assertConfigError(
      () => loadConfig({ credentialsDir: credentials({ 'db_creds.yaml': DB }), env: { DB_PORT: '0' } }),
      /^\$DB_PORT: expected an integer port/,
    );
    assertConfigError(
      () => loadConfig({ credentialsDir: credentials({}), env: { PP_SOURCE: 'sql' } }),
      /^\$PP_SOURCE: expected one of embedded, mysql, got "sql"$/,
    );
  });

  test('bad YAML names the file', () => {
    assertConfigError(
      () => loadConfig({ credentialsDir: credentials({ 'db_creds.yaml': 'HOST: [unclosed\n  : :' }), env: {} }),
      /db_creds\.yaml/,
      /not valid YAML/,
    );
  });

  test('a YAML list instead of a mapping names the file', () => {
    assertConfigError(
      () => loadConfig({ credentialsDir: credentials({ 'aws.yaml': '- a\n- b\n' }), env: {} }),
      /aws\.yaml/,
      /mapping/,
    );
  });

  test('a missing key names the file and the key', () => {
    assertConfigError(
      () =>
        loadConfig({ credentialsDir: credentials({ 'db_creds.yaml': 'HOST: h\nUSER: u\nPASSWORD: p\n' }), env: {} }),
      /db_creds\.yaml: DATABASE: missing; expected a non-empty string/,
    );
  });

  test('a wrong type names the file, the key, what is expected and what was found', () => {
    assertConfigError(
      () =>
        loadConfig({
          credentialsDir: credentials({ 'db_creds.yaml': DB.replace('PORT: 3306', 'PORT: abc') }),
          env: {},
        }),
      /db_creds\.yaml: PORT: expected an integer port between 1 and 65535, got "abc"/,
    );
    assertConfigError(
      () => loadConfig({ credentialsDir: credentials({ 'aws.yaml': 'invoke_url: not a url\n' }), env: {} }),
      /aws\.yaml: invoke_url: expected an http\(s\) URL/,
    );
    assertConfigError(
      () => loadConfig({ credentialsDir: credentials({ 'aws.yaml': 'user_id: Has Spaces\n' }), env: {} }),
      /aws\.yaml: user_id: expected lowercase letters/,
    );
    assertConfigError(
      () =>
        loadConfig({
          credentialsDir: credentials({}),
          env: { DB_HOST: 'h', DB_USER: 'u', DB_DATABASE: 'd', DB_PORT: '70000' },
        }),
      /^\$DB_PORT: expected an integer port/,
    );
  });

  test('a wrongly typed password is reported without its value', () => {
    const message = assertConfigError(
      () =>
        loadConfig({
          credentialsDir: credentials({
            'db_creds.yaml': DB.replace('PASSWORD: s3cret-Passw0rd!', 'PASSWORD: [s3cret-Passw0rd!]'),
          }),
          env: {},
        }),
      /PASSWORD/,
    );
    assert.doesNotMatch(message, /s3cret/);
  });

  test('a Databricks token in a file is refused; it comes from DATABRICKS_TOKEN', () => {
    assertConfigError(
      () =>
        loadConfig({
          credentialsDir: credentials({
            'databricks.yaml': 'host: https://x.cloud.databricks.com\ntoken: dapi123456\n',
          }),
          env: {},
        }),
      /databricks\.yaml: token: must not be stored in a file/,
    );
    const config = loadConfig({
      credentialsDir: credentials({ 'databricks.yaml': 'host: https://x.cloud.databricks.com\n' }),
      env: { DATABRICKS_TOKEN: 'dapi-very-secret-token-42' },
    });
    assert.equal(config.databricks.token, 'dapi-very-secret-token-42');
  });

  test('secrets never appear in a log line or in the described configuration', () => {
    const password = 's3cret-Passw0rd!';
    const token = 'dapi-very-secret-token-42';
    const dir = credentials({ 'db_creds.yaml': DB, 'databricks.yaml': 'host: https://x.cloud.databricks.com\n' });
    const config = loadConfig({ credentialsDir: dir, env: { DATABRICKS_TOKEN: token } });
    const lines: string[] = [];
    const log = createLogger('test', (line) => lines.push(line));
    for (const row of describeConfig(config)) log.info(`${row.setting}: ${row.value}`);
    log.info(`connecting with ${JSON.stringify(config.source)}`);
    log.error(`request failed: Authorization: Bearer ${token}`);
    const all = lines.join('\n');
    assert.ok(lines.length >= 5);
    assert.doesNotMatch(all, /s3cret-Passw0rd!/);
    assert.doesNotMatch(all, /very-secret/);
    assert.match(all, /\*\*\*/);
    assert.equal(redact(`x ${password} y`), 'x *** y');
    // No character of a secret is shown, however long (the README promises ***).
    assert.doesNotMatch(all, /d!|42\b/);
    assert.equal(redactValue(token), '***');
  });

  test('an unknown key in a credentials file names the file, the key and the nearest valid key', () => {
    assertConfigError(
      () =>
        loadConfig({
          credentialsDir: credentials({
            'aws.yaml': 'user_id: abc123\ninvoke_ulr: https://abc.execute-api.us-east-1.amazonaws.com/prod\n',
          }),
          env: {},
        }),
      /aws\.yaml: invoke_ulr: unknown key; did you mean invoke_url\?/,
    );
    assertConfigError(
      () => loadConfig({ credentialsDir: credentials({ 'db_creds.yaml': `${DB}PASWORD: x\n` }), env: {} }),
      /db_creds\.yaml: PASWORD: unknown key; did you mean PASSWORD\?/,
    );
    assertConfigError(
      () => loadConfig({ credentialsDir: credentials({ 'db_creds.yaml': DB.replace('HOST:', 'host:') }), env: {} }),
      /db_creds\.yaml: host: unknown key; did you mean HOST\?/,
    );
    assertConfigError(
      () =>
        loadConfig({
          credentialsDir: credentials({ 'databricks.yaml': 'host: https://x.cloud.databricks.com\nclusterid: 1\n' }),
          env: {},
        }),
      /databricks\.yaml: clusterid: unknown key; did you mean cluster_id\?/,
    );
  });

  test('an empty credentials file is an error naming it, not an empty configuration', () => {
    for (const name of ['aws.yaml', 'db_creds.yaml', 'databricks.yaml']) {
      assertConfigError(
        () => loadConfig({ credentialsDir: credentials({ [name]: '' }), env: {} }),
        new RegExp(`${name.replace('.', '\\.')}: is empty`),
      );
      assertConfigError(
        () => loadConfig({ credentialsDir: credentials({ [name]: '# only a comment\n' }), env: {} }),
        /is empty/,
      );
    }
  });

  test('a key with no value is missing, not silently the default', () => {
    assertConfigError(
      () =>
        loadConfig({
          credentialsDir: credentials({ 'db_creds.yaml': DB.replace('HOST: 127.0.0.1', 'HOST:') }),
          env: {},
        }),
      /db_creds\.yaml: HOST: missing/,
    );
    // An empty password is allowed (MariaDB's root), as PASSWORD: "" is.
    const config = loadConfig({
      credentialsDir: credentials({ 'db_creds.yaml': DB.replace('PASSWORD: s3cret-Passw0rd!', 'PASSWORD:') }),
      env: {},
    });
    assert.equal(config.source.kind === 'mysql' && config.source.password, '');
  });
});
