/**
 * The Kinesis side of the stream consumer (consume-streams.ts): the shards of a stream, an iterator
 * per shard (TRIM_HORIZON on the first run, AFTER_SEQUENCE_NUMBER of its checkpoint afterwards),
 * and GetRecords at the shard's pace, renewing an iterator that expired.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type GetRecordsCommandOutput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { hasErrorCode, PipelineError } from '../errors';
import type { Logger } from '../log';
import type { TableKey } from '../contract/tables';
import type { ShardCheckpoint } from './stream-tables';

/** Where the consumer is in one shard. */
export interface ShardState {
  table: TableKey;
  stream: string;
  shardId: string;
  iterator?: string;
  checkpoint?: ShardCheckpoint;
  lastCallAt: number;
  /** Since when the shard is caught up (undefined while it is reading). */
  idleSince?: number;
  closed: boolean;
  /** MillisBehindLatest of the last answer (counted while the shard is open only). */
  behind: number;
  /** `ParentShardId` and `AdjacentParentShardId` (a merge) among the listed shards: read to SHARD_END before this one. */
  parents: string[];
}

/** A shard as ListShards gives it: its id and its parents (one after a split, two after a merge). */
export interface ListedShard {
  shardId: string;
  parents: string[];
}

export interface ShardReaderOptions {
  kinesis: Pick<KinesisClient, 'send'>;
  /** The DuckDB file of the checkpoints, named when a checkpoint is not of its stream. */
  database: string;
  /** Least time between two GetRecords calls of one shard. */
  minIntervalMs: number;
  /** Records per GetRecords call. */
  limit: number;
  /** Aborted when the consumer stops: the pacing wait ends and no further call is made. */
  signal: AbortSignal;
  /** Runs one Kinesis call with the consumer's retries. */
  call<T>(what: string, operation: () => Promise<T>): Promise<T>;
  log?: Logger;
}

/** Lists shards and reads them; see the module comment. */
export class ShardReader {
  constructor(private readonly options: ShardReaderOptions) {}

  /** The stream's shards with their parents, every page of ListShards. */
  async listShards(stream: string): Promise<ListedShard[]> {
    const { call, kinesis } = this.options;
    const ids: ListedShard[] = [];
    let nextToken: string | undefined;
    do {
      const page = await call(`ListShards ${stream}`, () =>
        kinesis.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: stream })),
      );
      for (const shard of page.Shards ?? []) {
        if (shard.ShardId)
          ids.push({
            shardId: shard.ShardId,
            parents: [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => Boolean(id)),
          });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return ids;
  }

  /** One GetRecords at the shard's pace; renews an expired iterator. Undefined once stopped or when the shard has no iterator. */
  async getRecords(shard: ShardState): Promise<GetRecordsCommandOutput | undefined> {
    const { call, kinesis, signal, limit } = this.options;
    for (let renewals = 0; ; renewals++) {
      if (signal.aborted) return undefined;
      shard.iterator ??= await this.newIterator(shard);
      if (!shard.iterator) return undefined;
      try {
        return await call(`GetRecords ${shard.stream} ${shard.shardId}`, async () => {
          // Every attempt, retries included, waits for the shard's pace: Kinesis counts each call.
          await this.pace(shard);
          if (signal.aborted) return undefined;
          return kinesis.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: limit }));
        });
      } catch (error) {
        if (!hasErrorCode(error, 'ITERATOR_EXPIRED') || renewals >= 3) throw error;
        this.options.log?.info(
          `${shard.stream} ${shard.shardId}: iterator expired, renewing from ${shard.checkpoint?.sequenceNumber ?? 'TRIM_HORIZON'}`,
        );
        shard.iterator = undefined;
      }
    }
  }

  /** An iterator after the shard's checkpoint, or from TRIM_HORIZON without one. */
  private async newIterator(shard: ShardState): Promise<string | undefined> {
    const { call, kinesis, database } = this.options;
    const seq = shard.checkpoint?.sequenceNumber;
    try {
      const output = await call(`GetShardIterator ${shard.stream} ${shard.shardId}`, () =>
        kinesis.send(
          new GetShardIteratorCommand({
            StreamName: shard.stream,
            ShardId: shard.shardId,
            ...(seq
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: seq }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        ),
      );
      return output.ShardIterator;
    } catch (error) {
      if (seq && hasErrorCode(error, 'AWS_REQUEST_INVALID')) {
        throw new PipelineError(
          'CHECKPOINT_FOREIGN',
          `the checkpoint of ${shard.stream} ${shard.shardId} in ${database} is not of this stream (was it deleted and created again?); delete ${database} to read the streams from the start`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Waits until the shard may be called again (or the consumer stops). */
  private async pace(shard: ShardState): Promise<void> {
    const wait = shard.lastCallAt + this.options.minIntervalMs - Date.now();
    if (wait > 0) await sleep(wait, undefined, { signal: this.options.signal }).catch(() => undefined);
    shard.lastCallAt = Date.now();
  }
}
