import { doctorNames, roleNames, type KitSettings } from './kit-settings';

/**
 * The IAM policy documents of the kit. JSON admits no comments, so each document's use is said in
 * `iam/README.md` (written with them) and in `IAM_FILES` below; the documents themselves are
 * exactly what `aws iam create-policy --policy-document file://...` and the console's JSON
 * editor take.
 */

type Statement =
  | { Sid: string; Effect: 'Allow'; Action: string | string[]; Resource: string | string[] }
  | { Sid?: string; Effect: 'Allow'; Principal: Record<string, string>; Action: string };

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

export interface IamFile {
  file: string;
  /** What it is and where it goes, for the README. */
  use: string;
  document: PolicyDocument;
}

function policy(...statements: Statement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

function trust(service: string): PolicyDocument {
  return policy({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' });
}

/** The ARNs and the shared bucket statement the documents name, from the kit's settings. */
interface IamScope {
  settings: KitSettings;
  bucket: string;
  streams: string;
  cluster: string;
  topics: string;
  groups: string;
  roles: ReturnType<typeof roleNames>;
  bucketRead: { Sid: string; Effect: 'Allow'; Action: string[]; Resource: string };
}

/** The ARNs of the user's streams, cluster, topics and groups, and the statement that lists the sink bucket. */
function iamScope(settings: KitSettings): IamScope {
  const { region, accountId, userId } = settings;
  const bucket = settings.names.bucket;
  const streams = `arn:aws:kinesis:${region}:${accountId}:stream/streaming-${userId}-*`;
  const cluster = `arn:aws:kafka:${region}:${accountId}:cluster/${settings.clusterName}/*`;
  const topics = `arn:aws:kafka:${region}:${accountId}:topic/${settings.clusterName}/*/${userId}.*`;
  const groups = `arn:aws:kafka:${region}:${accountId}:group/${settings.clusterName}/*/*`;
  const roles = roleNames(userId);
  const bucketRead = {
    Sid: 'ListTheSinkBucket',
    Effect: 'Allow' as const,
    Action: ['s3:ListBucket', 's3:GetBucketLocation'],
    Resource: `arn:aws:s3:::${bucket}`,
  };
  return { settings, bucket, streams, cluster, topics, groups, roles, bucketRead };
}

/** The policy of the IAM user whose keys the laptop uses. */
function laptopUserFile({ settings, bucket, streams, bucketRead }: IamScope): IamFile {
  const { region, accountId, userId } = settings;
  return {
    file: 'laptop-user-policy.json',
    use: `Attach to the IAM user whose keys the laptop uses (AWS_PROFILE or ~/.aws/credentials): npm start, npm run clean and npm run doctor read s3://${bucket}, and the streaming path and npm run stream put to and read the streams streaming-${userId}-pin|geo|user with the SDK (kinesis_via: sdk); npm run doctor creates, writes and deletes its own stream ${doctorNames(userId).stream}.`,
    document: policy(
      bucketRead,
      { Sid: 'ReadTheSinkObjects', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
      { Sid: 'ListStreams', Effect: 'Allow', Action: 'kinesis:ListStreams', Resource: '*' },
      {
        Sid: 'UseTheUserStreams',
        Effect: 'Allow',
        Action: [
          'kinesis:CreateStream',
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:ListShards',
          'kinesis:GetShardIterator',
          'kinesis:GetRecords',
          'kinesis:PutRecord',
          'kinesis:PutRecords',
        ],
        Resource: streams,
      },
      {
        Sid: 'DeleteTheDoctorsStream',
        Effect: 'Allow',
        Action: 'kinesis:DeleteStream',
        Resource: `arn:aws:kinesis:${region}:${accountId}:stream/${doctorNames(userId).stream}`,
      },
    ),
  };
}

/** The trust policy and the permissions of the role API Gateway's /streams routes use. */
function apiGatewayFiles({ streams, roles }: IamScope): IamFile[] {
  return [
    {
      file: 'api-gateway-kinesis-role-trust.json',
      use: `Trust policy of the role ${roles.kinesisAccess} (IAM → Roles → Create role → Custom trust policy): lets API Gateway assume it.`,
      document: trust('apigateway.amazonaws.com'),
    },
    {
      file: 'api-gateway-kinesis-role-policy.json',
      use: `Permissions of ${roles.kinesisAccess}: the Kinesis actions of the /streams routes. Its ARN is the credentials of every /streams integration in api-gateway/openapi.yaml.`,
      document: policy(
        { Sid: 'ListStreams', Effect: 'Allow', Action: 'kinesis:ListStreams', Resource: '*' },
        {
          Sid: 'TheStreamRoutes',
          Effect: 'Allow',
          Action: [
            'kinesis:CreateStream',
            'kinesis:DescribeStream',
            'kinesis:DeleteStream',
            'kinesis:PutRecord',
            'kinesis:PutRecords',
          ],
          Resource: streams,
        },
      ),
    },
  ];
}

/** The trust policy of the EC2 client's role and its permissions for the EC2 client. */
function ec2ClientFiles({ settings, cluster, topics, groups, roles }: IamScope): IamFile[] {
  const { userId } = settings;
  return [
    {
      file: 'ec2-client-role-trust.json',
      use: `Trust policy of the role ${roles.ec2Access}: lets the EC2 client (the REST proxy) and MSK Connect (the S3 sink) assume it, as the course's one access role does.`,
      document: policy(
        { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Effect: 'Allow', Principal: { Service: 'kafkaconnect.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ),
    },
    {
      file: 'ec2-client-role-policy.json',
      use: `Permissions of ${roles.ec2Access} for the EC2 client: connect to MSK with IAM, create and write the topics ${userId}.*. Its ARN is awsRoleArn in ec2-client/*.properties; attach the role to the EC2 instance (Actions → Security → Modify IAM role).`,
      document: policy(
        {
          Sid: 'ConnectToTheCluster',
          Effect: 'Allow',
          Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'],
          Resource: cluster,
        },
        {
          Sid: 'TheUserTopics',
          Effect: 'Allow',
          Action: [
            'kafka-cluster:CreateTopic',
            'kafka-cluster:DescribeTopic',
            'kafka-cluster:WriteData',
            'kafka-cluster:ReadData',
          ],
          Resource: topics,
        },
        {
          Sid: 'ConsumerGroups',
          Effect: 'Allow',
          Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
          Resource: groups,
        },
      ),
    },
  ];
}

/** The permissions of the EC2 client's role for MSK Connect (the S3 sink). */
function mskConnectFile({ settings, bucket, cluster, topics, groups, roles, bucketRead }: IamScope): IamFile {
  const { region, accountId, userId } = settings;
  return {
    file: 'msk-connect-role-policy.json',
    use: `Permissions of ${roles.ec2Access} for MSK Connect (the connector's access permissions): read the topics ${userId}.* and write the objects of s3://${bucket}. Attach it next to ec2-client-role-policy.json, or to a role of its own trusted by kafkaconnect.amazonaws.com.`,
    document: policy(
      {
        Sid: 'ConnectToTheCluster',
        Effect: 'Allow',
        Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'],
        Resource: cluster,
      },
      {
        Sid: 'ReadTheUserTopics',
        Effect: 'Allow',
        Action: [
          'kafka-cluster:DescribeTopic',
          'kafka-cluster:ReadData',
          'kafka-cluster:CreateTopic',
          'kafka-cluster:WriteData',
        ],
        Resource: [
          topics,
          `arn:aws:kafka:${region}:${accountId}:topic/${settings.clusterName}/*/__amazon_msk_connect_*`,
        ],
      },
      {
        Sid: 'ConnectorGroups',
        Effect: 'Allow',
        Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
        Resource: groups,
      },
      { ...bucketRead, Action: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'] },
      {
        Sid: 'WriteTheSinkObjects',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: `arn:aws:s3:::${bucket}/*`,
      },
    ),
  };
}

/** Every IAM document of the kit, with its file name and use. */
export function iamFiles(settings: KitSettings): IamFile[] {
  const scope = iamScope(settings);
  return [laptopUserFile(scope), ...apiGatewayFiles(scope), ...ec2ClientFiles(scope), mskConnectFile(scope)];
}

export function iamReadme(settings: KitSettings): string {
  const files = iamFiles(settings);
  return [
    `# IAM policy documents for user ${settings.userId}`,
    '',
    'Made by `npm run aws:kit`. JSON has no comments, so this page says what each file is for. Replace `<your-...>`',
    'placeholders first (or rerun with `--account-id` and `--cluster-name`). Create a policy from a file with',
    '`aws iam create-policy --policy-name <name> --policy-document file://<file>` (or IAM → Policies → Create policy → JSON),',
    'a role with `aws iam create-role --role-name <role> --assume-role-policy-document file://<trust file>`.',
    '',
    '| file | use |',
    '| --- | --- |',
    ...files.map((f) => `| \`${f.file}\` | ${f.use} |`),
    '',
  ].join('\n');
}
