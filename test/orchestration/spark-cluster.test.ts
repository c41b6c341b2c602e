/**
 * The notebooks on a Spark standalone cluster: `npm run spark:cluster`'s master and two workers on
 * 127.0.0.1 (PySpark's bin/spark-class, free ports), then `npm run spark -- … --master
 * spark://127.0.0.1:<port>` runs batch_clean and analysis over a sink folder and the stream
 * notebook over the local stack's Kinesis, in one session (one application on the cluster): the
 * same tables and answers as DuckDB. The cluster is
 * stopped at the end (SIGTERM), its processes gone.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { answerQuestions, type Answer } from '../../src/analysis/analyse';
import { cleanBatch } from '../../src/batch/run-batch';
import { folderSinkStore } from '../../src/batch/sink-folder';
import { namesFor, PROJECT_ROOT } from '../../src/config';
import { SQL_TABLES } from '../../src/contract/clean-schema';
import { TABLES, type TableKey } from '../../src/contract/tables';
import { openDatabase, queryRows } from '../../src/duckdb';
import { emulateStream, type AckedRecord } from '../../src/emulation/emulate-posts';
import { createSdkStreamTransport } from '../../src/emulation/kinesis-transport';
import { EmbeddedRowSource } from '../../src/source/embedded-source';
import { expectedTables, rowLines, stackPool, uniqueUser } from '../streaming/helpers';
import { pythonSkip, runPython, SPARK_RUNNER, VENV_PYTHON } from './python-env';
import { writeParitySink } from './spark-fixture';

const CLUSTER_SCRIPT = path.join(PROJECT_ROOT, 'src', 'orchestration', 'spark_cluster.py');
const POSTS = 1_000;
const pool = stackPool();

interface RunnerResults {
  session_seconds: number;
  notebooks: { notebook: string; seconds: number }[];
  cells: { notebook: string; language: string; rows: Record<string, unknown>[] | null }[];
}

function readJsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Starts `spark_cluster.py`; resolves with its master URL once it prints it. */
function startCluster(): Promise<{ child: ChildProcess; master: string; exited: Promise<number | null> }> {
  const child = spawn(VENV_PYTHON, [CLUSTER_SCRIPT], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /master (spark:\/\/127\.0\.0\.1:\d+) with 2 workers/.exec(stdout);
      if (match) resolve({ child, master: match[1], exited });
    });
    void exited.then((code) => reject(new Error(`spark_cluster.py exited with ${code}: ${stderr}`)));
  });
}

describe(
  'the notebooks on a Spark standalone cluster (a master and two workers on 127.0.0.1)',
  { skip: pythonSkip(), timeout: 1_800_000 },
  () => {
    let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
    let dir: string;
    const started = Date.now();

    before(async () => {
      dir = pool.tempDir('pp-spark-cluster-');
      cluster = await startCluster();
      console.log(`cluster ${cluster.master} up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
    after(async () => {
      await pool.cleanup();
      if (cluster && cluster.child.exitCode === null) {
        cluster.child.kill('SIGTERM');
        await cluster.exited;
      }
    });

    test("batch_clean, analysis and stream_kinesis.py in one run: the clean tables, the nine answers and the streaming tables equal DuckDB's", async () => {
      const stack = await pool.start({ provision: true, userId: uniqueUser('cluster').replace('-', '') });
      const { topics } = namesFor(stack.userId);
      await writeParitySink(path.join(dir, 'sink'), topics, POSTS);
      const acks: AckedRecord[] = [];
      await emulateStream({
        source: new EmbeddedRowSource({ rows: 11_153, seed: 3 }),
        transport: createSdkStreamTransport({ client: stack.kinesis }),
        names: stack.names,
        count: 500,
        batchSize: 100,
        onAck: (a) => acks.push(a),
      });
      const db = await openDatabase();
      const duckTables = {} as Record<TableKey, Record<string, unknown>[]>;
      let duckAnswers: Answer[];
      try {
        await cleanBatch({ connection: db.connection, store: folderSinkStore(path.join(dir, 'sink')), topics });
        for (const table of TABLES)
          duckTables[table] = await queryRows(db.connection, `SELECT * FROM ${SQL_TABLES[table]}`);
        duckAnswers = await answerQuestions(db.connection);
      } finally {
        db.close();
      }

      const runStarted = Date.now();
      const run = await runPython(
        [
          SPARK_RUNNER,
          ...['batch_clean.sql', 'analysis.sql', 'stream_kinesis.py'].map((f) =>
            path.join(PROJECT_ROOT, 'databricks', f),
          ),
          '--master',
          cluster?.master as string,
          '--user-id',
          stack.userId,
          '--sink',
          path.join(dir, 'sink'),
          '--kinesis-endpoint',
          stack.endpoints.kinesis,
          '--trigger',
          'availableNow',
          '--param',
          `region=${stack.region}`,
          '--param',
          `checkpoint_root=${path.join(dir, 'checkpoints')}`,
          '--results',
          path.join(dir, 'results.json'),
          '--export',
          path.join(dir, 'tables'),
          '--quiet',
        ],
        { timeoutMs: 25 * 60_000 },
      );
      assert.equal(run.code, 0, run.stderr.slice(-3000));
      const results = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as RunnerResults;
      console.log(
        `cluster run: ${((Date.now() - runStarted) / 1000).toFixed(1)} s (session ${results.session_seconds} s; ${results.notebooks.map((n) => `${n.notebook} ${n.seconds} s`).join(', ')}; ${POSTS} posts in the sink, ${acks.length} records in Kinesis)`,
      );

      for (const table of TABLES) {
        const rows = readJsonLines(path.join(dir, 'tables', `${stack.userId}_${SQL_TABLES[table]}.jsonl`));
        assert.equal(rows.length, duckTables[table].length, table);
        assert.deepEqual(rowLines(rows), rowLines(duckTables[table]), table);
      }
      const answers = results.cells.filter((c) => c.notebook === 'analysis.sql' && c.language === 'sql');
      assert.equal(answers.length, duckAnswers.length);
      answers.forEach((answer, i) =>
        assert.deepEqual(rowLines(answer.rows ?? []), rowLines(duckAnswers[i].rows), duckAnswers[i].question.id),
      );
      const expected = await expectedTables(acks);
      for (const table of TABLES) {
        const rows = rowLines(readJsonLines(path.join(dir, 'tables', `${stack.names.streamTables[table]}.jsonl`)));
        assert.equal(rows.length, expected[table].length, stack.names.streamTables[table]);
        assert.deepEqual(rows, expected[table], stack.names.streamTables[table]);
      }
    });

    test('the cluster stops on SIGTERM, every process with it', async () => {
      assert.ok(cluster);
      cluster.child.kill('SIGTERM');
      assert.equal(await cluster.exited, 0);
      const port = Number(cluster.master.split(':').pop());
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.on('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.on('error', () => resolve(true));
      });
      assert.ok(refused, `nothing listens on the master's port ${port} any more`);
      console.log(`cluster test: ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
    });
  },
);
