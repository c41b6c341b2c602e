/**
 * AWS SDK errors are classified where they enter (src/clients.ts): the clients' middleware turns
 * every failure into an `AwsError` with a code and `retriable`, so no caller matches SDK names.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { AwsError, classifyAwsError, classifyAwsErrorName, createKinesisClient, createS3Client } from '../src/clients';
import { PipelineError } from '../src/errors';

/** A port nothing listens on: taken from the system, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('AWS errors classified at the client', () => {
  test(
    'a Kinesis and an S3 client made by clients.ts throw a retriable NETWORK_ERROR when nothing answers',
    { timeout: 30_000 },
    async () => {
      const endpoint = `http://127.0.0.1:${await closedPort()}`;
      const kinesis = createKinesisClient({ region: 'us-east-1', endpoint });
      const s3 = createS3Client({ region: 'us-east-1', endpoint });
      try {
        for (const call of [
          () => kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 's' })),
          () => s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })),
        ]) {
          await assert.rejects(
            call(),
            (error: unknown) => error instanceof AwsError && error.code === 'NETWORK_ERROR' && error.retriable,
          );
        }
      } finally {
        kinesis.destroy();
        s3.destroy();
      }
    },
  );

  test('named errors, statuses and socket codes get their codes; the SDK name is kept for its waiters', () => {
    const named = (name: string, status?: number) =>
      Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
    const cases: [Error, string, boolean][] = [
      [named('ProvisionedThroughputExceededException', 400), 'AWS_THROTTLED', true],
      [named('ResourceNotFoundException', 400), 'STREAM_NOT_FOUND', false],
      [named('ResourceInUseException', 400), 'STREAM_EXISTS', false],
      [named('NoSuchKey', 404), 'OBJECT_NOT_FOUND', false],
      [named('NotFound', 404), 'OBJECT_NOT_FOUND', false],
      [named('NoSuchBucket', 404), 'BUCKET_NOT_FOUND', false],
      [named('ValidationException', 400), 'AWS_REQUEST_INVALID', false],
      [named('SomethingElse', 503), 'AWS_UNAVAILABLE', true],
      [named('SomethingElse', 429), 'AWS_THROTTLED', true],
      [named('SomethingElse', 400), 'AWS_CALL_FAILED', false],
      [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'NETWORK_ERROR', true],
    ];
    for (const [raw, code, retriable] of cases) {
      const classified = classifyAwsError(raw);
      assert.ok(classified instanceof AwsError, raw.name);
      assert.equal(classified.code, code, raw.message);
      assert.equal(classified.retriable, retriable, raw.message);
      assert.equal(
        classified.name,
        raw.name,
        'the SDK name stays, so waitUntilStreamNotExists still sees ResourceNotFoundException',
      );
      assert.equal(classified.cause, raw);
    }
    assert.equal(classifyAwsErrorName('KMSThrottlingException').retriable, true);
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    assert.equal(classifyAwsError(abort), abort, 'an abort passes unchanged');
    const bug = new TypeError('x is undefined');
    assert.equal(classifyAwsError(bug), bug, 'a bug is not an AWS answer: unchanged');
    const already = new PipelineError('STORE_IO', 'disk');
    assert.equal(classifyAwsError(already), already);
  });
});
