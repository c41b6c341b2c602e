import { roleArn, roleNames, type KitSettings } from './kit-settings';

/**
 * The Kafka side of the kit: the EC2 client's `client.properties` (Kafka's CLI tools) and the REST
 * proxy's `kafka-rest.properties`, both authenticating to MSK with IAM as in the course, and the
 * MSK Connect S3 sink connector's configuration (PIPELINE_SPEC.md §4).
 */

/** Confluent's REST proxy as installed in the course. */
export const CONFLUENT_HOME = '/home/ec2-user/confluent-7.2.0';
export const KAFKA_HOME = '/home/ec2-user/kafka_2.12-2.8.1';
/** The aws-msk-iam-auth jar the course downloads into Kafka's libs folder. */
export const MSK_IAM_JAR = 'aws-msk-iam-auth-1.1.5-all.jar';
/** Confluent's S3 sink, the custom plugin of MSK Connect. */
export const S3_SINK_PLUGIN_ZIP = 'confluentinc-kafka-connect-s3-10.0.3.zip';

/** The four MSK IAM settings, each `prefix`ed (`client.` for the REST proxy). */
function mskIamLines(settings: KitSettings, prefix: string): string[] {
  const arn = roleArn(settings, roleNames(settings.userId).ec2Access);
  return [
    '# Sets up TLS for encryption and SASL for authentication.',
    `${prefix}security.protocol=SASL_SSL`,
    '# Identifies the SASL mechanism to use.',
    `${prefix}sasl.mechanism=AWS_MSK_IAM`,
    '# Binds the SASL client implementation; the EC2 instance assumes this role to talk to MSK.',
    `${prefix}sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required awsRoleArn="${arn}";`,
    "# Builds the SigV4 signature from the role's credentials; called by the login module above.",
    `${prefix}sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler`,
  ];
}

/** `client.properties` for `kafka-topics.sh --command-config` on the EC2 client. */
export function clientProperties(settings: KitSettings): string {
  return [
    `# Kafka client settings for MSK with IAM authentication (user ${settings.userId}), made by npm run aws:kit.`,
    `# Copy to ${KAFKA_HOME}/bin/client.properties on the EC2 client, with ${MSK_IAM_JAR} in ${KAFKA_HOME}/libs`,
    `# and CLASSPATH=${KAFKA_HOME}/libs/${MSK_IAM_JAR} in ~/.bashrc. Then create the three topics:`,
    ...Object.values(settings.names.topics).map(
      (topic) =>
        `#   ./kafka-topics.sh --bootstrap-server ${settings.bootstrapServers} --command-config client.properties --create --topic ${topic}`,
    ),
    '',
    ...mskIamLines(settings, ''),
    '',
  ].join('\n');
}

/** `kafka-rest.properties` for Confluent's REST proxy on the EC2 client. */
export function kafkaRestProperties(settings: KitSettings): string {
  return [
    `# Confluent REST proxy settings for MSK with IAM authentication (user ${settings.userId}), made by npm run aws:kit.`,
    `# Copy to ${CONFLUENT_HOME}/etc/kafka-rest/kafka-rest.properties on the EC2 client, then start the proxy:`,
    `#   cd ${CONFLUENT_HOME}/bin && ./kafka-rest-start ${CONFLUENT_HOME}/etc/kafka-rest/kafka-rest.properties`,
    `# It listens on port ${settings.restProxyPort}; API Gateway's {proxy+} integration points at http://<EC2 public DNS>:${settings.restProxyPort}/{proxy}.`,
    '# Replace the <your-...> placeholders with the values of MSK → your cluster → View client information.',
    '',
    `id=${settings.userId}-kafka-rest`,
    `listeners=http://0.0.0.0:${settings.restProxyPort}`,
    '',
    '# The MSK cluster: Apache ZooKeeper connection string (plaintext) and bootstrap servers (private endpoint, IAM).',
    `zookeeper.connect=${settings.zookeeperConnect}`,
    `bootstrap.servers=${settings.bootstrapServers}`,
    '',
    "# The REST proxy's own Kafka clients authenticate with IAM too: the client.properties settings, prefixed client.",
    ...mskIamLines(settings, 'client.'),
    '',
  ].join('\n');
}

/** The connector's settings, as pasted into MSK Connect's "Connector configuration" box. */
export function connectorSettings(settings: KitSettings): [string, string][] {
  return [
    ['connector.class', 'io.confluent.connect.s3.S3SinkConnector'],
    ['s3.region', settings.region],
    ['flush.size', '1'],
    ['schema.compatibility', 'NONE'],
    ['tasks.max', '3'],
    ['topics.regex', `${settings.userId}.*`],
    ['format.class', 'io.confluent.connect.s3.format.json.JsonFormat'],
    ['partitioner.class', 'io.confluent.connect.storage.partitioner.DefaultPartitioner'],
    ['value.converter.schemas.enable', 'false'],
    ['value.converter', 'org.apache.kafka.connect.json.JsonConverter'],
    ['storage.class', 'io.confluent.connect.s3.storage.S3Storage'],
    ['key.converter', 'org.apache.kafka.connect.storage.StringConverter'],
    ['s3.bucket.name', settings.names.bucket],
  ];
}

export function connectorProperties(settings: KitSettings): string {
  return [
    `# MSK Connect S3 sink connector for user ${settings.userId}, made by npm run aws:kit: the course's settings.`,
    `# MSK Connect → Connectors → Create connector → custom plugin ${settings.userId}-plugin (msk-connect/custom-plugin.md),`,
    `# name ${settings.userId}-connector, your MSK cluster, IAM authentication; paste the lines below into "Connector configuration";`,
    `# access permissions: the role ${roleNames(settings.userId).ec2Access} (iam/ec2-client-role-trust.json, iam/msk-connect-role-policy.json).`,
    `# Every topic matching topics.regex is copied to s3://${settings.names.bucket}/topics/<topic>/partition=<p>/<topic>+<p>+<offset>.json,`,
    '# one record per object (flush.size=1). npm run doctor checks that a posted record arrives.',
    '',
    ...connectorSettings(settings).map(([key, value]) => `${key}=${value}`),
    '',
  ].join('\n');
}
