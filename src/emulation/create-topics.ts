import { PipelineError } from '../errors';
import { withRetry, type RetryOptions } from '../retry';
import { readAnswer, statusError, type HttpClient } from '../http-client';
import { z } from 'zod';

/** What setup did for one topic or stream. */
export interface SetupResult {
  kind: 'topic' | 'stream';
  name: string;
  outcome: 'created' | 'exists';
  /** For streams: the status waited for (ACTIVE). */
  status?: string;
}

export interface CreateTopicsOptions {
  /** Partitions of each new topic; 1 by default (the course's). */
  partitions?: number;
  /** Copies of each partition: 1 for the local stack; MSK's three brokers want 3. */
  replicationFactor?: number;
  retry?: Pick<RetryOptions, 'retries' | 'baseDelayMs' | 'maxDelayMs'>;
  /** Told each topic once it exists. */
  onResult?: (result: SetupResult) => void;
}

/** Retry limits for setup calls: a stack still starting gets about 10 s. */
const SETUP_RETRY = { retries: 6, baseDelayMs: 200, maxDelayMs: 3_000 };

/**
 * Creates the topics through the REST Proxy v3 API: `GET /v3/clusters` for the cluster id, then
 * `POST /v3/clusters/<id>/topics` per topic. Idempotent: a topic that exists (400, error_code
 * 40002) is reported as `exists`.
 */
export async function createTopics(
  http: HttpClient,
  topics: readonly string[],
  options: CreateTopicsOptions = {},
): Promise<SetupResult[]> {
  const retry = options.retry ?? SETUP_RETRY;
  const clusterId = await withRetry(async () => {
    const id = (await http.json('GET', '/v3/clusters', CLUSTERS_ANSWER, { headers: { Accept: 'application/json' } }))
      .data?.[0]?.cluster_id;
    if (!id)
      throw new PipelineError(
        'PROTOCOL',
        `GET ${http.baseUrl}/v3/clusters listed no cluster; is this a Kafka REST Proxy (v3)?`,
      );
    return id;
  }, retry);

  const results: SetupResult[] = [];
  for (const topic of topics) {
    const outcome = await withRetry(async () => {
      const path = `/v3/clusters/${encodeURIComponent(clusterId)}/topics`;
      const response = await http.request('POST', path, {
        body: JSON.stringify({
          topic_name: topic,
          partitions_count: options.partitions ?? 1,
          replication_factor: options.replicationFactor ?? 1,
          configs: [],
        }),
        headers: { 'Content-Type': 'application/json' },
      });
      if (response.status === 201 || response.status === 200) return 'created' as const;
      if (response.status === 400 && restErrorCode(response.text) === 40002) return 'exists' as const;
      throw statusError(response, `POST ${http.baseUrl}${path} (topic ${topic})`);
    }, retry);
    results.push({ kind: 'topic', name: topic, outcome });
    options.onResult?.({ kind: 'topic', name: topic, outcome });
  }
  return results;
}

/** `GET /v3/clusters`: the clusters, each with its id. */
const CLUSTERS_ANSWER = z.object({ data: z.array(z.object({ cluster_id: z.string().optional() })).optional() });

/** A REST Proxy error body, `{"error_code": 40002, "message": ...}`. */
const REST_ERROR = z.object({ error_code: z.number().optional() });

function restErrorCode(text: string): number | undefined {
  return readAnswer(text, REST_ERROR)?.error_code;
}
