/**
 * databricks/stream_kinesis.py running as a stream on local Spark (`npm run spark --
 * databricks/stream_kinesis.py --kinesis-endpoint URL`), its `format("kinesis")` being the local
 * Kinesis source (src/orchestration/kinesis_source.py). Posts are emulated into the local stack's
 * Kinesis while the notebook runs (continuous trigger); the pin stream's shard is split during the
 * run, and the Spark driver is killed with SIGKILL while a micro-batch is in progress. Started again
 * from its checkpoints (availableNow), it leaves in the Delta tables `<user_id>_pin_table`,
 * `_geo_table`, `_user_table` exactly the distinct cleaned rows sent (none lost, none twice), which
 * are exactly the DuckDB consumer's streaming tables. One test, to pay for two Spark sessions only.
 * User ids are letters and digits here: a Hive metastore (`--warehouse`) takes no hyphen in a table name.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { emulateStream, type AckedRecord } from '../../src/emulation/emulate-posts';
import { createSdkStreamTransport } from '../../src/emulation/kinesis-transport';
import type { LocalStack } from '../../src/local-stack/start-local-stack';
import { EmbeddedRowSource } from '../../src/source/embedded-source';
import { consumeStreamsUntilIdle } from '../../src/streaming/consume-streams';
import { readStreamTable } from '../../src/streaming/stream-tables';
import { PROJECT_ROOT } from '../../src/config';
import { TABLES, type TableKey } from '../../src/contract/tables';
import { expectedTables, rowLines, shardId, splitShard, stackPool, uniqueUser } from '../streaming/helpers';
import { pythonSkip, runPython, SPARK_RUNNER, VENV_PYTHON } from './python-env';

const STREAM_NOTEBOOK = path.join(PROJECT_ROOT, 'databricks', 'stream_kinesis.py');
const pool = stackPool();
after(() => pool.cleanup());

const source = () => new EmbeddedRowSource({ rows: 11_153, seed: 7 });

function readJsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The runner's arguments for the stream notebook against `stack`, its tables and checkpoints under `dir`. */
function streamArgs(stack: LocalStack, dir: string, trigger: 'availableNow' | 'continuous'): string[] {
  return [
    SPARK_RUNNER,
    STREAM_NOTEBOOK,
    '--user-id',
    stack.userId,
    '--kinesis-endpoint',
    stack.endpoints.kinesis,
    '--trigger',
    trigger,
    '--param',
    `region=${stack.region}`,
    '--param',
    `checkpoint_root=${path.join(dir, 'checkpoints')}`,
    '--warehouse',
    path.join(dir, 'warehouse'),
  ];
}

/** The three Delta tables the notebook wrote, as sorted JSON lines (exported by the runner to `dir/tables`). */
function sparkTables(stack: LocalStack, dir: string): Record<TableKey, string[]> {
  return Object.fromEntries(
    TABLES.map((t) => [t, rowLines(readJsonLines(path.join(dir, 'tables', `${stack.names.streamTables[t]}.jsonl`)))]),
  ) as Record<TableKey, string[]>;
}

async function emulate(stack: LocalStack, count: number, acks: AckedRecord[], rate?: number): Promise<void> {
  await emulateStream({
    source: source(),
    transport: createSdkStreamTransport({ client: stack.kinesis }),
    names: stack.names,
    count,
    batchSize: 100,
    ...(rate ? { rate } : {}),
    onAck: (a) => acks.push(a),
  });
}

describe(
  "databricks/stream_kinesis.py streams the local stack's Kinesis on local Spark",
  { skip: pythonSkip(), timeout: 600_000 },
  () => {
    test("a shard split and the driver SIGKILLed mid-stream, then started again: the Delta tables hold exactly the DuckDB consumer's rows, none lost, none twice", async () => {
      const stack = await pool.start({ provision: true, userId: uniqueUser('spark').replace('-', '') });
      const dir = pool.tempDir('pp-spark-stream-kill-');
      const acks: AckedRecord[] = [];
      await emulate(stack, 1_000, acks);
      const driver = spawn(VENV_PYTHON, streamArgs(stack, dir, 'continuous'), {
        cwd: PROJECT_ROOT,
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      driver.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        driver.on('exit', (_code, signal) => resolve(signal)),
      );
      const batches = (kind: 'offsets' | 'commits') =>
        TABLES.map((t) => {
          const folder = path.join(dir, 'checkpoints', `${stack.userId}_${t}_table`, kind);
          return existsSync(folder) ? readdirSync(folder).filter((f) => /^\d+$/.test(f)).length : 0;
        });
      const waitFor = async (what: string, done: () => boolean) => {
        const deadline = Date.now() + 240_000;
        while (!done() && Date.now() < deadline && driver.exitCode === null)
          await new Promise((resolve) => setTimeout(resolve, 50));
        assert.ok(done(), `${what}:\n${stderr.slice(-2000)}`);
      };
      let posting: Promise<void> | undefined;
      try {
        await waitFor('every query committed its first micro-batch', () => Math.min(...batches('commits')) >= 1);
        // More posts while the queries run; the kill comes while a micro-batch of them is planned (its
        // offsets in the checkpoint) and not committed, so the restart must replay it.
        const committed = batches('commits');
        await splitShard(stack.kinesis, stack.names.streams.pin, shardId(0));
        posting = emulate(stack, 1_000, acks, 250);
        await waitFor('a micro-batch of the new posts in progress', () =>
          batches('offsets').some((n, i) => n > committed[i] && n > batches('commits')[i]),
        );
        process.kill(-(driver.pid as number), 'SIGKILL');
        assert.equal(await exited, 'SIGKILL');
        console.log(
          `spark driver killed with micro-batches planned ${batches('offsets').join('/')}, committed ${batches('commits').join('/')} (pin/geo/user), ${acks.length} records acknowledged`,
        );
      } finally {
        if (driver.exitCode === null && driver.signalCode === null) process.kill(-(driver.pid as number), 'SIGKILL');
      }

      await posting;
      const restarted = Date.now();
      const run = await runPython([...streamArgs(stack, dir, 'availableNow'), '--export', path.join(dir, 'tables')]);
      assert.equal(run.code, 0, run.stderr.slice(-3000));
      console.log(`restarted and drained in ${((Date.now() - restarted) / 1000).toFixed(1)} s`);
      const database = path.join(dir, 'streaming.duckdb');
      const duckdb = await consumeStreamsUntilIdle({
        kinesis: stack.kinesis,
        database,
        names: stack.names,
        idleMs: 800,
      });
      assert.equal(duckdb.tables.pin.shards, 3, 'the pin stream was split');

      const spark = sparkTables(stack, dir);
      const expected = await expectedTables(acks);
      for (const table of TABLES) {
        const duck = rowLines(await readStreamTable(database, stack.names.streamTables[table], table));
        assert.equal(
          spark[table].length,
          expected[table].length,
          `${table}: ${spark[table].length} rows in Delta, ${expected[table].length} distinct rows sent`,
        );
        assert.deepEqual(spark[table], expected[table], table);
        assert.equal(
          spark[table].length,
          duck.length,
          `${table}: ${spark[table].length} rows in Delta, ${duck.length} in DuckDB`,
        );
        assert.deepEqual(spark[table], duck, table);
      }
    });

    test('continuous: SIGTERM (as Ctrl-C) stops the streams, runs the cells after them and exits 0', async () => {
      const stack = await pool.start({ provision: true, userId: uniqueUser('spark').replace('-', '') });
      const dir = pool.tempDir('pp-spark-stream-term-');
      await emulate(stack, 100, []);
      const driver = spawn(
        VENV_PYTHON,
        [...streamArgs(stack, dir, 'continuous'), '--results', path.join(dir, 'results.json')],
        { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      driver.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => driver.on('exit', (code) => resolve(code)));
      try {
        const deadline = Date.now() + 240_000;
        while (!stderr.includes('streaming queries running') && Date.now() < deadline && driver.exitCode === null)
          await new Promise((resolve) => setTimeout(resolve, 50));
        assert.match(stderr, /spark: 3 streaming queries running \(.*\); Ctrl-C stops them/);
        driver.kill('SIGTERM');
        assert.equal(await exited, 0, stderr.slice(-2000));
      } finally {
        if (driver.exitCode === null) driver.kill('SIGKILL');
      }
      assert.match(stderr, /spark: stopping the streams\n/);
      const results = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as { cells: { cell: number }[] };
      assert.equal(
        Math.max(...results.cells.map((c) => c.cell)),
        6,
        'the last cell (the one that stops the streams) ran',
      );
    });
  },
);
