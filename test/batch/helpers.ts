import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createS3Client } from '../../src/clients';
import { namesFor } from '../../src/config';
import type { TableKey } from '../../src/contract/tables';
import { startS3Server } from '../../src/local-stack/s3-server';

/** s3rver on a free port in a new temporary folder, with one bucket, and a client for it. */
export interface TestS3 {
  s3: S3Client;
  bucket: string;
  dir: string;
  close(): Promise<void>;
}

let counter = 0;

/** Starts a private S3 with a bucket named uniquely for this run. */
export async function startTestS3(): Promise<TestS3> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pp-batch-test-'));
  counter += 1;
  const bucket = `batch-test-${process.pid}-${counter}`;
  const server = await startS3Server({ dir, bucket, port: 0 });
  const s3 = createS3Client({ region: 'us-east-1', endpoint: server.endpoint });
  return {
    s3,
    bucket,
    dir,
    close: async () => {
      s3.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const lines = (...values: unknown[]) =>
  values.map((v) => `${typeof v === 'string' ? v : JSON.stringify(v)}\n`).join('');

export function pin(index: number, extra: Record<string, unknown> = {}) {
  return {
    index,
    unique_id: `u-${index}`,
    title: `Title ${index}`,
    description: 'd',
    poster_name: 'p',
    follower_count: '1k',
    tag_list: 'a,b',
    is_image_or_video: 'image',
    image_src: 'https://i.pinimg.com/x.jpg',
    downloaded: 1,
    save_location: 'Local save in /data/art',
    category: 'art',
    ...extra,
  };
}
export const geo = (ind: unknown, extra: Record<string, unknown> = {}) => ({
  ind,
  timestamp: '2020-01-01 00:00:00',
  latitude: 1.5,
  longitude: 2.5,
  country: 'Chile',
  ...extra,
});
export const user = (ind: number, extra: Record<string, unknown> = {}) => ({
  ind,
  first_name: 'A',
  last_name: 'B',
  age: 30,
  date_joined: '2016-05-05 10:00:00',
  ...extra,
});

/** One object of the bad-record corpus: where the sink would have put it and its bytes. */
export interface CorpusObject {
  topic: string;
  partition: number;
  startOffset: number;
  body: string | Buffer;
}

/**
 * Objects mixing good records with every kind of bad one (broken JSON, arrays, missing ids, values of
 * impossible types, an oversized record, invalid UTF-8, more after a record's JSON on its line, blank
 * lines, CRLF line ends), plus objects of other topics that must not be read. Read back: pin 6
 * objects, 19 records, 7 parsed, 12 quarantined; geo 4, 4, 3, 1; user 3, 4, 3, 1.
 */
export function badRecordCorpus(topics: Record<TableKey, string>): CorpusObject[] {
  const huge = JSON.stringify(pin(8, { description: 'x'.repeat(2 * 1024 * 1024) }));
  const notUtf8 = Buffer.concat([
    Buffer.from('{"index": 10, "title": "caf'),
    Buffer.from([0xe9, 0xff]),
    Buffer.from('"}\n'),
    Buffer.from(lines(pin(11))),
  ]);
  return [
    // pin, partition 0: an object of 3 records (flush.size 3), then objects of other sizes.
    { topic: topics.pin, partition: 0, startOffset: 0, body: lines(pin(1), pin(2), pin(3)) },
    {
      topic: topics.pin,
      partition: 0,
      startOffset: 3,
      body: lines(
        pin(4, { extra_field: 'kept out' }),
        '{"index": 5, "title": ',
        [1, 2],
        { title: 'no id' },
        pin(7, { follower_count: { n: 1 } }),
        pin(0, { index: 'abc' }),
        pin(0, { index: 1.5 }),
        '   ',
      ),
    },
    { topic: topics.pin, partition: 0, startOffset: 10, body: lines(huge, pin(9)) },
    { topic: topics.pin, partition: 0, startOffset: 12, body: notUtf8 },
    { topic: topics.pin, partition: 1, startOffset: 0, body: lines(pin(12)) },
    // More after a record's JSON on its line: not one JSON value (Spark's parsers would ignore the rest).
    {
      topic: topics.pin,
      partition: 1,
      startOffset: 1,
      body: lines(
        `${JSON.stringify(pin(13))} }`,
        `${JSON.stringify(pin(14))} junk}`,
        `${JSON.stringify(pin(15))}${JSON.stringify(pin(16))}`,
        `${JSON.stringify(pin(17))}],[1`,
      ),
    },
    // geo, flush.size 1
    { topic: topics.geo, partition: 0, startOffset: 0, body: lines(geo(1)) },
    { topic: topics.geo, partition: 0, startOffset: 1, body: lines(geo(2, { latitude: 'north' })) },
    { topic: topics.geo, partition: 0, startOffset: 2, body: lines(geo(3, { timestamp: '2020-01-01T00:00:00Z' })) },
    { topic: topics.geo, partition: 0, startOffset: 3, body: lines(geo('4')) },
    // user: a bad age, a good row, and an object with CRLF line ends
    { topic: topics.user, partition: 0, startOffset: 0, body: lines(user(1, { age: 'abc' })) },
    { topic: topics.user, partition: 0, startOffset: 1, body: lines(user(2)) },
    {
      topic: topics.user,
      partition: 0,
      startOffset: 2,
      body: `${JSON.stringify(user(3))}\r\n${JSON.stringify(user(4))}\r\n`,
    },
    // Not ours: another topic whose name starts the same, and another user's topic.
    { topic: `${topics.pin}x`, partition: 0, startOffset: 0, body: lines(pin(99)) },
    { topic: namesFor('someone-else').topics.pin, partition: 0, startOffset: 0, body: lines(pin(98)) },
  ];
}
