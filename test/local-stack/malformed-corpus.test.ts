/**
 * A malformed-input corpus against the three servers a client talks to (PIPELINE_SPEC.md §3, issue
 * 14): the REST proxy directly, the API Gateway stand-in's proxy routes, and the gateway's Kinesis
 * routes. Each corpus holds at least 200 requests across encodings, nesting, sizes, methods,
 * paths, truncated bodies and wrong types; none may answer 5xx, and each server must still serve
 * a well-formed request afterwards. The corpus is deterministic (a seeded generator), so a
 * failure names a request that can be replayed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EPHEMERAL_PORTS, startLocalStack, type LocalStack } from '../../src/local-stack/start-local-stack';
import { apacheKafkaSkip } from './apache-kafka';

const JSON_V2 = 'application/vnd.kafka.json.v2+json';
const BINARY_V2 = 'application/vnd.kafka.binary.v2+json';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface Probe {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Bytes written as they are on a fresh socket, for what an HTTP client refuses to send. */
  raw?: Buffer;
  label: string;
}

interface Outcome {
  /** 0 when the server closed the connection without an answer (a request cut short). */
  status: number;
  body: string;
}

/** A seeded generator (LCG), so the corpus is the same on every run. */
function seeded(seed: number): { next(): number; bytes(n: number): Buffer; pick<T>(items: readonly T[]): T } {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  return {
    next,
    bytes: (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))),
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}

const deepArray = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Every strict prefix of `text` at `step` characters apart: bodies cut short. */
function truncations(text: string, count: number): string[] {
  const step = Math.max(1, Math.floor(text.length / count));
  const out: string[] = [];
  for (let at = 0; at < text.length - 1 && out.length < count; at += step) out.push(text.slice(0, at));
  return out;
}

/** Encodings of one JSON body a server should refuse or read without a fault. */
function encodings(json: string, r: ReturnType<typeof seeded>): [string, Buffer][] {
  return [
    ['utf-16le', Buffer.from(json, 'utf16le')],
    ['utf-16 with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')])],
    ['utf-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)])],
    [
      'invalid utf-8 inside a string',
      Buffer.concat([
        Buffer.from(json.slice(0, json.indexOf('"') + 1)),
        Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff]),
        Buffer.from(json.slice(json.indexOf('"') + 1)),
      ]),
    ],
    ['lone surrogate escape', Buffer.from(json.replace(/"([a-z]+)"/, '"\\ud800$1"'))],
    ['NUL bytes', Buffer.from(`${json}\u0000\u0000`)],
    ['gzip claimed, not gzip', Buffer.from(json)],
    ['random bytes', r.bytes(64)],
    ['random bytes, large', r.bytes(70_000)],
    ['latin-1', Buffer.from(json.replace('"', '"é'), 'latin1')],
  ];
}

function send(port: number, probe: Probe): Promise<Outcome> {
  if (probe.raw) return sendRaw(port, probe.raw);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: probe.method,
        path: probe.path,
        headers: { Connection: 'close', ...probe.headers },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.setTimeout(30_000, () => request.destroy(new Error(`${probe.label}: no answer within 30 s`)));
    request.on('error', (error: NodeJS.ErrnoException) => {
      // The server may answer (413) and close before the whole body is written.
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') resolve({ status: 0, body: '' });
      else reject(error);
    });
    request.end(probe.body);
  });
}

/** Raw bytes on a socket; the status of whatever comes back, 0 when nothing does. */
function sendRaw(port: number, bytes: Buffer): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0),
        body: text.split('\r\n\r\n').slice(1).join('\r\n\r\n'),
      });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    socket.setTimeout(5_000, () => socket.destroy());
    socket.write(bytes, () => socket.end());
  });
}

/** Requests at the HTTP level that every server gets: broken framing, bad paths, odd methods. */
function transportProbes(prefix: string): Probe[] {
  const raw = (label: string, text: string | Buffer): Probe => ({
    method: 'RAW',
    path: '',
    raw: Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'),
    label,
  });
  const target = `${prefix}/topics/fuzz.pin`;
  return [
    raw('not HTTP', 'NOT HTTP AT ALL\r\n\r\n'),
    raw('bad Content-Length', `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}`),
    raw(
      'two Content-Lengths',
      `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}`,
    ),
    raw(
      'body shorter than Content-Length, then EOF',
      `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: ${JSON_V2}\r\nContent-Length: 500\r\n\r\n{"records":[{"val`,
    ),
    raw(
      'bad chunk size',
      `POST ${target} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    ),
    raw(
      'chunked, cut mid-chunk',
      `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: ${JSON_V2}\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{"records":[{"value"`,
    ),
    raw(
      'chunked and Content-Length',
      `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    ),
    raw('header too large', `GET ${prefix}/topics HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(70_000)}\r\n\r\n`),
    raw(
      'control characters in the path',
      Buffer.concat([
        Buffer.from(`GET ${prefix}/topics/a`),
        Buffer.from([0x01, 0x7f, 0x00]),
        Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n'),
      ]),
    ),
    raw(
      'non-ASCII bytes in the path',
      Buffer.concat([
        Buffer.from(`GET ${prefix}/topics/`),
        Buffer.from([0xc3, 0xa9, 0xff]),
        Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      ]),
    ),
    raw('HTTP/0.9 request line', `GET ${prefix}/topics\r\n\r\n`),
    raw('HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
    raw(
      'absolute-form target',
      `GET http://elsewhere${prefix}/topics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    ),
    raw('asterisk-form target', 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    raw('header without colon', `GET ${prefix}/topics HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n`),
    raw('no Host header', `GET ${prefix}/topics HTTP/1.1\r\nConnection: close\r\n\r\n`),
    raw('unknown method token', `FROB ${prefix}/topics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    raw('CONNECT', 'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n'),
    raw(
      'Expect: 100-continue, no body sent',
      `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: ${JSON_V2}\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n`,
    ),
    raw('pipelined garbage after a request', `GET ${prefix}/topics HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n`),
  ];
}

/** Method × path: every route of the REST proxy, under `prefix`, with methods it does and does not serve. */
function methodPathProbes(prefix: string, cluster: string): Probe[] {
  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PROPFIND', 'PURGE'];
  const paths = [
    '/',
    '/topics',
    '/topics/fuzz.pin',
    '/topics/fuzz.pin/partitions',
    '/topics/fuzz.pin/partitions/0',
    '/topics/fuzz.pin/partitions/-1',
    '/topics/fuzz.pin/partitions/99999999999999999999',
    '/v3',
    '/v3/clusters',
    `/v3/clusters/${cluster}`,
    `/v3/clusters/${cluster}/topics`,
    `/v3/clusters/${cluster}/topics/fuzz.nothing`,
    `/v3/clusters/${cluster}/topics/fuzz.pin/partitions`,
    `/v3/clusters/${cluster}/topics/fuzz.pin/partitions/0`,
    `/v3/clusters/${cluster}/topics/fuzz.pin/partitions/x`,
    '/v3/clusters/other/topics',
    '/topics/%',
    '/topics/%ZZ',
    '/topics/..%2F..%2Fetc%2Fpasswd',
    '/topics/a%00b',
    `/topics/${'a'.repeat(300)}`,
    `/topics/${'%41'.repeat(2000)}`,
    '//topics//fuzz.pin//',
    '/topics/./fuzz.pin',
    '/topics/fuzz.pin?x=%ZZ&&=&y',
    '/topics/%F0%9F%98%80',
  ];
  const out: Probe[] = [];
  for (const method of methods) {
    for (const p of paths) {
      // A DELETE of a topic the corpus produces to would only remove it; keep it to the missing one.
      if (method === 'DELETE' && p.includes('fuzz.pin') && p.startsWith('/v3') && !p.includes('partitions')) continue;
      const body = ['POST', 'PUT', 'PATCH'].includes(method) ? '{"records":[{"value":{"a":1}}]' : undefined;
      out.push({
        method,
        path: `${prefix}${p}`,
        headers: body ? { 'Content-Type': JSON_V2 } : {},
        body,
        label: `${method} ${p}`,
      });
    }
  }
  return out;
}

/** Bodies of `POST /topics/{t}` and `POST /v3/.../topics`: wrong types, nesting, sizes, encodings, truncations. */
function produceProbes(prefix: string, cluster: string, r: ReturnType<typeof seeded>): Probe[] {
  const topic = `${prefix}/topics/fuzz.pin`;
  const v3 = `${prefix}/v3/clusters/${cluster}/topics`;
  const valid = JSON.stringify({
    records: [{ value: { index: 1, title: 'ok', follower_count: '12k' } }, { key: 'k1', value: { index: 2 } }],
  });
  const post = (
    label: string,
    body: string | Buffer,
    headers: Record<string, string> = { 'Content-Type': JSON_V2 },
    target = topic,
  ): Probe => ({ method: 'POST', path: target, headers, body, label });
  const out: Probe[] = [];
  const wrongTypes = [
    '',
    ' ',
    'null',
    'true',
    '1',
    '"records"',
    '[]',
    '{}',
    '{"records":null}',
    '{"records":1}',
    '{"records":"x"}',
    '{"records":{}}',
    '{"records":[]}',
    '{"records":[1]}',
    '{"records":[null]}',
    '{"records":["v"]}',
    '{"records":[[]]}',
    '{"records":[{}]}',
    '{"records":[{"foo":1}]}',
    '{"records":[{"value":1,"partition":"0"}]}',
    '{"records":[{"value":1,"partition":-1}]}',
    '{"records":[{"value":1,"partition":1.5}]}',
    '{"records":[{"value":1,"partition":1e400}]}',
    '{"records":[{"value":1,"partition":99999999999999999999}]}',
    '{"records":[{"value":1,"partition":true}]}',
    '{"records":[{"value":1,"partition":[0]}]}',
    '{"records":[{"value":1,"key":{"a":[1,{"b":null}]}}]}',
    '{"records":[{"key":null}]}',
    '{"records":[{"value":1}],"records":5}',
    '{"records":[{"value":1}]}}',
    '{"records":[{"value":1},]}',
    "{'records':[{'value':1}]}",
    '{"records":[{"value":NaN}]}',
    '{"records":[{"value":Infinity}]}',
    '{"records":[{"value":0x10}]}',
    '{"records":[{"value":"\\x41"}]}',
    '{"records":[{"value":"\\u12"}]}',
    '{"__proto__":{"records":[{"value":1}]}}',
    '{"constructor":{"prototype":{}},"records":[{"value":1}]}',
  ];
  for (const body of wrongTypes) out.push(post(`wrong type ${body.slice(0, 40)}`, body));
  for (const body of [
    '{"records":[{"value":"not base64!"}]}',
    '{"records":[{"value":{"a":1}}]}',
    '{"records":[{"value":"QQ=","key":"!!"}]}',
    '{"records":[{"value":12}]}',
  ]) {
    out.push(post(`binary ${body.slice(0, 40)}`, body, { 'Content-Type': BINARY_V2 }));
  }
  for (const depth of [1_000, 10_000, 100_000]) {
    out.push(post(`deep array value ${depth}`, `{"records":[{"value":${deepArray(depth)}}]}`));
    out.push(post(`deep object value ${depth}`, `{"records":[{"value":${deepObject(depth)}}]}`));
    out.push(post(`deep key ${depth}`, `{"records":[{"value":1,"key":${deepArray(depth)}}]}`));
    out.push(post(`deep body ${depth}`, deepArray(depth)));
    out.push(
      post(
        `deep v3 configs ${depth}`,
        `{"topic_name":"fuzz.deep","configs":${deepArray(depth)}}`,
        { 'Content-Type': 'application/json' },
        v3,
      ),
    );
  }
  out.push(post('a record over max.message.bytes', JSON.stringify({ records: [{ value: 'x'.repeat(1_100_000) }] })));
  out.push(
    post('a key over max.message.bytes', JSON.stringify({ records: [{ value: 1, key: 'k'.repeat(1_100_000) }] })),
  );
  out.push(
    post('10,000 small records', JSON.stringify({ records: Array.from({ length: 10_000 }, (_, i) => ({ value: i })) })),
  );
  out.push(post('body over 20 MiB', `{"records":[{"value":"${'x'.repeat(21 * 1024 * 1024)}"}]}`));
  out.push(post('a 100,000-character number', `{"records":[{"value":${'9'.repeat(100_000)}}]}`));
  out.push(post('a 1 MB string of escapes', `{"records":[{"value":"${'\\u0041'.repeat(200_000)}"}]}`));
  for (const [label, bytes] of encodings(valid, r))
    out.push(
      post(
        `encoding: ${label}`,
        bytes,
        label.startsWith('gzip')
          ? { 'Content-Type': JSON_V2, 'Content-Encoding': 'gzip' }
          : { 'Content-Type': JSON_V2 },
      ),
    );
  for (const cut of truncations(valid, 24)) out.push(post(`truncated at ${cut.length}`, cut));
  for (const contentType of [
    '',
    'application/json',
    'text/plain',
    'garbage',
    ';;;',
    'application/vnd.kafka.avro.v2+json',
    `${JSON_V2}; charset=latin1`,
    `${JSON_V2.toUpperCase()}`,
    'multipart/form-data; boundary=x',
    `${'a/'.repeat(5_000)}b`,
  ]) {
    out.push(
      post(
        `content type ${contentType.slice(0, 40)}`,
        valid,
        contentType === '' ? {} : { 'Content-Type': contentType },
      ),
    );
  }
  const v3Bodies = [
    '{"topic_name":7}',
    '{"topic_name":""}',
    '{"topic_name":null}',
    `{"topic_name":"${'x'.repeat(300)}"}`,
    '{"topic_name":"bad name!"}',
    '{"topic_name":".."}',
    '{"topic_name":"fuzz.v3","partitions_count":"3"}',
    '{"topic_name":"fuzz.v3","partitions_count":0}',
    '{"topic_name":"fuzz.v3","partitions_count":1e400}',
    '{"topic_name":"fuzz.v3","partitions_count":100000}',
    '{"topic_name":"fuzz.v3","replication_factor":-3}',
    '{"topic_name":"fuzz.v3","replication_factor":4}',
    '{"topic_name":"fuzz.v3","replication_factor":1.5}',
    '{"topic_name":"fuzz.v3","configs":{"a":"b"}}',
    '{"topic_name":"fuzz.v3","configs":[{"name":1}]}',
    '{"topic_name":"fuzz.v3","configs":[{"name":"nope","value":"1"}]}',
    '{"topic_name":"fuzz.v3","configs":[{"name":"max.message.bytes","value":"-1"}]}',
    '{"topic_name":"fuzz.v3","configs":[null]}',
    '{"topic_name":"fuzz.v3","validate_only":"yes"}',
    '{"topic_name":"fuzz.v3","validate_only":1}',
    '{"topic_name":"fuzz.pin","validate_only":true}',
    '{"topic_name":["fuzz.v3"]}',
    '[{"topic_name":"fuzz.v3"}]',
    '{"topic_name":"fuzz.v3"',
  ];
  for (const body of v3Bodies)
    out.push(post(`v3 create ${body.slice(0, 50)}`, body, { 'Content-Type': 'application/json' }, v3));
  for (const body of v3Bodies.slice(0, 4))
    out.push(post(`v3 create, wrong content type ${body.slice(0, 30)}`, body, { 'Content-Type': 'text/plain' }, v3));
  for (let i = 0; i < 20; i++)
    out.push(
      post(
        `random bytes ${i}`,
        r.bytes(1 + Math.floor(r.next() * 400)),
        r.pick([{ 'Content-Type': JSON_V2 }, { 'Content-Type': BINARY_V2 }, { 'Content-Type': 'application/json' }]),
        r.pick([topic, v3, `${topic}/partitions/0`]),
      ),
    );
  return out;
}

/** The gateway's Kinesis routes: bodies, types, nesting and sizes of PutRecord, PutRecords and CreateStream. */
function kinesisProbes(prefix: string, stream: string, r: ReturnType<typeof seeded>): Probe[] {
  const put = (
    label: string,
    body: string | Buffer,
    target = `${prefix}/streams/${stream}/record`,
    method = 'PUT',
    headers: Record<string, string> = { 'Content-Type': 'application/json' },
  ): Probe => ({ method, path: target, headers, body, label });
  const records = `${prefix}/streams/${stream}/records`;
  const out: Probe[] = [];
  const dataValues = [
    'null',
    'true',
    '1',
    '""',
    '"text"',
    '[]',
    '{}',
    '{"index":1}',
    `"${'x'.repeat(1_100_000)}"`,
    '1e400',
    '-0',
    '"\\ud800"',
  ];
  const keys = [
    '',
    '"',
    '""',
    '"k"',
    `"${'k'.repeat(257)}"`,
    '1',
    '1.5',
    'null',
    'true',
    '[]',
    '{}',
    '{"a":[1]}',
    `"${'é'.repeat(256)}"`,
  ];
  for (const data of dataValues)
    for (const key of keys.slice(0, 6))
      out.push(
        put(
          `record Data ${data.slice(0, 20)} key ${key.slice(0, 20)}`,
          `{"StreamName":"${stream}","Data":${data}${key === '' ? '' : `,"PartitionKey":${key}`}}`,
        ),
      );
  for (const key of keys)
    out.push(put(`record key ${key.slice(0, 20)}`, `{"Data":{"index":1},"PartitionKey":${key || 'undefined'}}`));
  for (const depth of [1_000, 10_000, 100_000]) {
    out.push(put(`record deep Data array ${depth}`, `{"Data":${deepArray(depth)},"PartitionKey":"k"}`));
    out.push(put(`record deep Data object ${depth}`, `{"Data":${deepObject(depth)},"PartitionKey":"k"}`));
    out.push(put(`record deep PartitionKey ${depth}`, `{"Data":1,"PartitionKey":${deepArray(depth)}}`));
    out.push(
      put(`records deep data ${depth}`, `{"records":[{"data":${deepArray(depth)},"partition-key":"k"}]}`, records),
    );
    out.push(
      put(
        `records deep partition-key ${depth}`,
        `{"records":[{"data":1,"partition-key":${deepObject(depth)}}]}`,
        records,
      ),
    );
    out.push(put(`records deep list ${depth}`, `{"records":${deepArray(depth)}}`, records));
    out.push(
      put(
        `create deep ShardCount ${depth}`,
        `{"ShardCount":${deepArray(depth)}}`,
        `${prefix}/streams/fuzz-deep-${depth}`,
        'POST',
      ),
    );
  }
  const recordsBodies = [
    '{}',
    '{"records":null}',
    '{"records":1}',
    '{"records":"x"}',
    '{"records":{}}',
    '{"records":[]}',
    '{"records":[1]}',
    '{"records":[null]}',
    '{"records":[[]]}',
    '{"records":[{}]}',
    '{"records":[{"data":1}]}',
    '{"records":[{"partition-key":"k"}]}',
    '{"records":[{"data":1,"partition-key":""}]}',
    '{"records":[{"data":1,"partition-key":{"a":1}}]}',
    '{"Records":[{"Data":1}]}',
    '{"Records":[{"Data":1,"PartitionKey":7}]}',
    '{"records":[{"data":1,"partition-key":"k","Data":2}]}',
    '{"records":[{"data":1,"partition-key":"k"}],"Records":5}',
    JSON.stringify({ records: Array.from({ length: 501 }, (_, i) => ({ data: i, 'partition-key': String(i) })) }),
    JSON.stringify({
      records: Array.from({ length: 6 }, (_, i) => ({ data: 'y'.repeat(1_000_000), 'partition-key': String(i) })),
    }),
    JSON.stringify({ records: [{ data: 'z'.repeat(1_048_576), 'partition-key': 'k' }] }),
  ];
  for (const body of recordsBodies) out.push(put(`records ${body.slice(0, 40)}`, body, records));
  for (const [label, bytes] of encodings(JSON.stringify({ Data: { index: 1, title: 'ok' }, PartitionKey: 'k' }), r))
    out.push(put(`record encoding: ${label}`, bytes));
  for (const cut of truncations(
    JSON.stringify({
      records: [
        { data: { index: 1, title: 'ok' }, 'partition-key': '1' },
        { data: { index: 2 }, 'partition-key': '2' },
      ],
    }),
    20,
  ))
    out.push(put(`records truncated at ${cut.length}`, cut, records));
  for (const cut of truncations(JSON.stringify({ Data: { index: 1 }, PartitionKey: '1' }), 8))
    out.push(put(`record truncated at ${cut.length}`, cut));
  for (const shardCount of ['"2"', '0', '-1', '1.5', '1e400', '100000', 'null', 'true', '[1]', '{}'])
    out.push(
      put(
        `create ShardCount ${shardCount}`,
        `{"ShardCount":${shardCount}}`,
        `${prefix}/streams/fuzz-sc-${randomUUID().slice(0, 6)}`,
        'POST',
      ),
    );
  for (const name of [
    '%',
    '%ZZ',
    'a%2Fb',
    'a%00b',
    'x'.repeat(200),
    'bad%20name',
    '%F0%9F%98%80',
    '..',
    '.',
    '-',
    'a'.repeat(129),
  ]) {
    for (const [method, suffix] of [
      ['GET', ''],
      ['POST', ''],
      ['DELETE', ''],
      ['PUT', '/record'],
      ['PUT', '/records'],
    ] as const) {
      out.push(
        put(
          `${method} stream ${name.slice(0, 20)}${suffix}`,
          method === 'GET' || method === 'DELETE'
            ? ''
            : '{"Data":1,"PartitionKey":"k","records":[{"data":1,"partition-key":"k"}]}',
          `${prefix}/streams/${name}${suffix}`,
          method,
        ),
      );
    }
  }
  for (const method of ['GET', 'POST', 'PATCH', 'HEAD', 'OPTIONS', 'DELETE', 'PROPFIND']) {
    for (const p of [
      '/streams',
      `/streams/${stream}/record`,
      `/streams/${stream}/records`,
      `/streams/${stream}/shards`,
      '/streams/',
      '/streams//record',
      '/nothing',
      '/',
    ]) {
      out.push(put(`${method} ${p}`, method === 'POST' || method === 'PATCH' ? '{}' : '', `${prefix}${p}`, method));
    }
  }
  out.push(put('body over 10 MB', `{"Data":"${'x'.repeat(11 * 1024 * 1024)}","PartitionKey":"k"}`));
  for (let i = 0; i < 15; i++)
    out.push(
      put(
        `random bytes ${i}`,
        r.bytes(1 + Math.floor(r.next() * 300)),
        r.pick([`${prefix}/streams/${stream}/record`, records, `${prefix}/streams/fuzz-rand`]),
        r.pick(['PUT', 'POST']),
      ),
    );
  return out;
}

for (const kafka of ['embedded', 'apache'] as const)
  describe(
    `malformed-input corpus (${kafka} Kafka): no 5xx, and every server still serves`,
    { timeout: 600_000, skip: kafka === 'apache' && apacheKafkaSkip() },
    () => {
      let dir: string;
      let stack: LocalStack;
      let gatewayPort: number;
      let restProxyPort: number;
      let stage: string;

      before(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'pp-corpus-'));
        stack = await startLocalStack({
          dataDir: path.join(dir, 'data'),
          ports: EPHEMERAL_PORTS,
          userId: 'fuzz',
          fresh: true,
          provision: true,
          kafka,
          logger: quiet,
        });
        gatewayPort = Number(new URL(stack.endpoints.invokeUrl).port);
        restProxyPort = Number(new URL(stack.endpoints.restProxy).port);
        stage = new URL(stack.endpoints.invokeUrl).pathname;
      });
      after(async () => {
        await stack?.stop();
        await rm(dir, { recursive: true, force: true });
      });

      /** Sends every probe; fails with the list of those answered 5xx. */
      async function runCorpus(port: number, probes: Probe[]): Promise<Map<number, number>> {
        const statuses = new Map<number, number>();
        const faults: string[] = [];
        for (const probe of probes) {
          const outcome = await send(port, probe);
          statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
          if (outcome.status >= 500) faults.push(`${probe.label} -> ${outcome.status} ${outcome.body.slice(0, 160)}`);
        }
        assert.deepEqual(faults, [], `${faults.length} of ${probes.length} requests answered 5xx`);
        return statuses;
      }

      async function produceWorks(base: string): Promise<void> {
        const response = await fetch(`${base}/topics/${stack.names.topics.pin}`, {
          method: 'POST',
          headers: { 'Content-Type': JSON_V2 },
          body: JSON.stringify({ records: [{ value: { index: 1 } }] }),
        });
        assert.equal(response.status, 200, await response.clone().text());
        const body = (await response.json()) as { offsets: { error_code: number | null }[] };
        assert.equal(body.offsets[0].error_code, null);
        assert.equal((await fetch(`${base}/topics`)).status, 200);
      }

      test('the REST proxy: at least 200 malformed requests, 0 answered 5xx, and it still produces', async (t) => {
        const r = seeded(14);
        const probes = [
          ...transportProbes(''),
          ...methodPathProbes('', 'local-pinterest-msk'),
          ...produceProbes('', 'local-pinterest-msk', r),
        ];
        assert.ok(probes.length >= 200, `${probes.length} requests`);
        const statuses = await runCorpus(restProxyPort, probes);
        t.diagnostic(`REST proxy: ${probes.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
        assert.ok(
          [400, 404, 405, 413, 415, 422].every((status) => statuses.has(status)),
          JSON.stringify([...statuses]),
        );
        await produceWorks(stack.endpoints.restProxy);
      });

      test('the gateway (its REST proxy routes and the routes it does not have): at least 200, 0 answered 5xx, and it still produces', async (t) => {
        const r = seeded(1414);
        const probes = [
          ...transportProbes(stage),
          ...methodPathProbes(stage, 'local-pinterest-msk'),
          ...produceProbes(stage, 'local-pinterest-msk', r),
          ...[
            '/',
            '/prod',
            '/prodx/topics',
            '/PROD/topics',
            '/other/topics',
            `${stage}`,
            `${stage}/`,
            `${stage}/unknown`,
            `${stage}/%`,
            `${stage}/${'x'.repeat(5_000)}`,
          ].map((p): Probe => ({ method: 'GET', path: p, label: `GET ${p.slice(0, 40)}` })),
        ];
        assert.ok(probes.length >= 200, `${probes.length} requests`);
        const statuses = await runCorpus(gatewayPort, probes);
        t.diagnostic(`gateway: ${probes.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
        assert.ok(statuses.has(403) && statuses.has(413) && statuses.has(422), JSON.stringify([...statuses]));
        await produceWorks(stack.endpoints.invokeUrl);
      });

      // The Kinesis routes do not depend on which Kafka runs: they are probed once, with the embedded one.
      if (kafka === 'embedded')
        test("the gateway's Kinesis routes: at least 200, 0 answered 5xx, and they still put and list", async (t) => {
          const r = seeded(4566);
          const stream = stack.names.streams.pin;
          const probes = kinesisProbes(stage, stream, r);
          assert.ok(probes.length >= 200, `${probes.length} requests`);
          const statuses = await runCorpus(gatewayPort, probes);
          t.diagnostic(
            `Kinesis routes: ${probes.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
          );
          assert.ok(
            [200, 400, 403, 404, 413].every((status) => statuses.has(status)),
            JSON.stringify([...statuses]),
          );
          const put = await fetch(`${stack.endpoints.invokeUrl}/streams/${stream}/record`, {
            method: 'PUT',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ StreamName: stream, Data: { index: 1 }, PartitionKey: '1' }),
          });
          assert.equal(put.status, 200, await put.clone().text());
          assert.match(((await put.json()) as { SequenceNumber: string }).SequenceNumber, /^\d+$/);
          const listed = (await (await fetch(`${stack.endpoints.invokeUrl}/streams`)).json()) as {
            StreamNames: string[];
          };
          assert.ok(listed.StreamNames.includes(stream));
        });
    },
  );
