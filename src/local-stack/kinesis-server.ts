import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import { PipelineError } from '../errors';
import { listenOn } from './http-util';

/** The options of kinesalite (untyped CommonJS) this module sets. */
interface KinesaliteOptions {
  path: string;
  createStreamMs: number;
  deleteStreamMs: number;
  updateStreamMs: number;
  shardLimit: number;
}
type Kinesalite = (options: KinesaliteOptions) => http.Server;
type LevelDown = (location: string) => {
  open(cb: (error?: Error) => void): void;
  close(cb: (error?: Error) => void): void;
};

export interface KinesisServerOptions {
  /** LevelDB folder holding the streams; they survive restarts. */
  dir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Shards the whole account may have (kinesalite's default is 10; ours 50). */
  shardLimit?: number;
}

export interface KinesisServer {
  /** `http://127.0.0.1:<port>`; create clients with `createKinesisClient` (HTTP/1.1). */
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts kinesalite on 127.0.0.1, persisted under `dir` (LevelDB). Streams become ACTIVE at once
 * (`createStreamMs: 0`) instead of after kinesalite's default 500 ms.
 *
 * Kinesalite checks request shapes as Kinesis does (1-500 records per PutRecords, Data at most
 * 1 MiB, partition key 1-256 characters, a 7 MiB request body) but enforces no throughput: no
 * 1,000 records/s or 1 MiB/s per shard, no 5 GetRecords calls/s, and never answers
 * ProvisionedThroughputExceededException (FailedRecordCount is always 0). Iterators do expire
 * after 5 minutes, and GetRecords returns at most 10,000 records.
 */
export async function startKinesisServer(options: KinesisServerOptions): Promise<KinesisServer> {
  await mkdir(options.dir, { recursive: true });
  await checkNotLocked(options.dir);
  const kinesalite = require('kinesalite') as Kinesalite;
  const store = kinesalite({
    path: options.dir,
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: options.shardLimit ?? 50,
  });
  const handle = store.listeners('request')[0] as http.RequestListener;
  const inFlight = new Set<http.ServerResponse>();
  let idle: (() => void) | undefined;
  // Our own server in front of kinesalite's handler, so that stopping can wait for requests in
  // flight: kinesalite throws (an uncaught exception that ends the process) when a request's
  // socket dies mid-request or when its LevelDB closes under a pending operation.
  const server = http.createServer((req, res) => {
    inFlight.add(res);
    res.on('close', () => {
      inFlight.delete(res);
      if (inFlight.size === 0) idle?.();
    });
    handle(req, res);
    for (const listener of req.listeners('error')) req.removeListener('error', listener as (error: Error) => void);
    req.on('error', () => res.destroy());
  });
  const closeDb = () =>
    new Promise<void>((resolve, reject) => {
      // kinesalite's close() closes its LevelDB, then its own (never started) HTTP server.
      store.close((error?: Error) =>
        error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING' ? reject(error) : resolve(),
      );
    });
  const closeServer = async (): Promise<void> => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_GRACE_MS);
        idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    server.closeAllConnections();
    await stopped;
    await closeDb();
  };

  const port = await listenOn(server, options.port, '127.0.0.1', closeDb);
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: () => (closed ??= closeServer()),
  };
}

/** How long stopping waits for Kinesis requests in flight before cutting their connections. */
const CLOSE_GRACE_MS = 5_000;

/**
 * LevelDB allows one process per folder, and kinesalite reports a held lock as an uncaught
 * exception, so the folder is opened once here first to turn that into a clear error.
 */
async function checkNotLocked(dir: string): Promise<void> {
  // leveldown is kinesalite's own (optional) dependency, so it is resolved from there.
  const leveldown = createRequire(require.resolve('kinesalite'))('leveldown') as LevelDown;
  const db = leveldown(dir);
  try {
    await new Promise<void>((resolve, reject) => db.open((error) => (error ? reject(error) : resolve())));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (/lock/i.test(reason)) {
      throw new PipelineError(
        'KINESIS_DATA_LOCKED',
        `the Kinesis data in ${dir} is in use by another process; stop the other local stack or pass --data-dir`,
        { cause: error },
      );
    }
    throw new PipelineError(
      'KINESIS_DATA_UNREADABLE',
      `cannot open the Kinesis data in ${dir} (${reason}); start with --fresh to discard it`,
      { cause: error },
    );
  }
  await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
}
