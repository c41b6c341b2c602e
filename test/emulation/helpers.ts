import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { PipelineError } from '../../src/errors';
import { namesFor } from '../../src/config';
import type { RowSource } from '../../src/source/row-source';
import type { Post, RowByTable, TableKey } from '../../src/contract/tables';
import {
  MIB,
  type OutgoingRecord,
  type RecordOutcome,
  type RecordTransport,
  type TransportLimits,
} from '../../src/emulation/transport';

/** A post with `id` in every row, shaped like the course's. */
export function makePost(id: number): Post {
  return {
    pin: {
      index: id,
      unique_id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
      title: `Title ${id}`,
      description: 'No description available',
      poster_name: 'User Info Error',
      follower_count: '124k',
      tag_list: 'a,b,c',
      is_image_or_video: 'image',
      image_src: 'https://i.pinimg.com/x.jpg',
      downloaded: 1,
      save_location: 'Local save in /data/art',
      category: 'art',
    },
    geo: { ind: id, timestamp: '2020-08-28 03:52:47', latitude: -89.9787, longitude: -173.293, country: 'Albania' },
    user: { ind: id, first_name: 'Abigail', last_name: 'Ali', age: 20, date_joined: '2015-10-24 11:23:51' },
  };
}

/** A RowSource over `rows` posts made by `make` (default `makePost`), counting reads. */
export function fakeSource(
  rows: number,
  make: (position: number) => Post = makePost,
): RowSource & { reads: number[][] } {
  const reads: number[][] = [];
  return {
    description: `fake source of ${rows} posts`,
    reads,
    count: async () => rows,
    postsAt: async (positions) => {
      reads.push([...positions]);
      return positions.filter((p) => p < rows).map(make);
    },
    rows: async <K extends TableKey>(table: K, offset: number, limit: number) => {
      const out: RowByTable[K][] = [];
      for (let p = offset; p < Math.min(rows, offset + limit); p++) out.push(make(p)[table]);
      return out;
    },
    close: async () => {},
  };
}

export const NAMES = namesFor('test-user');

/** One call a fake transport received. */
export interface SentRequest {
  destination: string;
  records: OutgoingRecord[];
}

/**
 * An in-memory transport. `script(call, destination, records)` may throw (a failed request) or
 * return outcomes to use instead of acknowledging everything. Acknowledged records are kept.
 */
export function fakeTransport<P extends 'batch' | 'stream' = 'batch'>(
  options: {
    path?: P;
    limits?: Partial<TransportLimits>;
    script?: (call: number, destination: string, records: readonly OutgoingRecord[]) => RecordOutcome[] | undefined;
    delayMs?: number;
  } = {},
): RecordTransport & { readonly path: P; requests: SentRequest[]; stored: Map<string, OutgoingRecord[]> } {
  const requests: SentRequest[] = [];
  const stored = new Map<string, OutgoingRecord[]>();
  let calls = 0;
  return {
    path: options.path ?? ('batch' as P),
    description: 'fake transport',
    limits: { maxRecords: 500, maxRequestBytes: 5 * MIB, maxRecordBytes: MIB, ...options.limits },
    recordBytes: (record) => Buffer.byteLength(record.json) + Buffer.byteLength(record.key),
    requests,
    stored,
    async send(destination, records, signal) {
      const call = calls++;
      requests.push({ destination, records: [...records] });
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      if (signal?.aborted) throw signal.reason;
      const scripted = options.script?.(call, destination, records);
      const outcomes = scripted ?? records.map((): RecordOutcome => ({ ok: true }));
      const list = stored.get(destination) ?? [];
      outcomes.forEach((o, i) => {
        if (o.ok) list.push(records[i]);
      });
      stored.set(destination, list);
      return outcomes.map((o, i) => (o.ok ? { ...o, offset: list.indexOf(records[i]) } : o));
    },
    close: async () => {},
  };
}

export function retriableError(message = 'HTTP 500'): PipelineError {
  return new PipelineError('HTTP_STATUS', message, { retriable: true });
}

/** A request exactly as it arrived on the socket. */
export interface RawRequest {
  /** Request line, headers and body, byte for byte. */
  raw: Buffer;
  requestLine: string;
  /** Header lines as sent, in order. */
  headerLines: string[];
  body: Buffer;
}

/**
 * A TCP server that records each HTTP/1.1 request byte for byte and answers with `reply(request)`.
 * Understands Content-Length bodies (which is all the emulation sends) and keep-alive.
 */
export async function startRawServer(
  reply: (request: RawRequest) => { status: number; body: string },
): Promise<{ url: string; requests: RawRequest[]; close(): Promise<void> }> {
  const requests: RawRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const length = Number(head.find((l) => /^content-length:/i.test(l))?.split(':')[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const raw = buffer.subarray(0, end + 4 + length);
        buffer = buffer.subarray(end + 4 + length);
        const request: RawRequest = {
          raw: Buffer.from(raw),
          requestLine: head[0],
          headerLines: head.slice(1),
          body: Buffer.from(raw.subarray(end + 4)),
        };
        requests.push(request);
        const answer = reply(request);
        const text = Buffer.from(answer.body);
        socket.write(
          `HTTP/1.1 ${answer.status} ${http.STATUS_CODES[answer.status] ?? 'Status'}\r\nContent-Type: application/json\r\nContent-Length: ${text.length}\r\nConnection: keep-alive\r\n\r\n`,
        );
        socket.write(text);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
