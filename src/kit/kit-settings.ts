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
} as const;

/** Matches any placeholder of the kit, to list the ones still to fill in. */
export const PLACEHOLDER_PATTERN = /<your-[a-z0-9-]+>/g;

export const REST_PROXY_PORT = 8082;

export interface KitOverrides {
  accountId?: string;
  bootstrapServers?: string;
  zookeeperConnect?: string;
  restProxyHost?: string;
  clusterName?: string;
}

/** The kit's settings from the configuration, with what the command line adds. */
export function kitSettings(config: PipelineConfig, overrides: KitOverrides = {}): KitSettings {
  const stage = config.aws.invokeUrl ? new URL(config.aws.invokeUrl).pathname.split('/').filter(Boolean)[0] ?? 'prod' : 'prod';
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
  };
}

/** The course's IAM role names, derived from the user id. */
export function roleNames(userId: string): { ec2Access: string; kinesisAccess: string } {
  return { ec2Access: `${userId}-ec2-access-role`, kinesisAccess: `${userId}-kinesis-access-role` };
}

export function roleArn(settings: KitSettings, role: string): string {
  return `arn:aws:iam::${settings.accountId}:role/${role}`;
}
