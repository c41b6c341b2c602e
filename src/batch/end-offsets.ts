/**
 * The end offset of every partition of the three topics, asked of the Kafka REST proxy (Confluent
 * v2: `GET /topics/{t}` for the partitions, `GET /topics/{t}/partitions/{p}/offsets` for
 * `end_offset`). A reader knows it has a whole partition only against this: the sink's keys carry
 * the first offset of each object, not the last (PIPELINE_SPEC.md §4). Locally the REST proxy is the
 * stack's; on AWS it is reached through the invoke URL's `{proxy+}` resource, as the course built it.
 */
import { z } from 'zod';
import { KAFKA_V2 } from '../contract/kafka-rest';
import { TABLES, type TableKey } from '../contract/tables';
import { PipelineError } from '../errors';
import { parseAnswer, statusError, type HttpClient } from '../http-client';

/** Per table: partition → end offset (the offset the next record will get; records are 0..end-1). */
export type EndOffsets = Record<TableKey, Map<number, number>>;

const topicBody = z.object({ partitions: z.array(z.object({ partition: z.number().int().nonnegative() })) });
const offsetsBody = z.object({ end_offset: z.number().int().nonnegative() });

/** Asks `http` (a REST proxy, or an invoke URL forwarding to one) for the end offsets of `topics`. */
export async function fetchEndOffsets(http: HttpClient, topics: Record<TableKey, string>): Promise<EndOffsets> {
  const ends = {} as EndOffsets;
  for (const table of TABLES) {
    const topic = topics[table];
    const path = `/topics/${encodeURIComponent(topic)}`;
    const answer = await http.request('GET', path, { headers: { Accept: KAFKA_V2 } });
    if (answer.status === 404) {
      throw new PipelineError(
        'TOPIC_NOT_FOUND',
        `topic ${topic} does not exist at ${http.baseUrl}: create it (npm run create-topics) and emulate posts (npm run emulate:batch) first`,
      );
    }
    if (answer.status !== 200) throw statusError(answer, `GET ${http.baseUrl}${path}`);
    const partitions = parseAnswer(answer.text, topicBody, `${http.baseUrl}${path}`).partitions.map((p) => p.partition);
    ends[table] = new Map();
    for (const partition of partitions.sort((a, b) => a - b)) {
      const offsetsPath = `${path}/partitions/${partition}/offsets`;
      const offsets = await http.request('GET', offsetsPath, { headers: { Accept: KAFKA_V2 } });
      if (offsets.status !== 200) throw statusError(offsets, `GET ${http.baseUrl}${offsetsPath}`);
      ends[table].set(partition, parseAnswer(offsets.text, offsetsBody, `${http.baseUrl}${offsetsPath}`).end_offset);
    }
  }
  return ends;
}

/** Records below the end offsets of `ends` (of one table, or all). */
export function recordsBelowEnd(ends: EndOffsets, table?: TableKey): number {
  const tables: readonly TableKey[] = table ? [table] : TABLES;
  return tables.reduce((n, t) => n + [...ends[t].values()].reduce((m, end) => m + end, 0), 0);
}
