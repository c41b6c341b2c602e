/**
 * The example kit committed in docs/aws-kit/ is exactly what `npm run aws:kit` writes on a fresh
 * clone (no credentials/, no settings in the environment), and every placeholder the kit can hold
 * is named with the option or credentials/ key that fills it.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { loadConfig, projectPath } from '../../src/config';
import { PLACEHOLDER_FILLED_BY, KIT_PLACEHOLDERS, kitSettings } from '../../src/kit/kit-settings';
import { buildKit, EXAMPLE_KIT_DIR, placeholdersIn } from '../../src/kit/write-kit';
import { main as awsKitMain, SPEC } from '../../scripts/aws-kit';
import { runTsScript } from '../support/run-process';

const COMMITTED = projectPath(EXAMPLE_KIT_DIR);

let work: string;
let emptyCredentials: string;

/** Relative paths of every file under `dir`, with `/`, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

function collect(): { stream: Writable; text: () => string } {
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

/** The environment of a fresh clone: none of the variables that override credentials/. */
function freshEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(PP_|DB_|DATABRICKS_|AWS_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, PP_CREDENTIALS_DIR: emptyCredentials };
}

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'pp-example-kit-'));
  emptyCredentials = path.join(work, 'credentials');
  await mkdir(emptyCredentials);
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the committed example kit (docs/aws-kit/)', () => {
  test('equals, byte for byte and file for file, what npm run aws:kit writes on a fresh clone', async () => {
    const out = path.join(work, 'written');
    const run = await runTsScript('scripts/aws-kit.ts', ['--out', out], { env: freshEnv() });
    assert.equal(run.code, 0, run.stderr);
    const written = await filesUnder(out);
    assert.deepEqual(
      await filesUnder(COMMITTED),
      written,
      'the committed kit has other files: run npm run aws:kit -- --example',
    );
    for (const name of written) {
      const [fresh, committed] = await Promise.all([
        readFile(path.join(out, name)),
        readFile(path.join(COMMITTED, name)),
      ]);
      assert.ok(
        fresh.equals(committed),
        `${EXAMPLE_KIT_DIR}/${name} differs from what npm run aws:kit writes: run npm run aws:kit -- --example`,
      );
    }
    assert.ok(written.length >= 15, `only ${written.length} files`);
  });

  test('holds every placeholder and no path of the machine that made it', async () => {
    const text = (
      await Promise.all((await filesUnder(COMMITTED)).map((name) => readFile(path.join(COMMITTED, name), 'utf8')))
    ).join('\n');
    for (const placeholder of Object.values(KIT_PLACEHOLDERS)) assert.ok(text.includes(placeholder), placeholder);
    assert.ok(!text.includes(projectPath()), 'the workspace path is in the kit');
    assert.ok(!text.includes(tmpdir()), 'a temporary path is in the kit');
  });

  test('npm run aws:kit -- --example --check passes on it, and names each changed, missing and extra file of a copy', async () => {
    const ok = collect();
    assert.ok(await awsKitMain(['--example', '--check'], { out: ok.stream }));
    assert.match(ok.text(), /is up to date \(15 files\)/);
    const copy = path.join(work, 'copy');
    await cp(COMMITTED, copy, { recursive: true });
    await writeFile(path.join(copy, 'msk-connect', 's3-sink-connector.properties'), 'flush.size=2\n');
    await rm(path.join(copy, 'iam', 'README.md'));
    await writeFile(path.join(copy, 'notes.txt'), 'mine\n');
    await assert.rejects(
      awsKitMain(['--example', '--check', '--out', copy], { out: collect().stream }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'KIT_STALE');
        assert.match(error.message, /iam\/README\.md missing/);
        assert.match(error.message, /msk-connect\/s3-sink-connector\.properties changed/);
        assert.match(error.message, /notes\.txt extra/);
        assert.match(error.message, /npm run aws:kit -- --example/);
        return true;
      },
    );
  });

  test('--example refuses a value for a placeholder, so the committed copy keeps them all', async () => {
    await assert.rejects(
      awsKitMain(['--example', '--account-id', '123456789012', '--out', path.join(work, 'never')]),
      /--example writes the kit with every placeholder left; drop --account-id/,
    );
  });
});

describe('what fills each placeholder', () => {
  test('every placeholder has a filler, and every option named is an option of npm run aws:kit', () => {
    for (const placeholder of Object.values(KIT_PLACEHOLDERS)) {
      const inside = /<your-[a-z0-9-]+>/.exec(placeholder)?.[0];
      assert.ok(inside && PLACEHOLDER_FILLED_BY[inside], `${placeholder} has no filler`);
    }
    for (const filler of Object.values(PLACEHOLDER_FILLED_BY)) {
      if (filler.startsWith('--')) assert.ok(SPEC.options[filler.slice(2)], `${filler} is not an option`);
      else assert.match(filler, /^\S+ in credentials\/databricks\.yaml/);
    }
  });

  test('the options and credentials/ keys named fill every placeholder: none is left', async () => {
    const credentials = path.join(work, 'filled');
    await mkdir(credentials);
    await writeFile(
      path.join(credentials, 'databricks.yaml'),
      [
        'host: https://dbc-12345678-9abc.cloud.databricks.com',
        'cluster_id: 1234-567890-abcde123',
        'notebook_path: /Workspace/Users/me@example.com/pinterest-pipeline/databricks/batch_clean',
        '',
      ].join('\n'),
    );
    const config = loadConfig({ credentialsDir: credentials, env: {} });
    const kit = buildKit(
      kitSettings(config, {
        accountId: '123456789012',
        bootstrapServers: 'b-1.c.kafka.us-east-1.amazonaws.com:9098',
        zookeeperConnect: 'z-1.c.kafka.us-east-1.amazonaws.com:2181',
        restProxyHost: 'ec2-1-2-3-4.compute-1.amazonaws.com',
        clusterName: 'pinterest-msk-cluster',
        mwaaBucket: 'mwaa-dags-bucket',
      }),
    );
    assert.deepEqual(placeholdersIn(kit), []);
    assert.match(kit['mwaa-databricks/steps.md'], /s3:\/\/mwaa-dags-bucket\/dags\//);
    assert.match(
      kit['mwaa-databricks/steps.md'],
      /`databricks_notebook_dir` = `\/Workspace\/Users\/me@example\.com\/pinterest-pipeline\/databricks`/,
    );
    assert.match(kit['README.md'], /No placeholders left\./);
  });

  test('the script prints, for each placeholder left, the option or file key that fills it; README.md says the same', async () => {
    const printed = collect();
    const previous = process.env.PP_CREDENTIALS_DIR;
    process.env.PP_CREDENTIALS_DIR = emptyCredentials;
    try {
      const result = await awsKitMain(
        ['--out', path.join(work, 'printed'), '--account-id', '123456789012', '--mwaa-bucket', 'mwaa-dags-bucket'],
        { out: printed.stream },
      );
      assert.ok(result);
      assert.ok(
        !result.placeholders.includes('<your-aws-account-id>') && !result.placeholders.includes('<your-mwaa-bucket>'),
      );
      for (const placeholder of result.placeholders) {
        assert.ok(printed.text().includes(`  ${placeholder}: ${PLACEHOLDER_FILLED_BY[placeholder]}\n`), placeholder);
      }
      assert.match(printed.text(), /<your-databricks-workspace-url>: host in credentials\/databricks\.yaml/);
      assert.doesNotMatch(printed.text(), /see --help/);
      const readme = await readFile(path.join(work, 'printed', 'README.md'), 'utf8');
      assert.match(readme, /\| `<your-msk-bootstrap-servers>` \| `npm run aws:kit -- --bootstrap-servers \.\.\.` \|/);
    } finally {
      if (previous === undefined) delete process.env.PP_CREDENTIALS_DIR;
      else process.env.PP_CREDENTIALS_DIR = previous;
    }
  });
});
