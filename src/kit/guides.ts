import { doctorNames, PLACEHOLDER_FILLED_BY, roleNames, type KitSettings } from './kit-settings';
import { CONFLUENT_HOME, KAFKA_HOME, MSK_IAM_JAR, S3_SINK_PLUGIN_ZIP } from './properties';

/** The step pages of the kit (Markdown), each starting with what it is for. */

export function ec2ClientSteps(settings: KitSettings): string {
  const topics = Object.values(settings.names.topics);
  return [
    `# The EC2 client: Kafka tools and the REST proxy (user ${settings.userId})`,
    '',
    'Made by `npm run aws:kit`. Run these on the EC2 client (`ssh -i <key>.pem ec2-user@<EC2 public DNS>`), in order.',
    '',
    `1. Attach the role \`${roleNames(settings.userId).ec2Access}\` to the instance (iam/ec2-client-role-*.json).`,
    `2. Java and Kafka: \`sudo yum install -y java-1.8.0\`, then unpack Kafka 2.12-2.8.1 in /home/ec2-user (${KAFKA_HOME}).`,
    `3. MSK IAM authentication: download \`${MSK_IAM_JAR}\` (aws-msk-iam-auth releases) into \`${KAFKA_HOME}/libs\` and add`,
    `   \`export CLASSPATH=${KAFKA_HOME}/libs/${MSK_IAM_JAR}\` to \`~/.bashrc\`.`,
    `4. Copy \`client.properties\` to \`${KAFKA_HOME}/bin/\` and create the topics:`,
    '',
    '   ```sh',
    `   cd ${KAFKA_HOME}/bin`,
    ...topics.map(
      (t) =>
        `   ./kafka-topics.sh --bootstrap-server ${settings.bootstrapServers} --command-config client.properties --create --topic ${t}`,
    ),
    '   ```',
    '',
    `5. The REST proxy: unpack Confluent 7.2.0 in /home/ec2-user (${CONFLUENT_HOME}), copy \`kafka-rest.properties\` to`,
    `   \`${CONFLUENT_HOME}/etc/kafka-rest/\` and start it (leave it running, e.g. in tmux):`,
    '',
    '   ```sh',
    `   cd ${CONFLUENT_HOME}/bin && ./kafka-rest-start ${CONFLUENT_HOME}/etc/kafka-rest/kafka-rest.properties`,
    '   ```',
    '',
    `6. The instance's security group must let API Gateway in on port ${settings.restProxyPort} (inbound TCP ${settings.restProxyPort}).`,
    `7. On the laptop: \`curl <invoke_url>/topics\` lists ${topics.join(', ')}; \`npm run doctor\` checks it too.`,
    '',
  ].join('\n');
}

export function customPluginNote(settings: KitSettings): string {
  return [
    `# MSK Connect: the custom plugin and the S3 sink connector (user ${settings.userId})`,
    '',
    'Made by `npm run aws:kit`. The connector copies every topic matching `topics.regex` to the bucket, as PIPELINE_SPEC.md §4.',
    '',
    `1. The bucket \`${settings.names.bucket}\` (S3 → Create bucket, region ${settings.region}), if the course did not give you one.`,
    `2. Confluent's S3 sink connector, \`${S3_SINK_PLUGIN_ZIP}\` (Confluent Hub: kafka-connect-s3, version 10.0.3, the zip),`,
    `   uploaded to \`s3://${settings.names.bucket}/kafka-connect-s3/${S3_SINK_PLUGIN_ZIP}\`, e.g. from the EC2 client:`,
    '',
    '   ```sh',
    `   aws s3 cp ./${S3_SINK_PLUGIN_ZIP} s3://${settings.names.bucket}/kafka-connect-s3/`,
    '   ```',
    '',
    `3. MSK Connect → Custom plugins → Create custom plugin: the object above, name \`${settings.userId}-plugin\`.`,
    `4. MSK Connect → Connectors → Create connector: plugin \`${settings.userId}-plugin\`, name \`${settings.userId}-connector\`,`,
    '   your MSK cluster, authentication IAM, encryption TLS; capacity provisioned, 1 MCU, 1 worker;',
    '   "Connector configuration": the lines of `s3-sink-connector.properties` (comments may be left out);',
    `   access permissions: \`${roleNames(settings.userId).ec2Access}\` (iam/msk-connect-role-policy.json); log delivery to CloudWatch helps when nothing arrives.`,
    `5. When the connector is Running, \`npm run doctor\` posts one marked record to its own topic ${doctorNames(settings.userId).topic}`,
    `   (copied by the connector, read by none of your tables) and waits for it in \`s3://${settings.names.bucket}/topics/${doctorNames(settings.userId).topic}/\`.`,
    '',
  ].join('\n');
}

/** The line of dags/localuser_dag.py that the DAG step's sed command rewrites for the user id. */
export const DAG_USER_ID_DEFAULT = '"PINTEREST_USER_ID", "localuser"';

export function mwaaDatabricksSteps(settings: KitSettings): string {
  const dag = `${settings.names.dagId}.py`;
  const notebookDir = settings.databricksNotebookDir;
  return [
    `# Databricks and MWAA: the daily batch run (user ${settings.userId})`,
    '',
    'Made by `npm run aws:kit`. The DAG runs `batch_clean` then `analysis` on your Databricks cluster every day (PIPELINE_SPEC.md §7).',
    '',
    '## Databricks',
    '',
    `1. Import the three notebooks of \`databricks/\` (\`batch_clean.sql\`, \`analysis.sql\`, \`stream_kinesis.py\`) into one workspace`,
    `   folder, e.g. \`${notebookDir}\`: Workspace → your folder → Import → File, one at a time, or`,
    `   \`databricks workspace import-dir databricks ${notebookDir}\`. Each becomes a notebook named after the file without`,
    '   its extension (`batch_clean`, `analysis`, `stream_kinesis`).',
    `2. The cluster (${settings.databricksClusterId}) must read \`s3://${settings.names.bucket}/\` (an instance profile or a Unity Catalog`,
    '   external location) and, for `stream_kinesis`, the streams; see databricks/README.md.',
    `3. \`credentials/databricks.yaml\`: \`host: ${settings.databricksHost}\`, \`cluster_id\`, and`,
    `   \`notebook_path: ${notebookDir}/batch_clean\`; export \`DATABRICKS_TOKEN\` (User settings → Developer → Access tokens).`,
    '   `npm run doctor` checks host and token; `npm run databricks:run` runs the notebook once.',
    '',
    '## MWAA (Airflow)',
    '',
    `1. The DAG for your user id, \`${dag}\`, from the repository's \`dags/localuser_dag.py\`:`,
    '',
    '   ```sh',
    `   sed 's/${DAG_USER_ID_DEFAULT}/"PINTEREST_USER_ID", "${settings.userId}"/' dags/localuser_dag.py > ${dag}`,
    '   ```',
    '',
    `2. Upload it to the \`dags/\` folder of your MWAA environment's bucket: \`aws s3 cp ${dag} s3://${settings.mwaaBucket}/dags/\`;`,
    "   the environment's `requirements.txt` needs `apache-airflow-providers-databricks`.",
    `3. Airflow UI → Admin → Connections → \`databricks_default\`: type Databricks, host \`${settings.databricksHost}\`,`,
    '   password: the personal access token (or extra `{"token": "<token>"}`).',
    `4. Airflow UI → Admin → Variables: \`databricks_cluster_id\` = your cluster id, \`databricks_notebook_dir\` = \`${notebookDir}\`.`,
    `5. Unpause \`${settings.names.dagId}\` and trigger it once; both tasks should end in success.`,
    '',
  ].join('\n');
}

/** The kit's front page: the order of the steps and which file goes where. */
export function kitReadme(settings: KitSettings, files: string[], placeholders: string[]): string {
  return [
    `# AWS and Databricks kit for user ${settings.userId}`,
    '',
    `Made by \`npm run aws:kit\` from credentials/ (user ${settings.userId}, region ${settings.region}, bucket ${settings.names.bucket}).`,
    'Rerun it after changing credentials/ or to fill placeholders: `npm run aws:kit -- --help`. The step-by-step guide is',
    '`docs/from-local-to-aws.md` in the repository; run `npm run doctor` after each step.',
    '',
    ...(placeholders.length
      ? [
          'Still to fill in (search the files for them), and what fills each when you rerun the kit:',
          '',
          '| placeholder | filled by |',
          '| --- | --- |',
          ...placeholders.map((p) => `| \`${p}\` | ${fillerCell(PLACEHOLDER_FILLED_BY[p])} |`),
        ]
      : ['No placeholders left.']),
    '',
    '| step | file | where it goes |',
    '| --- | --- | --- |',
    '| 1 | `iam/*.json`, `iam/README.md` | IAM: the laptop user, the EC2/MSK Connect role, the API Gateway Kinesis role |',
    '| 2 | `ec2-client/client.properties`, `ec2-client/kafka-rest.properties`, `ec2-client/setup.md` | the EC2 client: Kafka tools, topics, the REST proxy |',
    '| 3 | `msk-connect/custom-plugin.md`, `msk-connect/s3-sink-connector.properties` | MSK Connect: the plugin and the S3 sink connector |',
    '| 4 | `api-gateway/openapi.yaml` | API Gateway: import, deploy, copy the invoke URL to credentials/aws.yaml |',
    '| 5 | `mwaa-databricks/steps.md` | Databricks notebooks, the MWAA DAG and its `databricks_default` connection |',
    '',
    'Files:',
    '',
    ...files.map((f) => `- \`${f}\``),
    '',
  ].join('\n');
}

/** A filler as a table cell: an option in code spans, a file key as said. */
function fillerCell(filler: string | undefined): string {
  if (!filler) return 'replace it by hand';
  return filler.startsWith('--')
    ? `\`npm run aws:kit -- ${filler} ...\``
    : filler.replace(/^(\S+) in (\S+)/, '`$1` in `$2`');
}
