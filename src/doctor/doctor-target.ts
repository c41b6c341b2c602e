import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { MysqlSourceConfig, PipelineConfig } from '../config';
import { DEFAULT_DATA_DIR, type RunningStack } from '../local-stack/start-local-stack';
import { openTarget, type RunTarget } from '../target/open-target';
import type { Logger } from '../log';
import type { TableKey } from '../contract/tables';
import { doctorNames } from '../kit/kit-settings';

export { doctorNames };

/** Everything the doctor talks to: one target, made once from configuration and passed in. */
export interface DoctorTarget {
  kind: 'local' | 'aws';
  /** For people: "AWS through <invoke URL>" or "local stack ...". */
  description: string;
  userId: string;
  /** API Gateway invoke URL with its stage (`https://.../prod`), or the local gateway's. */
  invokeUrl: string;
  topics: Record<TableKey, string>;
  streams: Record<TableKey, string>;
  /** Where the doctor's marked records go (`doctorNames`): never one of `topics` or `streams`. */
  checkTopic: string;
  checkStream: string;
  bucket: string;
  region: string;
  /** Reads the S3 sink's bucket (ListObjectsV2, GetObject). */
  s3: S3Client;
  /** Set: the streams are checked with the SDK; unset: through the gateway's `/streams` routes. */
  kinesis?: KinesisClient;
  /** The MySQL source, when one is configured. */
  database?: MysqlSourceConfig;
  /** The Databricks workspace, when a host is configured. */
  databricks?: { host: string; token?: string; clusterId?: string };
  /** Closes the clients, and stops the local stack if it was started for the doctor. */
  close(): Promise<void>;
}

export interface OpenDoctorTargetOptions {
  /** Check the local stack even when credentials/aws.yaml has an invoke URL. */
  local?: boolean;
  /** Where to look for a running local stack (default `.local-stack`); one is started in a temporary folder when none runs. */
  dataDir?: string;
  log?: Logger;
}

function databricksOf(config: PipelineConfig): DoctorTarget['databricks'] {
  const { host, token, clusterId } = config.databricks;
  return host ? { host, ...(token ? { token } : {}), ...(clusterId ? { clusterId } : {}) } : undefined;
}

/**
 * The target of `config`: AWS through its invoke URL (S3 and, with `kinesis_via: sdk`, Kinesis
 * through the default AWS credential chain), or the local stack: one running from `dataDir`, or a
 * new one in a temporary folder for this check (stopped by `close()`).
 */
export async function openDoctorTarget(
  config: PipelineConfig,
  options: OpenDoctorTargetOptions = {},
): Promise<DoctorTarget> {
  const database = config.source.kind === 'mysql' ? config.source : undefined;
  const databricks = databricksOf(config);
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  // Locally, the learner's running stack, as every step uses it: none running fails at once saying to start it.
  const target = await openTarget(config, { ...(options.local ? { local: true } : {}), dataDir });
  if (!target.stack) return doctorTargetOf('aws', target, { database, databricks });
  if (target.userId !== config.userId) {
    options.log?.warn(
      `the local stack running from ${dataDir} is for user ${target.userId}, not ${config.userId}; checking its topics and streams`,
    );
  }
  const local = localDoctorTarget(target.stack, {
    description: `the local stack running from ${dataDir}`,
    viaSdk: config.aws.kinesisVia === 'sdk',
    database,
    databricks,
  });
  return { ...local, close: () => target.close() };
}

/** What the doctor checks, and where: the target's names, bucket and clients with the doctor's own topic and stream. */
function doctorTargetOf(
  kind: DoctorTarget['kind'],
  at: Pick<
    RunTarget,
    'description' | 'userId' | 'invokeUrl' | 'names' | 'bucket' | 'region' | 's3' | 'kinesis' | 'close'
  >,
  extras: { database?: MysqlSourceConfig; databricks?: DoctorTarget['databricks'] },
): DoctorTarget {
  return {
    kind,
    description: at.description,
    userId: at.userId,
    invokeUrl: at.invokeUrl,
    topics: at.names.topics,
    streams: at.names.streams,
    checkTopic: doctorNames(at.userId).topic,
    checkStream: doctorNames(at.userId).stream,
    bucket: at.bucket,
    region: at.region,
    s3: at.s3,
    ...(at.kinesis ? { kinesis: at.kinesis } : {}),
    ...(extras.database ? { database: extras.database } : {}),
    ...(extras.databricks ? { databricks: extras.databricks } : {}),
    close: () => at.close(),
  };
}

/** A target on a running local stack (tests build theirs with this). */
export function localDoctorTarget(
  connection: Pick<RunningStack, 'endpoints' | 'bucket' | 'region' | 'userId' | 'names' | 's3' | 'kinesis' | 'close'>,
  options: {
    description?: string;
    viaSdk?: boolean;
    database?: MysqlSourceConfig;
    databricks?: DoctorTarget['databricks'];
    invokeUrl?: string;
  } = {},
): DoctorTarget {
  return doctorTargetOf(
    'local',
    {
      description: options.description ?? `the local stack at ${connection.endpoints.invokeUrl}`,
      userId: connection.userId,
      invokeUrl: options.invokeUrl ?? connection.endpoints.invokeUrl,
      names: connection.names,
      bucket: connection.bucket,
      region: connection.region,
      s3: connection.s3,
      ...(options.viaSdk ? { kinesis: connection.kinesis } : {}),
      close: () => connection.close(),
    },
    options,
  );
}
