/**
 * Every way the emulation scripts (and npm start, which runs the same emulation) can fail ends with
 * exit code 1 and one `error:` line saying what failed and what to do: each script is spawned as
 * a user runs it, against a MySQL that is down, one that refuses the login, broken credentials
 * files, a missing stack and bad flags. None of them may print a summary that looks finished.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closedPort, fakeMysql, type FakeMysql } from '../support/fake-mysql';
import { runTsScript, WORKSPACE_ROOT, type ProcessRun } from '../support/run-process';

/** Exit 1, exactly one `error:` line matching `line`, and no summary claiming the run finished. */
function assertFailed(run: ProcessRun, line: RegExp): void {
  const context = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
  assert.equal(run.code, 1, context);
  assert.equal(run.errors.length, 1, context);
  assert.match(run.errors[0], line, context);
  assert.doesNotMatch(run.stdout, /every record read was acknowledged|every record is accounted for/, context);
}

describe('emulation failures exit 1 with one line', { timeout: 300_000 }, () => {
  const work = mkdtempSync(path.join(tmpdir(), 'pp-emulation-failures-'));
  const emptyCredentials = mkdtempSync(path.join(work, 'credentials-'));
  let refusing: FakeMysql;
  let downPort: number;
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    const out: NodeJS.ProcessEnv = {
      ...process.env,
      PP_CREDENTIALS_DIR: emptyCredentials,
      PP_USER_ID: `fl-${randomBytes(4).toString('hex')}`,
      ...extra,
    };
    for (const name of [
      'PP_SOURCE',
      'DB_HOST',
      'DB_PORT',
      'DB_USER',
      'DB_PASSWORD',
      'DB_DATABASE',
      'PP_INVOKE_URL',
      'PP_DEBUG',
    ])
      if (!(name in extra)) delete out[name];
    return out;
  };
  // A stack for the run, asked for explicitly: the failures below come after the stack (no step starts one unasked).
  const common = (name: string) => [
    '--count',
    '5',
    '--progress',
    'silent',
    '--start-stack',
    '--data-dir',
    path.join(work, `stack-${name}`),
    '--quarantine',
    path.join(work, `q-${name}.jsonl`),
  ];

  before(async () => {
    refusing = await fakeMysql('refuse');
    downPort = await closedPort();
  });
  after(async () => {
    await refusing.close();
    rmSync(work, { recursive: true, force: true });
  });

  for (const script of ['emulate-batch', 'emulate-stream'] as const) {
    const file = `scripts/${script}.ts`;
    const pathName = script === 'emulate-batch' ? 'batch' : 'stream';

    test(`${script}: MySQL unreachable`, async () => {
      const run = await runTsScript(file, common(`${script}-down`), {
        env: env({ PP_SOURCE: 'mysql', DB_PORT: String(downPort) }),
      });
      assertFailed(
        run,
        new RegExp(
          `^error: the ${pathName} path stopped after 0 posts \\(0 records acknowledged\\): cannot reach MySQL at 127\\.0\\.0\\.1:${downPort} \\(ECONNREFUSED\\); start it or check DB_HOST and DB_PORT$`,
        ),
      );
      assert.match(run.stdout, /FAILED, stopped early: cannot reach MySQL/);
    });

    test(`${script}: MySQL refusing the login`, async () => {
      const run = await runTsScript(file, common(`${script}-denied`), {
        env: env({ PP_SOURCE: 'mysql', DB_PORT: String(refusing.port), DB_PASSWORD: 'wrong-password' }),
      });
      assertFailed(
        run,
        new RegExp(
          `^error: the ${pathName} path stopped after 0 posts \\(0 records acknowledged\\): MySQL at 127\\.0\\.0\\.1:${refusing.port} refused user root \\(ER_ACCESS_DENIED_ERROR\\); check DB_USER and DB_PASSWORD$`,
        ),
      );
      assert.doesNotMatch(run.stdout + run.stderr, /wrong-password/);
    });

    test(`${script}: MySQL refusing the login, settings from db_creds.yaml`, async () => {
      const dir = mkdtempSync(path.join(work, 'credentials-db-'));
      writeFileSync(
        path.join(dir, 'db_creds.yaml'),
        `HOST: 127.0.0.1\nUSER: reader\nPASSWORD: not-the-password\nDATABASE: pinterest_data\nPORT: ${refusing.port}\n`,
      );
      const run = await runTsScript(file, common(`${script}-denied-file`), { env: env({ PP_CREDENTIALS_DIR: dir }) });
      assertFailed(run, /refused user reader \(ER_ACCESS_DENIED_ERROR\); check USER and PASSWORD in .*db_creds\.yaml$/);
    });

    test(`${script}: an unknown key in aws.yaml`, async () => {
      const dir = mkdtempSync(path.join(work, 'credentials-typo-'));
      writeFileSync(
        path.join(dir, 'aws.yaml'),
        'user_id: abc123\ninvoke_ulr: https://abc.execute-api.us-east-1.amazonaws.com/prod\n',
      );
      const run = await runTsScript(file, common(`${script}-typo`), { env: env({ PP_CREDENTIALS_DIR: dir }) });
      assertFailed(run, /^error: .*aws\.yaml: invoke_ulr: unknown key; did you mean invoke_url\?/);
    });

    test(`${script}: an empty aws.yaml`, async () => {
      const dir = mkdtempSync(path.join(work, 'credentials-empty-'));
      writeFileSync(path.join(dir, 'aws.yaml'), '');
      const run = await runTsScript(file, common(`${script}-empty`), { env: env({ PP_CREDENTIALS_DIR: dir }) });
      assertFailed(
        run,
        /^error: .*aws\.yaml: is empty; fill it in as in credentials\.example\/aws\.yaml, or delete it$/,
      );
    });

    test(`${script}: no stack running`, async () => {
      const run = await runTsScript(
        file,
        common(`${script}-nostack`).filter((arg) => arg !== '--start-stack'),
        { env: env() },
      );
      assertFailed(
        run,
        /^error: no local stack is running in .*: start it with `npm run stack` -- --data-dir .* \(in another terminal, or with --background\)$/,
      );
    });

    test(`${script}: a bad flag`, async () => {
      const run = await runTsScript(file, ['--count', 'ten'], { env: env() });
      assertFailed(run, /^error: --count expects a whole number >= 1, got "ten"$/);
    });
  }

  test('npm start with MySQL unreachable fails before writing a report', async () => {
    const out = path.join(work, 'start-out');
    const run = await runTsScript(
      'scripts/start.ts',
      [
        '--posts',
        '5',
        '--no-stream',
        '--progress',
        'silent',
        '--data-dir',
        path.join(work, 'start-stack'),
        '--out',
        out,
      ],
      { env: env({ PP_SOURCE: 'mysql', DB_PORT: String(downPort) }) },
    );
    assertFailed(
      run,
      new RegExp(
        `^error: the batch path stopped after 0 posts \\(0 records acknowledged\\): cannot reach MySQL at 127\\.0\\.0\\.1:${downPort} \\(ECONNREFUSED\\); start it or check DB_HOST and DB_PORT$`,
      ),
    );
    assert.equal(existsSync(path.join(out, 'report.html')), false);
  });

  test('npm start with MySQL refusing the login (all the posts the source holds) fails with one line', async () => {
    const out = path.join(work, 'start-denied-out');
    const run = await runTsScript(
      'scripts/start.ts',
      ['--no-stream', '--progress', 'silent', '--data-dir', path.join(work, 'start-denied-stack'), '--out', out],
      { env: env({ PP_SOURCE: 'mysql', DB_PORT: String(refusing.port), DB_PASSWORD: 'wrong-password' }) },
    );
    assertFailed(
      run,
      new RegExp(
        `^error: MySQL at 127\\.0\\.0\\.1:${refusing.port} refused user root \\(ER_ACCESS_DENIED_ERROR\\); check DB_USER and DB_PASSWORD$`,
      ),
    );
    assert.equal(existsSync(path.join(out, 'report.html')), false);
  });

  test('npm start resolves --out and --data-dir: an absolute path stays absolute', async () => {
    const out = path.join(work, 'abs-out');
    const dataDir = path.join(work, 'abs-stack');
    // A failing source keeps the run short; the stack is already started in --data-dir by then.
    const run = await runTsScript(
      'scripts/start.ts',
      ['--posts', '5', '--no-stream', '--progress', 'silent', '--data-dir', dataDir, '--out', out],
      { env: env({ PP_SOURCE: 'mysql', DB_PORT: String(downPort) }) },
    );
    assert.equal(run.code, 1, run.stderr);
    assert.ok(existsSync(dataDir), `${dataDir} was used`);
    assert.equal(existsSync(path.join(WORKSPACE_ROOT, dataDir)), false, 'not joined under the project folder');
  });
});
