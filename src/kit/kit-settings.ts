import path from 'node:path';
import type { Names, PipelineConfig } from '../config';

/**
 * What the AWS and Databricks kit is filled in with: the learner's names from credentials/, and the
 * things only AWS knows (account id, MSK bootstrap servers, the EC2 client's address), which stay
 * visible placeholders until given.
 */
export interface KitSettings {
  userId: string;
  region: string;
  names: Names;
  /** The 12-digit AWS account id, or a placeholder. */
  accountId: string;
  /** MSK's bootstrap servers for IAM (`b-1.<cluster>.kafka.<region>.amazonaws.com:9098,...`). */
  bootstrapServers: string;
  /** MSK's Apache ZooKeeper connection string (plaintext, port 2181). */
  zookeeperConnect: string;
  /** Public DNS name of the EC2 client that runs the REST proxy. */
  restProxyHost: string;
  /** The REST proxy's port on the EC2 client (Confluent's default 8082). */
  restProxyPort: number;
  /** MSK cluster name, for the IAM resource ARNs. */
  clusterName: string;
  /** The API Gateway stage of the invoke URL. */
  stage: string;
  /** Databricks workspace URL and cluster, when credentials/databricks.yaml has them. */
  databricksHost: string;
  databricksClusterId: string;
  /** The workspace folder the notebooks of databricks/ are imported into (notebook_path's folder). */
  databricksNotebookDir: string;
  /** The S3 bucket of the MWAA environment, whose dags/ folder holds the DAG. */
  mwaaBucket: string;
}

/** Placeholders for what the learner copies from the AWS console. Each is written once here. */
export const KIT_PLACEHOLDERS = {
  accountId: '<your-aws-account-id>',
  bootstrapServers: '<your-msk-bootstrap-servers>',
  zookeeperConnect: '<your-msk-zookeeper-connection-string>',
  restProxyHost: '<your-ec2-client-public-dns>',
  clusterName: '<your-msk-cluster-name>',
  databricksHost: '<your-databricks-workspace-url>',
  databricksClusterId: '<your-databricks-cluster-id>',
  databricksNotebookDir: '/Workspace/Users/<your-databricks-user>/pinterest-pipeline/databricks',
  mwaaBucket: '<your-mwaa-bucket>',
} as const;

/**
 * What fills each placeholder: an option of `npm run aws:kit` or a key of credentials/. Printed
 * next to every placeholder still in the kit, so none is left without a way to fill it.
 */
export const PLACEHOLDER_FILLED_BY: Record<string, string> = {
  '<your-aws-account-id>': '--account-id',
  '<your-msk-bootstrap-servers>': '--bootstrap-servers',
  '<your-msk-zookeeper-connection-string>': '--zookeeper-connect',
  '<your-ec2-client-public-dns>': '--rest-proxy-host',
  '<your-msk-cluster-name>': '--cluster-name',
  '<your-mwaa-bucket>': '--mwaa-bucket',
  '<your-databricks-workspace-url>': 'host in credentials/databricks.yaml (or DATABRICKS_HOST)',
  '<your-databricks-cluster-id>': 'cluster_id in credentials/databricks.yaml (or DATABRICKS_CLUSTER_ID)',
  '<your-databricks-user>': 'notebook_path in credentials/databricks.yaml (or DATABRICKS_NOTEBOOK_PATH): its folder',
};

/** `<placeholder>: <what fills it>` for each placeholder, in the order given. */
export function describePlaceholders(placeholders: readonly string[]): string[] {
  return placeholders.map(
    (placeholder) => `${placeholder}: ${PLACEHOLDER_FILLED_BY[placeholder] ?? 'replace it by hand in the files'}`,
  );
}

/** Matches any placeholder of the kit, to list the ones still to fill in. */
export const PLACEHOLDER_PATTERN = /<your-[a-z0-9-]+>/g;

export const REST_PROXY_PORT = 8082;

export interface KitOverrides {
  accountId?: string;
  bootstrapServers?: string;
  zookeeperConnect?: string;
  restProxyHost?: string;
  clusterName?: string;
  mwaaBucket?: string;
}

/** What of the configuration the kit reads. */
export type KitConfig = Pick<PipelineConfig, 'userId' | 'names' | 'aws' | 'databricks'>;

/** The kit's settings from the configuration, with what the command line adds. */
export function kitSettings(config: KitConfig, overrides: KitOverrides = {}): KitSettings {
  const stage = config.aws.invokeUrl
    ? (new URL(config.aws.invokeUrl).pathname.split('/').filter(Boolean)[0] ?? 'prod')
    : 'prod';
  return {
    userId: config.userId,
    region: config.aws.region,
    names: config.names,
    accountId: overrides.accountId ?? KIT_PLACEHOLDERS.accountId,
    bootstrapServers: overrides.bootstrapServers ?? KIT_PLACEHOLDERS.bootstrapServers,
    zookeeperConnect: overrides.zookeeperConnect ?? KIT_PLACEHOLDERS.zookeeperConnect,
    restProxyHost: overrides.restProxyHost ?? KIT_PLACEHOLDERS.restProxyHost,
    restProxyPort: REST_PROXY_PORT,
    clusterName: overrides.clusterName ?? KIT_PLACEHOLDERS.clusterName,
    stage,
    databricksHost: config.databricks.host ?? KIT_PLACEHOLDERS.databricksHost,
    databricksClusterId: config.databricks.clusterId ?? KIT_PLACEHOLDERS.databricksClusterId,
    databricksNotebookDir: config.databricks.notebookPath
      ? path.posix.dirname(config.databricks.notebookPath)
      : KIT_PLACEHOLDERS.databricksNotebookDir,
    mwaaBucket: overrides.mwaaBucket ?? KIT_PLACEHOLDERS.mwaaBucket,
  };
}

/**
 * The doctor's own topic and stream, so that its marked records never reach the learner's tables
 * or quarantines. `<user_id>.doctor` matches the sink's `topics.regex=<user_id>.*` (so the S3
 * sink hop still proves the connector copies the user's topics), but the batch readers (npm run
 * clean, notebook 03, batch_clean.sql) read only `topics/<user_id>.pin|geo|user/`. The stream
 * `streaming-<user_id>-doctor` is read by no consumer (they read the three streams by name); the
 * doctor deletes it after the check, so it costs nothing on AWS.
 */
export function doctorNames(userId: string): { topic: string; stream: string } {
  return { topic: `${userId}.doctor`, stream: `streaming-${userId}-doctor` };
}

/** The course's IAM role names, derived from the user id. */
export function roleNames(userId: string): { ec2Access: string; kinesisAccess: string } {
  return { ec2Access: `${userId}-ec2-access-role`, kinesisAccess: `${userId}-kinesis-access-role` };
}

export function roleArn(settings: KitSettings, role: string): string {
  return `arn:aws:iam::${settings.accountId}:role/${role}`;
}
