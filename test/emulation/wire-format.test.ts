/**
 * Acceptance 3: the requests sent to a gateway invoke URL are byte for byte what
 * PIPELINE_SPEC.md §2 describes (request line, headers, body), checked on the raw socket.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHttpClient } from '../../src/http-client';
import { createGatewayStreamTransport } from '../../src/emulation/kinesis-transport';
import { createRestProxyTransport } from '../../src/emulation/rest-proxy-transport';
import { serialiseRow } from '../../src/emulation/serialise-row';
import { makePost, startRawServer, type RawRequest } from './helpers';

const post = makePost(7528);
const pinJson =
  '{"index":7528,"unique_id":"00000000-0000-4000-8000-000000007528","title":"Title 7528","description":"No description available","poster_name":"User Info Error","follower_count":"124k","tag_list":"a,b,c","is_image_or_video":"image","image_src":"https://i.pinimg.com/x.jpg","downloaded":1,"save_location":"Local save in /data/art","category":"art"}';
const geoJson =
  '{"ind":7528,"timestamp":"2020-08-28 03:52:47","latitude":-89.9787,"longitude":-173.293,"country":"Albania"}';

/** The request split into the parts a reader checks, headers lowercased by name only. */
function parts(request: RawRequest) {
  const headers = Object.fromEntries(
    request.headerLines.map((line) => {
      const at = line.indexOf(':');
      return [line.slice(0, at).toLowerCase(), line.slice(at + 1).trim()];
    }),
  );
  return {
    line: request.requestLine,
    headers,
    names: request.headerLines.map((l) => l.slice(0, l.indexOf(':'))),
    body: request.body.toString('utf8'),
  };
}

describe('requests to a gateway invoke URL (PIPELINE_SPEC.md §2)', () => {
  let server: Awaited<ReturnType<typeof startRawServer>>;
  before(async () => {
    server = await startRawServer((request) => {
      const line = request.requestLine;
      if (line.startsWith('POST /prod/topics/')) {
        const count = (JSON.parse(request.body.toString('utf8')) as { records: unknown[] }).records.length;
        return {
          status: 200,
          body: JSON.stringify({
            offsets: Array.from({ length: count }, (_, i) => ({
              partition: 0,
              offset: i,
              error_code: null,
              error: null,
            })),
            key_schema_id: null,
            value_schema_id: null,
          }),
        };
      }
      if (/^PUT \/prod\/streams\/[^/]+\/records /.test(line)) {
        const count = (JSON.parse(request.body.toString('utf8')) as { records: unknown[] }).records.length;
        return {
          status: 200,
          body: JSON.stringify({
            FailedRecordCount: 0,
            Records: Array.from({ length: count }, (_, i) => ({
              SequenceNumber: String(100 + i),
              ShardId: 'shardId-000000000000',
            })),
          }),
        };
      }
      if (/^PUT \/prod\/streams\/[^/]+\/record /.test(line))
        return { status: 200, body: JSON.stringify({ SequenceNumber: '1', ShardId: 'shardId-000000000000' }) };
      return { status: 403, body: '{"message":"Missing Authentication Token"}' };
    });
  });
  after(() => server.close());

  test('rows serialise as the course sent them: compact JSON, datetimes as YYYY-MM-DD HH:MM:SS', () => {
    assert.deepEqual(serialiseRow(post.pin), { ok: true, json: pinJson });
    assert.deepEqual(serialiseRow({ ...post.geo, timestamp: new Date('2020-08-28T03:52:47Z') }), {
      ok: true,
      json: geoJson,
    });
  });

  test('batch path: POST <invoke_url>/topics/<user_id>.pin with the Kafka JSON v2 content type', async () => {
    server.requests.length = 0;
    const http = createHttpClient({ baseUrl: `${server.url}/prod` });
    const transport = createRestProxyTransport({ http, via: 'gateway' });
    const outcomes = await transport.send('0a1b2c3d4e5f.pin', [
      { json: pinJson, key: '7528' },
      { json: pinJson, key: '7528' },
    ]);
    await transport.close();
    assert.equal(outcomes.length, 2);
    assert.equal(server.requests.length, 1);
    const body = `{"records":[{"value":${pinJson}},{"value":${pinJson}}]}`;
    const request = parts(server.requests[0]);
    assert.equal(request.line, 'POST /prod/topics/0a1b2c3d4e5f.pin HTTP/1.1');
    assert.deepEqual(request.names, ['Content-Type', 'Content-Length', 'Host', 'Connection']);
    assert.equal(request.headers['content-type'], 'application/vnd.kafka.json.v2+json');
    assert.equal(request.headers['content-length'], String(Buffer.byteLength(body)));
    assert.equal(request.headers.connection, 'keep-alive');
    assert.equal(request.body, body);
    // The whole request, byte for byte.
    const host = new URL(server.url).host;
    assert.equal(
      server.requests[0].raw.toString('utf8'),
      `POST /prod/topics/0a1b2c3d4e5f.pin HTTP/1.1\r\nContent-Type: application/vnd.kafka.json.v2+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n${body}`,
    );
  });

  test('streaming path, batches: PUT <invoke_url>/streams/<stream>/records with data objects and partition keys', async () => {
    server.requests.length = 0;
    const http = createHttpClient({ baseUrl: `${server.url}/prod/` });
    const transport = createGatewayStreamTransport({ http, route: 'records' });
    const outcomes = await transport.send('streaming-0a1b2c3d4e5f-geo', [
      { json: geoJson, key: '7528' },
      { json: geoJson, key: '11' },
    ]);
    await transport.close();
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      [true, true],
    );
    const body = `{"records":[{"data":${geoJson},"partition-key":"7528"},{"data":${geoJson},"partition-key":"11"}]}`;
    const host = new URL(server.url).host;
    assert.equal(
      server.requests[0].raw.toString('utf8'),
      `PUT /prod/streams/streaming-0a1b2c3d4e5f-geo/records HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n${body}`,
    );
    // The body parses to the documented shape: data is the row object itself, not a string.
    const parsed = JSON.parse(body) as { records: { data: unknown; 'partition-key': string }[] };
    assert.deepEqual(parsed.records[0], { data: post.geo, 'partition-key': '7528' });
  });

  test('streaming path, one record: PUT <invoke_url>/streams/<stream>/record with StreamName, Data, PartitionKey', async () => {
    server.requests.length = 0;
    const http = createHttpClient({ baseUrl: `${server.url}/prod` });
    const transport = createGatewayStreamTransport({ http, route: 'record' });
    await transport.send('streaming-0a1b2c3d4e5f-geo', [{ json: geoJson, key: '7528' }]);
    await transport.close();
    const body = `{"StreamName":"streaming-0a1b2c3d4e5f-geo","Data":${geoJson},"PartitionKey":"7528"}`;
    const request = parts(server.requests[0]);
    assert.equal(request.line, 'PUT /prod/streams/streaming-0a1b2c3d4e5f-geo/record HTTP/1.1');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.body, body);
    assert.deepEqual(JSON.parse(body), {
      StreamName: 'streaming-0a1b2c3d4e5f-geo',
      Data: post.geo,
      PartitionKey: '7528',
    });
  });
});
