/**
 * The doctor against the local stack (free ports, a temporary folder, a unique user id): every hop
 * healthy gives six ✅ lines and a passing report; then each hop is broken once and its ❌ line,
 * the fix and the failing report are checked. `main` runs with an injected configuration.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import {
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { loadConfig, namesFor, type MysqlSourceConfig } from '../../src/config';
import { localDoctorTarget, type DoctorTarget } from '../../src/doctor/doctor-target';
import { runDoctor, type DoctorReport } from '../../src/doctor/run-doctor';
import { type HopResult } from '../../src/doctor/hops';
import {
  ensureStreams,
  EPHEMERAL_PORTS,
  startLocalStack,
  type LocalStack,
} from '../../src/local-stack/start-local-stack';
import { startGateway } from '../../src/local-stack/gateway';
import { listObjects } from '../../src/s3-list';
import { main as doctorMain } from '../../scripts/doctor';
import {
  acceptingMysql,
  closedPort,
  collector,
  fakeDatabricks,
  quietLogger,
  type FakeDatabricks,
  type FakeMysql,
} from './helpers';

const HOPS = ['invoke URL', 'REST proxy topics', 'S3 sink', 'Kinesis streams', 'database', 'Databricks'];
const GOOD_TOKEN = 'dapi-doctor-good-token';

function mysqlAt(port: number): MysqlSourceConfig {
  return {
    kind: 'mysql',
    host: '127.0.0.1',
    port,
    user: 'learner',
    password: 'secret-pw',
    database: 'pinterest_data',
    file: 'credentials/db_creds.yaml',
  };
}

/** The result of `hop`, with the report's line for it. */
function hop(report: DoctorReport, name: string): { result: HopResult; line: string } {
  const index = report.results.findIndex((r) => r.hop === name);
  assert.ok(index >= 0, `no ${name} hop`);
  return { result: report.results[index], line: report.lines[index] };
}

function assertOnlyFailure(report: DoctorReport, name: string, line: RegExp): void {
  const context = report.lines.join('\n');
  assert.equal(report.ok, false, context);
  const { result, line: text } = hop(report, name);
  assert.equal(result.status, 'failed', context);
  assert.match(text, new RegExp(`^❌ ${name}: `), context);
  assert.match(text, / — fix: \S/, context);
  assert.match(text, line, context);
}

async function waitUntilGone(kinesis: KinesisClient, stream: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return;
      throw error;
    }
    await sleep(25);
  }
  throw new Error(`${stream} was not deleted`);
}

describe('npm run doctor against the local stack', { timeout: 180_000 }, () => {
  const userId = `doc-${randomBytes(4).toString('hex')}`;
  let dir: string;
  let stack: LocalStack;
  let db: FakeMysql;
  let dbx: FakeDatabricks;
  /** A target on the shared stack with every hop configured; `viaSdk` picks the streams' path. */
  let healthy: (viaSdk: boolean, extra?: Partial<DoctorTarget>) => DoctorTarget;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-doctor-'));
    stack = await startLocalStack({
      dataDir: path.join(dir, 'stack'),
      ports: EPHEMERAL_PORTS,
      userId,
      provision: true,
      logger: quietLogger,
    });
    db = await acceptingMysql();
    dbx = await fakeDatabricks(GOOD_TOKEN);
    healthy = (viaSdk, extra = {}) => ({
      ...localDoctorTarget(
        { ...stack, close: async () => undefined },
        {
          viaSdk,
          database: mysqlAt(db.port),
          databricks: { host: dbx.host, token: GOOD_TOKEN, clusterId: '0101-abc' },
        },
      ),
      ...extra,
    });
  });

  after(async () => {
    await stack?.stop();
    await db?.close();
    await dbx?.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const viaSdk of [false, true]) {
    test(`every hop healthy (streams ${viaSdk ? 'through the SDK' : 'through the gateway'}): six ✅ in order, ok`, async () => {
      const report = await runDoctor(healthy(viaSdk));
      const context = report.lines.join('\n');
      assert.equal(report.ok, true, context);
      assert.deepEqual(
        report.results.map((r) => r.hop),
        HOPS,
      );
      assert.deepEqual(
        report.results.map((r) => r.status),
        HOPS.map(() => 'ok'),
        context,
      );
      report.lines.forEach((line, i) => assert.match(line, new RegExp(`^✅ ${HOPS[i]}: \\S`), context));
      assert.match(report.marker, /^doctor-[0-9a-f]{12}$/);
      // The marked record really is in S3, under the doctor's own topic, not the learner's.
      assert.ok((await listObjects(stack.s3, stack.bucket, `topics/${userId}.doctor/`)).length > 0);
      assert.deepEqual(await listObjects(stack.s3, stack.bucket, `topics/${userId}.pin/`), []);
      assert.match(
        hop(report, 'S3 sink').line,
        new RegExp(
          `s3://${stack.bucket}/topics/${userId}\\.doctor/partition=0/${userId}\\.doctor\\+0\\+\\d{10}\\.json`,
        ),
      );
      assert.match(
        hop(report, 'Kinesis streams').line,
        new RegExp(`streaming-${userId}-doctor took the marked record and was deleted`),
      );
      assert.match(hop(report, 'Kinesis streams').line, viaSdk ? /\(SDK\)$/ : /gateway's \/streams routes/);
      assert.ok(db.queries.includes('SELECT 1 AS ok'));
      assert.deepEqual(dbx.requests.at(-1), {
        line: 'GET /api/2.0/clusters/get?cluster_id=0101-abc',
        authorization: `Bearer ${GOOD_TOKEN}`,
      });
    });
  }

  test("no trace in the learner's streams: they hold no record; the doctor's own stream is gone after the check", async () => {
    for (const viaSdk of [false, true]) {
      const report = await runDoctor(healthy(viaSdk));
      assert.equal(report.ok, true, report.lines.join('\n'));
      await waitUntilGone(stack.kinesis, `streaming-${userId}-doctor`);
    }
    for (const stream of Object.values(stack.names.streams)) {
      const { ShardIterator } = await stack.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const { Records } = await stack.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
      assert.deepEqual(Records ?? [], [], `${stream} holds a record of the doctor`);
    }
  });

  test('a topic that does not exist yet on a broker without auto-creation: the doctor creates its own topic first', async () => {
    const otherUser = `doc-noauto-${randomBytes(3).toString('hex')}`;
    const strict = await startLocalStack({
      temporary: true,
      ports: EPHEMERAL_PORTS,
      userId: otherUser,
      autoCreateTopics: false,
      provision: true,
      logger: quietLogger,
    });
    try {
      const report = await runDoctor(localDoctorTarget({ ...strict, close: async () => undefined }, { viaSdk: true }));
      assert.equal(hop(report, 'S3 sink').result.status, 'ok', report.lines.join('\n'));
      assert.match(hop(report, 'S3 sink').line, new RegExp(`topics/${otherUser}\\.doctor/`));
    } finally {
      await strict.stop();
    }
  });

  test('hop 1 broken: an invoke URL where nothing listens', async () => {
    const port = await closedPort();
    const report = await runDoctor(healthy(false, { invokeUrl: `http://127.0.0.1:${port}/prod` }));
    assertOnlyFailure(
      report,
      'invoke URL',
      new RegExp(`no answer from http://127\\.0\\.0\\.1:${port}/prod \\(ECONNREFUSED\\)`),
    );
    // What needs the invoke URL is not checked; what does not, still is.
    assert.deepEqual(
      report.results.map((r) => r.status),
      ['failed', 'skipped', 'skipped', 'skipped', 'ok', 'ok'],
      report.lines.join('\n'),
    );
    assert.match(hop(report, 'REST proxy topics').line, /^– REST proxy topics: not checked/);
  });

  test('hop 1 broken: a stage that is not deployed (403 Missing Authentication Token)', async () => {
    const invokeUrl = stack.endpoints.invokeUrl.replace(/\/prod$/, '/dev');
    const report = await runDoctor(healthy(false, { invokeUrl }));
    assertOnlyFailure(report, 'invoke URL', /403 Missing Authentication Token/);
    assert.match(hop(report, 'invoke URL').line, /fix: the API Gateway stage is not deployed/);
  });

  test('hop 2 broken: a user id whose topics do not exist', async () => {
    const other = `doc-missing-${randomBytes(3).toString('hex')}`;
    const names = namesFor(other);
    const report = await runDoctor(healthy(false, { userId: other, topics: names.topics }));
    assertOnlyFailure(
      report,
      'REST proxy topics',
      new RegExp(`but not ${other}\\.pin, ${other}\\.geo, ${other}\\.user`),
    );
    assert.match(hop(report, 'REST proxy topics').line, /fix: create them: npm run create-topics/);
    assert.equal(hop(report, 'S3 sink').result.status, 'skipped');
    assert.equal(report.results.filter((r) => r.status === 'failed').length, 1, report.lines.join('\n'));
  });

  test('hop 3 broken: a sink whose topics.regex does not match the user topics', async () => {
    const otherUser = `doc-sink-${randomBytes(3).toString('hex')}`;
    const noCopy = await startLocalStack({
      temporary: true,
      ports: EPHEMERAL_PORTS,
      userId: otherUser,
      sink: { topicsRegex: 'nobody\\..*' },
      provision: true,
      logger: quietLogger,
    });
    try {
      const target = localDoctorTarget({ ...noCopy, close: async () => undefined }, { viaSdk: true });
      const report = await runDoctor(target, { sinkTimeoutMs: 1_500 });
      assertOnlyFailure(
        report,
        'S3 sink',
        new RegExp(
          `the marked record \\(${otherUser}\\.doctor partition 0 offset 0\\) is not in s3://user-${otherUser}-bucket/topics/${otherUser}\\.doctor/ after 2 s`,
        ),
      );
      assert.match(hop(report, 'S3 sink').line, /topics\.regex/);
      assert.deepEqual(
        report.results.map((r) => r.status),
        ['ok', 'ok', 'failed', 'ok', 'skipped', 'skipped'],
        report.lines.join('\n'),
      );
    } finally {
      await noCopy.stop();
    }
  });

  test('hop 2 broken: the REST proxy behind the gateway does not answer (the fix names the EC2 client on AWS)', async () => {
    const gateway = await startGateway({
      restProxyUrl: `http://127.0.0.1:${await closedPort()}`,
      kinesis: stack.kinesis,
      logger: quietLogger,
    });
    try {
      const local = await runDoctor(healthy(true, { invokeUrl: gateway.invokeUrl }));
      assertOnlyFailure(
        local,
        'REST proxy topics',
        /GET \/topics through the gateway answered 502 .*did not answer \(ECONNREFUSED\)/,
      );
      assert.equal(hop(local, 'invoke URL').result.status, 'ok');
      assert.equal(hop(local, 'S3 sink').result.status, 'skipped');
      const aws = await runDoctor(healthy(true, { invokeUrl: gateway.invokeUrl, kind: 'aws' }), { pollMs: 50 });
      assert.match(
        hop(aws, 'REST proxy topics').line,
        /fix: the REST proxy on the EC2 client is not running: start it with `\.\/kafka-rest-start \/home\/ec2-user\/confluent-7\.2\.0\/etc\/kafka-rest\/kafka-rest\.properties`/,
      );
    } finally {
      await gateway.close();
    }
  });

  test('hop 3 broken on an AWS-like target: the fix names the connector and its topics.regex', async () => {
    const otherUser = `doc-aws-${randomBytes(3).toString('hex')}`;
    const noCopy = await startLocalStack({
      temporary: true,
      ports: EPHEMERAL_PORTS,
      userId: otherUser,
      sink: { topicsRegex: 'nobody\\..*' },
      provision: true,
      logger: quietLogger,
    });
    try {
      const target = {
        ...localDoctorTarget({ ...noCopy, close: async () => undefined }, { viaSdk: true }),
        kind: 'aws' as const,
      };
      const report = await runDoctor(target, { sinkTimeoutMs: 1_000, pollMs: 100 });
      assertOnlyFailure(
        report,
        'S3 sink',
        new RegExp(
          `look at the MSK Connect connector ${otherUser}-connector: .*its topics\\.regex must match ${otherUser}\\.doctor \\(topics\\.regex=${otherUser}\\.\\*\\)`,
        ),
      );
    } finally {
      await noCopy.stop();
    }
  });

  test('hop 3 broken: the sink stopped', async () => {
    const otherUser = `doc-stop-${randomBytes(3).toString('hex')}`;
    const stopped = await startLocalStack({
      temporary: true,
      ports: EPHEMERAL_PORTS,
      userId: otherUser,
      provision: true,
      logger: quietLogger,
    });
    try {
      await stopped.sink.stop();
      const report = await runDoctor(localDoctorTarget({ ...stopped, close: async () => undefined }), {
        sinkTimeoutMs: 1_000,
      });
      assertOnlyFailure(report, 'S3 sink', /is not in s3:\/\//);
    } finally {
      await stopped.stop();
    }
  });

  test('hop 5 broken: the database port is closed', async () => {
    const port = await closedPort();
    const report = await runDoctor(healthy(true, { database: mysqlAt(port) }));
    assertOnlyFailure(report, 'database', new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    assert.match(hop(report, 'database').line, /fix: check HOST and PORT in credentials\/db_creds\.yaml/);
    assert.equal(report.results.filter((r) => r.status === 'failed').length, 1, report.lines.join('\n'));
    assert.doesNotMatch(report.lines.join('\n'), /secret-pw/);
  });

  test('hop 6 broken: Databricks answers 401 to the token', async () => {
    const report = await runDoctor(
      healthy(true, { databricks: { host: dbx.host, token: 'dapi-revoked-token', clusterId: '0101-abc' } }),
    );
    assertOnlyFailure(
      report,
      'Databricks',
      new RegExp(`${dbx.host.replace(/[.:/]/g, '\\$&')} refused the token \\(401\\)`),
    );
    assert.match(hop(report, 'Databricks').line, /fix: DATABRICKS_TOKEN is not valid/);
    assert.doesNotMatch(report.lines.join('\n'), /dapi-revoked-token/);
  });

  test('hop 6 broken: no DATABRICKS_TOKEN for a configured host', async () => {
    const report = await runDoctor(healthy(true, { databricks: { host: dbx.host } }));
    assertOnlyFailure(report, 'Databricks', /DATABRICKS_TOKEN is not set/);
  });

  test('nothing configured for the database and Databricks: – lines that do not fail', async () => {
    const report = await runDoctor(healthy(true, { database: undefined, databricks: undefined }));
    assert.equal(report.ok, true, report.lines.join('\n'));
    assert.match(hop(report, 'database').line, /^– database: not checked/);
    assert.match(hop(report, 'Databricks').line, /^– Databricks: not checked/);
  });

  test('main with an injected configuration: the running stack found in --data-dir, every hop ✅', async () => {
    const credentials = await mkdtemp(path.join(dir, 'credentials-'));
    const config = loadConfig({
      credentialsDir: credentials,
      env: {
        PP_USER_ID: userId,
        PP_SOURCE: 'mysql',
        DB_HOST: '127.0.0.1',
        DB_PORT: String(db.port),
        DB_USER: 'learner',
        DB_PASSWORD: 'pw',
        DB_DATABASE: 'pinterest_data',
        DATABRICKS_HOST: dbx.host,
        DATABRICKS_TOKEN: GOOD_TOKEN,
        DATABRICKS_CLUSTER_ID: '0101-abc',
        PP_KINESIS_VIA: 'gateway',
      },
    });
    const out = collector();
    const report = await doctorMain(['--local', '--data-dir', stack.dataDir, '--timeout', '10'], {
      config,
      out: out.stream,
    });
    assert.ok(report);
    const text = out.text();
    assert.match(
      text,
      new RegExp(
        `checking the local stack running from ${stack.dataDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} for user ${userId}`,
      ),
    );
    assert.equal(text.split('\n').filter((l) => l.startsWith('✅ ')).length, 6, text);
    assert.match(text, /every hop is healthy/);
    assert.ok(report.results.every((r) => r.status === 'ok'));
    // The stack found running is left running.
    assert.equal((await fetch(`${stack.endpoints.invokeUrl}/topics`)).status, 200);
  });

  test('main: a failing hop ends in DOCTOR_FAILED after the lines are printed', async () => {
    const credentials = await mkdtemp(path.join(dir, 'credentials-'));
    const config = loadConfig({
      credentialsDir: credentials,
      env: { PP_USER_ID: userId, DATABRICKS_HOST: dbx.host, DATABRICKS_TOKEN: 'dapi-wrong-one' },
    });
    const out = collector();
    await assert.rejects(
      doctorMain(['--local', '--data-dir', stack.dataDir], { config, out: out.stream }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'DOCTOR_FAILED');
        assert.match(error.message, /1 hop failed \(Databricks\)/);
        return true;
      },
    );
    assert.match(out.text(), /^❌ Databricks: .* refused the token \(401\)/m);
    assert.doesNotMatch(out.text(), /every hop is healthy/);
  });

  // Last: these delete a stream of the shared stack.
  for (const viaSdk of [false, true]) {
    test(`hop 4 broken: a stream deleted with the SDK (checked ${viaSdk ? 'through the SDK' : 'through the gateway'})`, async () => {
      const stream = stack.names.streams.geo;
      await stack.kinesis.send(new DeleteStreamCommand({ StreamName: stream }));
      await waitUntilGone(stack.kinesis, stream);
      try {
        const report = await runDoctor(healthy(viaSdk));
        assertOnlyFailure(report, 'Kinesis streams', new RegExp(`${stream} does not exist`));
        assert.match(hop(report, 'Kinesis streams').line, /fix: create it: npm run create-topics/);
        assert.equal(report.results.filter((r) => r.status === 'failed').length, 1, report.lines.join('\n'));
      } finally {
        await ensureStreams(stack.kinesis, [stream]);
      }
    });
  }
});
