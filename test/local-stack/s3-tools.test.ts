/**
 * The local S3 serves the tools a learner inspects the bucket with (PIPELINE_SPEC.md §4):
 * ListObjectsV2 with continuation past 1,000 keys and `Delimiter='/'` at any prefix, checked with
 * Debian's boto3 (test/local-stack/s3_tools_check.py) and with the AWS SDK for JavaScript.
 * Regression: s3rver's own listing answered InternalError past 1,000 keys (a DES continuation
 * token, refused by Node 17+) and nothing at all with a delimiter at the root or at topics/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ListObjectsCommand,
  ListObjectsV2Command,
  paginateListObjectsV2,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/clients';
import { decodeContinuationToken, encodeContinuationToken } from '../../src/local-stack/s3-listing';
import { startS3Server, type S3Server } from '../../src/local-stack/s3-server';
import { runProcess } from '../support/run-process';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 's3_tools_check.py');

/** Why Debian's boto3 cannot run, or undefined when it can. */
function boto3Missing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import boto3'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} cannot run (${probe.error.message}); apt-get install -y python3-boto3`;
  if (probe.status !== 0)
    return `${PYTHON} has no boto3 (apt-get install -y python3-boto3): ${probe.stderr.trim().split('\n').at(-1)}`;
  return undefined;
}

describe('the local S3 and boto3', { timeout: 180_000 }, () => {
  const missing = boto3Missing();
  let dir: string;
  let server: S3Server;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pp-s3-tools-'));
    server = await startS3Server({ dir, bucket: 'boto3-check-bucket' });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the ListObjectsV2 paginator returns all of 2,500 keys, and Delimiter=/ at the root lists topics/', async (t) => {
    if (missing) {
      if (process.env.CI === 'true') assert.fail(`under CI=true Debian's boto3 is required: ${missing}`);
      t.skip(missing);
      return;
    }
    // Asynchronously: the S3 server answering boto3 runs in this process.
    const run = await runProcess(PYTHON, [SCRIPT, server.endpoint, 'boto3-check-bucket'], { timeoutMs: 150_000 });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const found = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    assert.equal(found.v2_keys, 2_501);
    assert.equal(found.v2_pages, 3);
    assert.equal(found.v1_keys, 2_501);
    assert.deepEqual(found.root_prefixes, ['topics/']);
    assert.deepEqual(found.topic_prefixes, ['topics/u.geo/', 'topics/u.pin/', 'topics/u.user/']);
  });
});

describe('the local S3 listing with the AWS SDK', { timeout: 120_000 }, () => {
  let dir: string;
  let server: S3Server;
  let s3: S3Client;
  const bucket = 'sdk-list-bucket';
  const keys = [
    ...Array.from({ length: 1_203 }, (_, i) => `topics/a.pin/partition=0/a.pin+0+${String(i).padStart(10, '0')}.json`),
    'topics/a.geo/partition=0/a.geo+0+0000000000.json',
    'topics/a.geo/partition=1/a.geo+1+0000000000.json',
    'topics-old/x.json',
    'topics.json',
    'z/deep/er/key',
    'root.txt',
  ];
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pp-s3-sdk-list-'));
    server = await startS3Server({ dir, bucket });
    s3 = createS3Client({ region: 'us-east-1', endpoint: server.endpoint });
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys.slice(i, i + 50).map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: '{}\n' }))),
      );
    }
  });
  after(async () => {
    s3.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('ListObjectsV2 continues past 1,000 keys, in key order', async () => {
    const listed: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
      pages += 1;
      listed.push(...(page.Contents ?? []).map((o) => o.Key as string));
    }
    assert.deepEqual(listed, [...keys].sort());
    assert.equal(pages, 2);
  });

  test('Delimiter=/ rolls keys up into common prefixes at the root and at topics/', async () => {
    const root = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    assert.deepEqual(
      root.CommonPrefixes?.map((p) => p.Prefix),
      ['topics-old/', 'topics/', 'z/'],
    );
    assert.deepEqual(
      root.Contents?.map((o) => o.Key),
      ['root.txt', 'topics.json'],
    );
    assert.equal(root.KeyCount, 5);
    const topics = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/', Prefix: 'topics/' }));
    assert.deepEqual(
      topics.CommonPrefixes?.map((p) => p.Prefix),
      ['topics/a.geo/', 'topics/a.pin/'],
    );
    assert.equal(topics.Contents, undefined);
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: '/', Prefix: 'topics/a.geo/' }));
    assert.deepEqual(
      v1.CommonPrefixes?.map((p) => p.Prefix),
      ['topics/a.geo/partition=0/', 'topics/a.geo/partition=1/'],
    );
  });

  test('common prefixes count towards MaxKeys, and the next page starts after the last one', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/', MaxKeys: 2, ContinuationToken: token }),
      );
      assert.ok((page.KeyCount ?? 0) <= 2);
      seen.push(
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix as string),
        ...(page.Contents ?? []).map((o) => o.Key as string),
      );
      token = page.NextContinuationToken;
    } while (token);
    assert.deepEqual(seen.sort(), ['root.txt', 'topics-old/', 'topics.json', 'topics/', 'z/'].sort());
    // ListObjects (v1): NextMarker is the last entry when a delimiter is given.
    const first = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: '/', MaxKeys: 3 }));
    assert.equal(first.IsTruncated, true);
    // Key order is by code point: '-' < '.' < '/'.
    assert.deepEqual(
      [...(first.Contents ?? []).map((o) => o.Key), ...(first.CommonPrefixes ?? []).map((p) => p.Prefix)].sort(),
      ['root.txt', 'topics-old/', 'topics.json'],
    );
    assert.equal(first.NextMarker, 'topics.json');
    const rest = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: '/', Marker: first.NextMarker }));
    assert.deepEqual(
      rest.CommonPrefixes?.map((p) => p.Prefix),
      ['topics/', 'z/'],
    );
    assert.equal(rest.Contents, undefined);
  });

  test('StartAfter, MaxKeys=0 and a foreign continuation token answer as S3 does', async () => {
    const after = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'topics/a.pin/partition=0/a.pin+0+0000001200.json' }),
    );
    assert.deepEqual(
      after.Contents?.map((o) => o.Key),
      [
        'topics/a.pin/partition=0/a.pin+0+0000001201.json',
        'topics/a.pin/partition=0/a.pin+0+0000001202.json',
        'z/deep/er/key',
      ],
    );
    const none = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 0 }));
    assert.equal(none.KeyCount, 0);
    assert.equal(none.IsTruncated, false);
    await assert.rejects(
      s3.send(
        new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: encodeContinuationToken('other-bucket', 'x') }),
      ),
      /continuation token provided is incorrect/,
    );
    await assert.rejects(
      s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: 'bm90IGpzb24=' })),
      /continuation token provided is incorrect/,
    );
    assert.equal(decodeContinuationToken(encodeContinuationToken(bucket, 'topics/a b+c'), bucket), 'topics/a b+c');
  });
});
