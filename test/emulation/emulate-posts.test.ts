import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  createQuarantine,
  EmulationFailedError,
  emulateBatch,
  emulatePosts,
  emulateStream,
  type AckedRecord,
} from '../../src/emulation/emulate-posts';
import type { EmulationSummary } from '../../src/emulation/ledger';
import { PipelineError } from '../../src/errors';
import { HttpStatusError } from '../../src/http-client';
import { unfinishedRunError } from '../../src/emulation/run-emulation';
import { formatSummary, reconciles } from '../../src/emulation/ledger';
import type { RecordOutcome } from '../../src/emulation/transport';
import { readableRow } from '../../src/emulation/serialise-row';
import { PREVIEW_CHARS } from '../../src/quarantine';
import { TABLES, type Post } from '../../src/contract/tables';
import { fakeSource, fakeTransport, makePost, NAMES, retriableError } from './helpers';
import { explainMysqlError } from '../../src/source/mysql-source';

/** Asserts the run fails with an EmulationFailedError whose one-line message matches; returns its summary. */
async function failedRun(run: Promise<EmulationSummary>, message: RegExp): Promise<EmulationSummary> {
  let summary: EmulationSummary | undefined;
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof EmulationFailedError, String(error));
    assert.equal(error.message.split('\n').length, 1);
    assert.match(error.message, message);
    summary = error.summary;
    return true;
  });
  return summary as EmulationSummary;
}

/** Fast back-off for tests. */
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5 };

describe('emulatePosts: accounting', () => {
  test('at most `concurrency` requests are in flight at once (the semaphore test, now of p-limit in the sender)', async () => {
    const transport = fakeTransport({ delayMs: 5 });
    let active = 0;
    let most = 0;
    const send = transport.send.bind(transport);
    transport.send = async (destination, records, signal) => {
      most = Math.max(most, ++active);
      try {
        return await send(destination, records, signal);
      } finally {
        active -= 1;
      }
    };
    const summary = await emulateBatch({
      source: fakeSource(100),
      transport,
      names: NAMES,
      count: 200,
      batchSize: 10,
      concurrency: 2,
    });
    assert.ok(summary.ok);
    assert.equal(most, 2, 'two requests in flight at most, and two at times');
  });

  test('sends count posts as three records each, in batches, and reconciles', async () => {
    const transport = fakeTransport();
    const summary = await emulateBatch({
      source: fakeSource(100),
      transport,
      names: NAMES,
      count: 1_234,
      batchSize: 200,
      concurrency: 3,
    });
    assert.equal(summary.posts, 1_234);
    assert.equal(summary.stoppedBy, 'count');
    for (const t of summary.tables) {
      assert.equal(t.read, 1_234);
      assert.equal(t.sent, 1_234);
      assert.equal(t.acked, 1_234);
      assert.equal(t.failed + t.quarantined + t.retried, 0);
      assert.equal(t.destination, NAMES.topics[t.table]);
      assert.equal(transport.stored.get(NAMES.topics[t.table])?.length, 1_234);
    }
    assert.ok(summary.ok && summary.reconciled);
    assert.ok(transport.requests.every((r) => r.records.length <= 200));
    assert.match(formatSummary(summary), /every record read was acknowledged or quarantined/);
  });

  test('the streaming path uses the stream names and the post id as partition key', async () => {
    const transport = fakeTransport({ path: 'stream' });
    const acks: AckedRecord[] = [];
    const summary = await emulateStream({
      source: fakeSource(50),
      transport,
      names: NAMES,
      count: 20,
      selection: 'sequential',
      onAck: (a) => acks.push(a),
    });
    assert.ok(summary.ok);
    assert.deepEqual(Object.keys(Object.fromEntries(transport.stored)).sort(), Object.values(NAMES.streams).sort());
    const pins = transport.stored.get(NAMES.streams.pin) ?? [];
    assert.deepEqual(
      pins.map((r) => r.key),
      Array.from({ length: 20 }, (_, i) => String(i)),
    );
    assert.equal(acks.length, 60);
  });

  test('random selection is seeded and allows repeats; sequential wraps around', async () => {
    const run = async (seed: number, selection: 'random' | 'sequential') => {
      const source = fakeSource(10);
      await emulatePosts({
        source,
        transport: fakeTransport(),
        destinations: NAMES.topics,
        count: 25,
        seed,
        selection,
        batchSize: 25,
      });
      return source.reads.flat();
    };
    const a = await run(7, 'random');
    assert.deepEqual(await run(7, 'random'), a);
    assert.notDeepEqual(await run(8, 'random'), a);
    assert.ok(new Set(a).size < a.length, 'repeats happen with 25 draws from 10 posts');
    assert.ok(a.every((p) => p >= 0 && p < 10));
    assert.deepEqual(await run(7, 'sequential'), [...Array(10).keys(), ...Array(10).keys(), 0, 1, 2, 3, 4]);
  });
});

describe('emulatePosts: retries', () => {
  test('a 500 or 429 for a whole request is retried until acknowledged', async () => {
    const transport = fakeTransport({
      script: (call) => {
        if (call % 3 === 0) throw retriableError(call % 2 ? 'HTTP 429' : 'HTTP 500');
        return undefined;
      },
    });
    const summary = await emulateBatch({
      source: fakeSource(100),
      transport,
      names: NAMES,
      count: 300,
      batchSize: 50,
      retry: FAST_RETRY,
    });
    assert.ok(summary.ok, formatSummary(summary));
    for (const t of summary.tables) {
      assert.equal(t.acked, 300);
      assert.ok(t.retried > 0);
      assert.equal(transport.stored.get(t.destination)?.length, 300, 'nothing stored twice');
    }
  });

  test('only the failed entries of a partial failure are resent', async () => {
    const transport = fakeTransport({
      path: 'stream',
      // Every request fails its odd entries, as Kinesis does with FailedRecordCount, until one is left.
      script: (_call, _destination, records) =>
        records.map((_r, i): RecordOutcome =>
          i % 2 === 1 && records.length > 1
            ? { ok: false, retriable: true, reason: 'ProvisionedThroughputExceededException: Rate exceeded' }
            : { ok: true },
        ),
    });
    const summary = await emulateStream({
      source: fakeSource(100),
      transport,
      names: NAMES,
      count: 100,
      batchSize: 100,
      retry: FAST_RETRY,
    });
    assert.ok(summary.ok, formatSummary(summary));
    const pinRequests = transport.requests.filter((r) => r.destination === NAMES.streams.pin);
    assert.equal(pinRequests[0].records.length, 100);
    assert.equal(pinRequests[1].records.length, 50, 'the resend holds only the failed half');
    assert.deepEqual(
      pinRequests[1].records,
      pinRequests[0].records.filter((_, i) => i % 2 === 1),
    );
    for (const t of summary.tables) {
      assert.equal(t.acked, 100);
      assert.equal(transport.stored.get(t.destination)?.length, 100);
      assert.ok(t.retried >= 50);
    }
  });

  test('records still failing when the retries are spent count as failed, and the run is not ok', async () => {
    const transport = fakeTransport({
      script: () => {
        throw retriableError('HTTP 503');
      },
    });
    const summary = await emulateBatch({
      source: fakeSource(10),
      transport,
      names: NAMES,
      count: 10,
      retry: { ...FAST_RETRY, retries: 2 },
    });
    assert.equal(summary.ok, false);
    assert.ok(summary.reconciled);
    for (const t of summary.tables) assert.deepEqual([t.read, t.acked, t.failed, t.retried], [10, 0, 10, 20]);
    assert.match(summary.reasons[0].reason, /HTTP 503/);
    assert.match(formatSummary(summary), /30 records neither acknowledged nor quarantined/);
    // What the scripts then fail with: one line, what failed and what to do.
    const error = unfinishedRunError(summary);
    assert.equal(error.code, 'RECORDS_FAILED');
    assert.match(
      error.message,
      /^30 of 30 records were neither acknowledged nor quarantined \(.*HTTP 503.*\); check that .+ answers, then run again$/,
    );
    assert.equal(error.message.split('\n').length, 1);
  });

  test('a refused request is split until the refused record is alone, which is quarantined', async () => {
    const transport = fakeTransport({
      script: (_call, _destination, records) => {
        if (records.some((r) => r.key === '13'))
          throw new HttpStatusError(422, 'rejected', 'POST /topics/x: HTTP 422 (42206) record 13 is malformed');
        return undefined;
      },
    });
    const quarantine = createQuarantine();
    const summary = await emulateBatch({
      source: fakeSource(40),
      transport,
      names: NAMES,
      count: 40,
      selection: 'sequential',
      batchSize: 40,
      quarantine,
      retry: FAST_RETRY,
    });
    assert.ok(summary.ok, formatSummary(summary));
    for (const t of summary.tables) assert.deepEqual([t.acked, t.quarantined, t.failed], [39, 1, 0]);
    assert.equal(quarantine.count, 3);
    assert.deepEqual(
      quarantine.entries().map((e) => e.id),
      ['13', '13', '13'],
    );
    assert.match(quarantine.entries()[0].reason, /HTTP 422/);
  });

  test('a record refused inside a 200 for good is quarantined, not retried', async () => {
    const transport = fakeTransport({
      script: (_call, _destination, records) =>
        records.map((r): RecordOutcome =>
          r.key === '3' ? { ok: false, retriable: false, reason: 'error_code 40005: bad record' } : { ok: true },
        ),
    });
    const summary = await emulateBatch({
      source: fakeSource(10),
      transport,
      names: NAMES,
      count: 10,
      selection: 'sequential',
      retry: FAST_RETRY,
    });
    assert.ok(summary.ok);
    for (const t of summary.tables) assert.deepEqual([t.acked, t.quarantined, t.retried], [9, 1, 0]);
  });

  test('a setup error (unknown topic) stops the run with a reason instead of retrying', async () => {
    const transport = fakeTransport({
      script: () => {
        throw new HttpStatusError(
          404,
          'fatal',
          'POST /topics/x: HTTP 404 (40401) Topic not found.; create the topics first',
        );
      },
    });
    const summary = await failedRun(
      emulateBatch({
        source: fakeSource(10_000),
        transport,
        names: NAMES,
        batchSize: 10,
        concurrency: 1,
        retry: FAST_RETRY,
      }),
      /^the batch path stopped after \d+ posts \(0 records acknowledged\): POST \/topics\/x: HTTP 404 \(40401\) Topic not found\.; create the topics first$/,
    );
    assert.equal(summary.stoppedBy, 'fatal');
    assert.equal(summary.ok, false);
    assert.ok(summary.reconciled, formatSummary(summary));
    assert.match(summary.fatalError ?? '', /Topic not found/);
    assert.ok(summary.posts < 100, 'stops reading soon after');
  });
});

describe('emulatePosts: unsendable rows', () => {
  test('oversized and unserialisable rows are quarantined with reasons; the run goes on', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pp-quarantine-'));
    const file = path.join(dir, 'q', 'emulation-stream.jsonl');
    const quarantine = createQuarantine(file);
    const make = (position: number): Post => {
      const post = makePost(position);
      if (position === 2) post.pin.description = 'x'.repeat(1024 * 1024);
      if (position === 4) (post.user as unknown as Record<string, unknown>).age = 20n;
      if (position === 6) (post.geo as unknown as Record<string, unknown>).latitude = Number.NaN;
      if (position === 8) {
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        (post.pin as unknown as Record<string, unknown>).tag_list = circular;
      }
      return post;
    };
    const transport = fakeTransport({ path: 'stream' });
    const summary = await emulateStream({
      source: fakeSource(10, make),
      transport,
      names: NAMES,
      count: 10,
      selection: 'sequential',
      quarantine,
    });
    quarantine.close();
    after(() => rmSync(dir, { recursive: true, force: true }));
    assert.ok(summary.ok, formatSummary(summary));
    const byTable = Object.fromEntries(summary.tables.map((t) => [t.table, t]));
    assert.deepEqual([byTable.pin.acked, byTable.pin.quarantined], [8, 2]);
    assert.deepEqual([byTable.geo.acked, byTable.geo.quarantined], [9, 1]);
    assert.deepEqual([byTable.user.acked, byTable.user.quarantined], [9, 1]);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { table: string; id: string; reason: string; row: unknown; rowChars?: number });
    assert.equal(lines.length, 4);
    const reason = (table: string, id: string) => lines.find((l) => l.table === table && l.id === id)?.reason ?? '';
    assert.match(reason('pin', '2'), /^oversized: 1,048,[0-9]{3} bytes, over the 1,048,576-byte limit per record$/);
    assert.match(reason('user', '4'), /unserialisable: \$\.age is a BigInt/);
    assert.match(reason('geo', '6'), /unserialisable: \$\.latitude is NaN/);
    assert.match(reason('pin', '8'), /circular/);
    const oversized = lines.find((l) => l.id === '2');
    assert.ok(
      typeof oversized?.row === 'string' && oversized.row.length <= 2_001 && (oversized.rowChars ?? 0) > 1_000_000,
      'the row is truncated in the file',
    );
    assert.equal(transport.stored.get(NAMES.streams.pin)?.length, 8);
  });

  test('the quarantine keeps a readable copy of each row, cut at PREVIEW_CHARS with its full length', () => {
    const circular: Record<string, unknown> = { n: 20n, nan: Number.NaN };
    circular.self = circular;
    const rows = [{ index: 1, title: 'fine' }, circular, { index: 2, description: 'x'.repeat(5_000) }];
    const quarantine = createQuarantine();
    for (const row of rows) quarantine.add({ table: 'pin', destination: 'topic', id: '1', reason: 'test', row });
    const entry = { table: 'pin', destination: 'topic', id: '1', reason: 'test' };
    const expected = [
      { ...entry, row: rows[0] },
      { ...entry, row: readableRow(rows[1]) },
      {
        ...entry,
        row: `${JSON.stringify(rows[2]).slice(0, PREVIEW_CHARS)}…`,
        rowChars: JSON.stringify(rows[2]).length,
      },
    ];
    assert.deepEqual(quarantine.entries(), expected);
    assert.equal(
      JSON.stringify(quarantine.entries()[1]),
      '{"table":"pin","destination":"topic","id":"1","reason":"test","row":{"n":"20n","nan":"NaN","self":"[circular]"}}',
    );
    const cut = quarantine.entries()[2];
    assert.ok(typeof cut.row === 'string' && cut.row.length === PREVIEW_CHARS + 1 && cut.row.endsWith('…'));
    assert.equal(cut.rowChars, JSON.stringify(rows[2]).length);
  });

  test('batches respect the per-request byte limit', async () => {
    const transport = fakeTransport({ limits: { maxRequestBytes: 2_000 } });
    const summary = await emulateBatch({ source: fakeSource(100), transport, names: NAMES, count: 100 });
    assert.ok(summary.ok);
    for (const request of transport.requests) {
      const bytes = request.records.reduce((n, r) => n + transport.recordBytes(r), 0);
      assert.ok(bytes <= 2_000, `${bytes} bytes in one request`);
    }
  });
});

describe('emulatePosts: pacing and stopping', () => {
  test('--rate paces posts per second', async () => {
    const started = Date.now();
    const summary = await emulateBatch({
      source: fakeSource(100),
      transport: fakeTransport(),
      names: NAMES,
      count: 60,
      rate: 100,
    });
    const seconds = (Date.now() - started) / 1000;
    assert.ok(summary.ok);
    assert.ok(seconds >= 0.45 && seconds < 2, `60 posts at 100/s took ${seconds} s`);
  });

  test('--duration stops reading and ends with everything acknowledged', async () => {
    const summary = await emulateBatch({
      source: fakeSource(100),
      transport: fakeTransport({ delayMs: 2 }),
      names: NAMES,
      durationMs: 300,
      rate: 200,
    });
    assert.equal(summary.stoppedBy, 'duration');
    assert.ok(summary.ok);
    assert.ok(summary.posts > 20 && summary.posts < 120, `${summary.posts} posts in 0.3 s at 200/s`);
  });

  test('the course pace sleeps 0-1 s before each post', async () => {
    const started = Date.now();
    const summary = await emulateBatch({
      source: fakeSource(100),
      transport: fakeTransport(),
      names: NAMES,
      count: 3,
      coursePace: true,
      seed: 1,
    });
    const seconds = (Date.now() - started) / 1000;
    assert.ok(summary.ok);
    assert.ok(seconds < 3.2, `${seconds} s`);
    assert.ok(seconds > 0.05);
  });

  test('an abort stops reading, lets requests in flight finish, and still returns the summary', async () => {
    const controller = new AbortController();
    const transport = fakeTransport({ delayMs: 20 });
    setTimeout(() => controller.abort(), 150);
    const summary = await emulateBatch({
      source: fakeSource(100),
      transport,
      names: NAMES,
      signal: controller.signal,
      batchSize: 20,
      concurrency: 2,
    });
    assert.equal(summary.stoppedBy, 'signal');
    assert.ok(summary.ok, formatSummary(summary));
    assert.ok(summary.posts > 0);
    for (const t of summary.tables) assert.equal(t.acked, summary.posts);
  });

  test('after the grace period, requests still in flight are cut off and counted as failed', async () => {
    const controller = new AbortController();
    const transport = fakeTransport({
      script: (call) => {
        if (call > 2) throw retriableError('HTTP 503');
        return undefined;
      },
    });
    setTimeout(() => controller.abort(), 100);
    const summary = await emulateBatch({
      source: fakeSource(100),
      transport,
      names: NAMES,
      signal: controller.signal,
      graceMs: 100,
      batchSize: 10,
      concurrency: 1,
      retry: { retries: 100, baseDelayMs: 50, maxDelayMs: 50 },
    });
    assert.equal(summary.stoppedBy, 'signal');
    assert.ok(reconciles(summary.tables));
    assert.equal(summary.ok, false);
    assert.ok(
      summary.reasons.some((r) => /before the stop/.test(r.reason)),
      JSON.stringify(summary.reasons),
    );
  });

  test('an empty source is a clear error', async () => {
    const summary = await failedRun(
      emulateBatch({ source: fakeSource(0), transport: fakeTransport(), names: NAMES, count: 1 }),
      /holds no posts; seed it first/,
    );
    assert.equal(summary.stoppedBy, 'fatal');
    assert.match(summary.fatalError ?? '', /holds no posts/);
  });

  test('a source that cannot be read fails the run, on both paths; it never ends as a finished run of 0 posts', async () => {
    const unreachable = new PipelineError(
      'MYSQL_UNREACHABLE',
      'cannot reach MySQL at 127.0.0.1:1 (ECONNREFUSED); start it or check DB_HOST and DB_PORT',
      { retriable: true },
    );
    const denied = new PipelineError(
      'MYSQL_ACCESS_DENIED',
      'MySQL at 127.0.0.1:3306 refused user root (ER_ACCESS_DENIED_ERROR); check DB_USER and DB_PASSWORD',
    );
    for (const [failing, error] of [
      ['count', unreachable],
      ['count', denied],
      ['postsAt', denied],
    ] as const) {
      const source = fakeSource(10);
      source[failing] = async () => {
        throw error;
      };
      for (const run of [
        () => emulateBatch({ source, transport: fakeTransport(), names: NAMES, count: 5, retry: FAST_RETRY }),
        () =>
          emulateStream({
            source,
            transport: fakeTransport({ path: 'stream' }),
            names: NAMES,
            count: 5,
            retry: FAST_RETRY,
          }),
      ]) {
        const summary = await failedRun(
          run(),
          new RegExp(
            `^the (batch|stream) path stopped after 0 posts \\(0 records acknowledged\\): ${error.message.replace(/[()]/g, '\\$&')}$`,
          ),
        );
        assert.equal(summary.ok, false);
        const text = formatSummary(summary);
        assert.doesNotMatch(text, /every record read was acknowledged/);
        assert.match(text, /FAILED, stopped early: .*(ECONNREFUSED|ER_ACCESS_DENIED_ERROR)/);
      }
    }
  });

  test('source read errors are retried when retriable', async () => {
    const source = fakeSource(10);
    const postsAt = source.postsAt.bind(source);
    let calls = 0;
    source.postsAt = async (positions) => {
      if (calls++ === 0)
        throw explainMysqlError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), undefined); // as the MySQL source throws it
      return postsAt(positions);
    };
    const summary = await emulateBatch({
      source,
      transport: fakeTransport(),
      names: NAMES,
      count: 5,
      retry: FAST_RETRY,
    });
    assert.ok(summary.ok);
    assert.equal(summary.posts, 5);
  });
});

test('every table is in the summary', async () => {
  const summary = await emulateBatch({ source: fakeSource(5), transport: fakeTransport(), names: NAMES, count: 1 });
  assert.deepEqual(
    summary.tables.map((t) => t.table),
    [...TABLES],
  );
});
