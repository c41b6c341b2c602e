import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { createTopics } from '../../src/emulation/create-topics';
import { createHttpClient } from '../../src/http-client';
import {
  EPHEMERAL_PORTS,
  readRunningStack,
  startLocalStack,
  STACK_FILE,
  type LocalStack,
} from '../../src/local-stack/start-local-stack';
import { readStreamRecord, runSampleRoundTrip } from '../../src/local-stack/sample-roundtrip';
import { startKinesisServer } from '../../src/local-stack/kinesis-server';

const REPO = path.resolve(__dirname, '../..');

/** Local addresses of the TCP sockets this process is listening on, from /proc/net/tcp{,6}. */
async function listeningAddresses(): Promise<string[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    let link: string;
    try {
      link = await readlink(`/proc/self/fd/${fd}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // closed meanwhile (the readdir's own fd)
      throw error;
    }
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode) inodes.add(inode);
  }
  const found: string[] = [];
  for (const [file, v6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    const text = existsSync(file) ? await readFile(file, 'utf8') : '';
    for (const line of text.split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      if (columns.length < 10) continue;
      const [, local, , state] = columns;
      if (state !== '0A' || !inodes.has(columns[9])) continue; // 0A = LISTEN
      found.push(decodeProcAddress(local, v6));
    }
  }
  return found;
}

/** `0100007F:1F90` → `127.0.0.1:8080`; IPv6 as 32 hex digits in four little-endian words. */
function decodeProcAddress(hexAddress: string, v6: boolean): string {
  const [hex, portHex] = hexAddress.split(':');
  const port = parseInt(portHex, 16);
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (!v6) return `${bytes.join('.')}:${port}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16));
  const text = groups.join(':');
  if (text === '0:0:0:0:0:0:0:1') return `[::1]:${port}`;
  if (text.startsWith('0:0:0:0:0:ffff:')) return `[::ffff:${bytes.slice(12).join('.')}]:${port}`;
  return `[${text}]:${port}`;
}

const isLoopback = (address: string) => /^(127\.0\.0\.1|\[::1\]|\[::ffff:127\.0\.0\.1\]):\d+$/.test(address);

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

const portOf = (url: string) => Number(new URL(url).port);

async function waitForObject(stack: LocalStack, key: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const object = await stack.s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: key }));
      return await object.Body!.transformToString('utf8');
    } catch (error) {
      if ((error as { name?: string }).name !== 'NoSuchKey' || Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('startLocalStack on ephemeral ports', () => {
  let dir: string;
  let stack: LocalStack;
  const userId = `t${randomUUID().slice(0, 8)}`;
  const logLines: string[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-stack-'));
    stack = await startLocalStack({
      dataDir: path.join(dir, 'data'),
      ports: EPHEMERAL_PORTS,
      userId,
      fresh: true,
      provision: true,
      logger: { info: (m) => logLines.push(m), warn: (m) => logLines.push(m), error: (m) => logLines.push(m) },
    });
  });

  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('endpoints are loopback URLs; names follow the user id', () => {
    assert.match(stack.endpoints.invokeUrl, /^http:\/\/127\.0\.0\.1:\d+\/prod$/);
    for (const url of [stack.endpoints.restProxy, stack.endpoints.s3, stack.endpoints.kinesis])
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(stack.bucket, `user-${userId}-bucket`);
    assert.deepEqual(stack.names.topics, { pin: `${userId}.pin`, geo: `${userId}.geo`, user: `${userId}.user` });
  });

  test('nothing listens on a non-loopback address', async () => {
    const addresses = await listeningAddresses();
    assert.ok(addresses.length >= 4, `expected the 4 servers among ${addresses.join(', ')}`);
    for (const port of Object.values(stack.endpoints).map(portOf)) {
      assert.ok(
        addresses.some((a) => a.endsWith(`:${port}`)),
        `port ${port} not found listening in ${addresses.join(', ')}`,
      );
    }
    assert.deepEqual(
      addresses.filter((a) => !isLoopback(a)),
      [],
    );
  });

  test('the topics and streams of the user exist', async () => {
    assert.deepEqual(
      (await stack.store.listTopics()).map((t) => t.name).sort(),
      Object.values(stack.names.topics).sort(),
    );
    const { StreamNames } = await stack.kinesis.send(new ListStreamsCommand({}));
    assert.deepEqual([...(StreamNames ?? [])].sort(), Object.values(stack.names.streams).sort());
  });

  test('a course-shaped produce through the invoke URL lands in S3 under the exact key', async () => {
    const topic = stack.names.topics.geo;
    const row = {
      ind: 1,
      timestamp: '2020-08-28 03:52:47',
      latitude: -89.9787,
      longitude: -173.293,
      country: 'Albania',
    };
    const response = await fetch(`${stack.endpoints.invokeUrl}/topics/${topic}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.kafka.json.v2+json' },
      body: JSON.stringify({ records: [{ value: row }] }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { offsets: { partition: number; offset: number }[] };
    assert.deepEqual(
      body.offsets.map((o) => [o.partition, o.offset]),
      [[0, 0]],
    );
    const content = await waitForObject(stack, `topics/${topic}/partition=0/${topic}+0+0000000000.json`);
    assert.equal(content, `${JSON.stringify(row)}\n`);
  });

  test('a stream record put through the invoke URL reads back', async () => {
    const stream = stack.names.streams.user;
    const row = { ind: 1, first_name: 'Abigail', last_name: 'Ali', age: 20, date_joined: '2015-10-24 11:23:51' };
    const response = await fetch(`${stack.endpoints.invokeUrl}/streams/${stream}/record`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ StreamName: stream, Data: row, PartitionKey: 'partition-1' }),
    });
    assert.equal(response.status, 200);
    const { ShardId, SequenceNumber } = (await response.json()) as { ShardId: string; SequenceNumber: string };
    assert.equal(await readStreamRecord(stack.kinesis, stream, ShardId, SequenceNumber), JSON.stringify(row));
  });

  test('the sample round trip reports where each record landed', async () => {
    const before = await stack.s3.send(new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: 'topics/' }));
    const result = await runSampleRoundTrip(stack);
    assert.deepEqual(
      result.batch.map((b) => b.table),
      ['pin', 'geo', 'user'],
    );
    for (const landing of result.batch) {
      // Its own topics, which the sink copies and no reader of the learner's tables lists.
      assert.equal(landing.topic, `${stack.userId}.sample.${landing.table}`);
      assert.equal(
        landing.key,
        `topics/${landing.topic}/partition=0/${landing.topic}+0+${String(landing.offset).padStart(10, '0')}.json`,
      );
      assert.equal(landing.content, `${JSON.stringify(landing.value)}\n`);
    }
    const listed = await stack.s3.send(new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: 'topics/' }));
    assert.equal(listed.KeyCount, (before.KeyCount ?? 0) + 3);
    for (const table of ['pin', 'geo', 'user'] as const)
      assert.equal(
        await stack.store.endOffset(stack.names.topics[table], 0),
        table === 'geo' ? 1 : 0,
        `${table}: the learner's topic got no sample record`,
      );
    for (const landing of result.streaming) {
      assert.equal(landing.stream, `streaming-${stack.userId}-sample-${landing.table}`);
      assert.match(landing.shardId, /^shardId-\d{12}$/);
      assert.deepEqual(
        JSON.parse(landing.data),
        (result.batch.find((b) => b.table === landing.table) ?? assert.fail()).value,
      );
    }
  });

  test("a mistyped topic is auto-created, said so in the log, and copied by the course's topics.regex=<user_id>.*", async () => {
    const produce = (topic: string) =>
      fetch(`${stack.endpoints.invokeUrl}/topics/${topic}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/vnd.kafka.json.v2+json' },
        body: JSON.stringify({ records: [{ value: { index: 7 } }] }),
      });
    const typo = `${userId}_pin`;
    assert.equal((await produce(typo)).status, 200);
    assert.ok(await stack.store.getTopic(typo));
    const said = logLines.find((line) => line.includes(`'${typo}'`));
    assert.ok(said, logLines.join('\n'));
    assert.match(
      said,
      /created it \(auto\.create\.topics\.enable=true.*the S3 sink copies it.*--no-auto-create-topics/,
    );
    assert.equal(await waitForObject(stack, `topics/${typo}/partition=0/${typo}+0+0000000000.json`), '{"index":7}\n');
    // A topic outside the pattern: the log says its records will not reach S3.
    assert.equal((await produce('someone-else.pin')).status, 200);
    assert.match(
      logLines.find((line) => line.includes("'someone-else.pin'")) ?? '',
      new RegExp(`copies only topics matching topics\\.regex=${userId}\\.\\*, so its records will not reach S3`),
    );
  });

  test('with auto-creation off, a produce to a missing topic is 404 40401 and creates nothing', async () => {
    const strict = await startLocalStack({
      dataDir: path.join(dir, 'strict'),
      ports: EPHEMERAL_PORTS,
      userId,
      autoCreateTopics: false,
      provision: true,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    try {
      const response = await fetch(`${strict.endpoints.invokeUrl}/topics/${userId}_pin`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/vnd.kafka.json.v2+json' },
        body: JSON.stringify({ records: [{ value: { index: 7 } }] }),
      });
      assert.deepEqual(
        [response.status, await response.json()],
        [404, { error_code: 40401, message: 'Topic not found.' }],
      );
      assert.equal(await strict.store.getTopic(`${userId}_pin`), undefined);
      assert.ok(await strict.store.getTopic(strict.names.topics.pin), 'the provisioned topics exist');
    } finally {
      await strict.stop();
    }
  });

  test('stack.json tells other processes where the stack is', async () => {
    const running = await readRunningStack(path.join(dir, 'data'));
    assert.equal(running?.pid, process.pid);
    assert.deepEqual(running?.endpoints, stack.endpoints);
    assert.equal(running?.bucket, stack.bucket);
    await assert.rejects(
      startLocalStack({ dataDir: path.join(dir, 'data'), ports: EPHEMERAL_PORTS }),
      /already running/,
    );
  });
});

describe('startLocalStack lifecycle', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-stack-life-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('stop() leaves nothing listening, removes stack.json, and can be called twice', async () => {
    const dataDir = path.join(dir, 'stop');
    const stack = await startLocalStack({ dataDir, ports: EPHEMERAL_PORTS });
    const ports = Object.values(stack.endpoints).map(portOf);
    assert.ok(existsSync(path.join(dataDir, STACK_FILE)));
    await stack.stop();
    await stack.stop();
    assert.deepEqual(await listeningAddresses(), []);
    for (const port of ports) assert.ok(await refusesConnections(port), `port ${port} still accepts connections`);
    assert.equal(existsSync(path.join(dataDir, STACK_FILE)), false);
    assert.equal(await readRunningStack(dataDir), undefined);
  });

  test('data survives a restart; fresh discards it', async () => {
    const dataDir = path.join(dir, 'restart');
    const first = await startLocalStack({ dataDir, ports: EPHEMERAL_PORTS });
    await runSampleRoundTrip(first);
    await first.stop();

    const second = await startLocalStack({ dataDir, ports: EPHEMERAL_PORTS });
    try {
      const pinTopic = `${second.userId}.sample.pin`;
      assert.equal(await second.store.endOffset(pinTopic, 0), 1);
      const again = await runSampleRoundTrip(second);
      assert.equal(again.batch[0].offset, 1, 'offsets continue after a restart');
      const listed = await second.s3.send(
        new ListObjectsV2Command({ Bucket: second.bucket, Prefix: `topics/${pinTopic}/` }),
      );
      assert.equal(listed.KeyCount, 2, 'the sink does not write the first object again');
    } finally {
      await second.stop();
    }

    const fresh = await startLocalStack({ dataDir, ports: EPHEMERAL_PORTS, fresh: true });
    try {
      await assert.rejects(fresh.store.endOffset(`${fresh.userId}.sample.pin`, 0), /does not exist/);
      const listed = await fresh.s3.send(new ListObjectsV2Command({ Bucket: fresh.bucket }));
      assert.equal(listed.KeyCount ?? 0, 0);
    } finally {
      await fresh.stop();
    }
  });

  test('a taken port fails with one line naming the flag, and nothing is left running', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await assert.rejects(
        startLocalStack({ dataDir: path.join(dir, 'taken'), ports: { ...EPHEMERAL_PORTS, restProxy: port } }),
        (error: Error) => {
          assert.equal(error.message, `port ${port} is in use; stop the other process or pass --rest-proxy-port`);
          assert.equal((error as { code?: string }).code, 'PORT_IN_USE');
          return true;
        },
      );
      assert.deepEqual(
        (await listeningAddresses()).filter((a) => !a.endsWith(`:${port}`)),
        [],
      );
    } finally {
      blocker.close();
    }
  });

  test('Kinesis data held by another kinesalite is a clear error, not a crash', async () => {
    const kinesisDir = path.join(dir, 'kinesis-locked');
    const first = await startKinesisServer({ dir: kinesisDir });
    try {
      await assert.rejects(startKinesisServer({ dir: kinesisDir }), { code: 'KINESIS_DATA_LOCKED' });
    } finally {
      await first.close();
    }
  });

  test('a temporary stack removes its folder on stop', async () => {
    const stack = await startLocalStack({ temporary: true, ports: EPHEMERAL_PORTS });
    assert.ok(existsSync(stack.dataDir));
    await stack.stop();
    assert.equal(existsSync(stack.dataDir), false);
  });
});

describe('npm run stack (scripts/stack.ts) as a child process', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-stack-cli-'));
    await mkdir(path.join(dir, 'credentials'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function runStack(args: string[]): ChildProcessWithoutNullStreams {
    return spawn(process.execPath, ['--import', 'tsx', 'scripts/stack.ts', ...args], {
      cwd: REPO,
      env: { ...process.env, PP_CREDENTIALS_DIR: path.join(dir, 'credentials') },
    });
  }

  function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
    return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  test('prints its endpoints within 5 s; SIGINT exits 0 promptly and removes stack.json', async (t) => {
    const dataDir = path.join(dir, 'data');
    const started = Date.now();
    const child = runStack([
      '--data-dir',
      dataDir,
      '--gateway-port',
      '0',
      '--rest-proxy-port',
      '0',
      '--s3-port',
      '0',
      '--kinesis-port',
      '0',
      '--user-id',
      'cli-user',
    ]);
    const exit = exited(child);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('press Ctrl-C to stop')) resolve();
        });
        void exit.then((code) => reject(new Error(`stack exited early with ${code}: ${stderr}`)));
      });
      const startupMs = Date.now() - started;
      t.diagnostic(`endpoints printed ${startupMs} ms after spawning node`);
      assert.ok(startupMs < 5_000, `endpoints printed after ${startupMs} ms`);
      const invokeUrl = /invoke URL\s+(http:\/\/127\.0\.0\.1:\d+\/prod)/.exec(stdout)?.[1];
      assert.ok(invokeUrl, stdout);
      for (const name of ['REST proxy', 'S3', 'Kinesis'])
        assert.match(stdout, new RegExp(`${name}\\s+http://127\\.0\\.0\\.1:[1-9]\\d*`));
      assert.match(stdout, /user-cli-user-bucket/);

      const running = await readRunningStack(dataDir);
      assert.equal(running?.pid, child.pid);
      assert.equal(running?.endpoints.invokeUrl, invokeUrl);
      // The stack starts with no topics or streams: creating them is the learner's step, and the banner says so.
      const streams = (await (await fetch(`${invokeUrl}/streams`)).json()) as { StreamNames: string[] };
      assert.deepEqual(streams.StreamNames, []);
      assert.match(
        stdout,
        /topics\s+cli-user\.pin, cli-user\.geo, cli-user\.user {2}\(not created yet: npm run create-topics\)/,
      );
      assert.match(stdout, /S3 sink\s+flush\.size 500, topics\.regex cli-user\.\*/);

      const stopAt = Date.now();
      child.kill('SIGINT');
      assert.equal(await exit, 0, stderr);
      t.diagnostic(`exited ${Date.now() - stopAt} ms after SIGINT`);
      assert.ok(Date.now() - stopAt < 3_000, `took ${Date.now() - stopAt} ms to stop`);
      assert.equal(existsSync(path.join(dataDir, STACK_FILE)), false);
      assert.match(stderr, /local stack stopped/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('a taken port exits 1 with a one-line error', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const child = runStack([
        '--data-dir',
        path.join(dir, 'taken'),
        '--gateway-port',
        String(port),
        '--rest-proxy-port',
        '0',
        '--s3-port',
        '0',
        '--kinesis-port',
        '0',
      ]);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      assert.equal(await exited(child), 1);
      const errors = stderr.split('\n').filter((line) => line.startsWith('error:'));
      assert.deepEqual(errors, [`error: port ${port} is in use; stop the other process or pass --gateway-port`]);
    } finally {
      blocker.close();
    }
  });

  test('--no-auto-create-topics refuses produces to missing topics', async () => {
    const dataDir = path.join(dir, 'no-auto');
    const child = runStack([
      '--data-dir',
      dataDir,
      '--gateway-port',
      '0',
      '--rest-proxy-port',
      '0',
      '--s3-port',
      '0',
      '--kinesis-port',
      '0',
      '--user-id',
      'cli-strict',
      '--no-auto-create-topics',
    ]);
    const exit = exited(child);
    let stdout = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('press Ctrl-C to stop')) resolve();
        });
        void exit.then((code) => reject(new Error(`stack exited early with ${code}`)));
      });
      const invokeUrl = /invoke URL\s+(http:\/\/127\.0\.0\.1:\d+\/prod)/.exec(stdout)?.[1] as string;
      const post = (topic: string) =>
        fetch(`${invokeUrl}/topics/${topic}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/vnd.kafka.json.v2+json' },
          body: '{"records":[{"value":1}]}',
        });
      assert.equal((await post('cli-strict.pinn')).status, 404);
      assert.equal((await post('cli-strict.pin')).status, 404, 'not created yet');
      const restProxy = createHttpClient({
        baseUrl: /REST proxy\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] as string,
      });
      try {
        await createTopics(restProxy, ['cli-strict.pin']);
      } finally {
        restProxy.close();
      }
      assert.equal((await post('cli-strict.pin')).status, 200, 'once created, it takes records');
      child.kill('SIGINT');
      assert.equal(await exit, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('--help prints the options and exits 0', async () => {
    const child = runStack(['--help']);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    assert.equal(await exited(child), 0);
    for (const flag of [
      '--data-dir',
      '--fresh',
      '--gateway-port',
      '--rest-proxy-port',
      '--s3-port',
      '--kinesis-port',
      '--flush-size',
      '--user-id',
      '--no-auto-create-topics',
    ])
      assert.match(stdout, new RegExp(flag));
  });
});
