import { stringify as toYaml } from 'yaml';
import { roleArn, roleNames, type KitSettings } from './kit-settings';

/**
 * The course's API Gateway REST API as an OpenAPI 3 definition that API Gateway imports
 * (APIs → Create API → REST API → Import, or `aws apigateway import-rest-api`):
 *
 * - `ANY /{proxy+}`: an HTTP proxy integration to the Kafka REST proxy on the EC2 client
 *   (`http://<EC2 public DNS>:8082/{proxy}`), so `POST <invoke_url>/topics/<user_id>.pin` reaches
 *   the REST proxy unchanged.
 * - The Kinesis routes of PIPELINE_SPEC.md §2, each an AWS integration calling one Kinesis action
 *   with the course's mapping template, signed with the role in `credentials`.
 *
 * The local gateway (src/local-stack/gateway.ts) serves the same routes; test/kit checks it
 * against this definition.
 */

/** One Kinesis route: the method on a path, the Kinesis action it calls and its mapping template. */
export interface KinesisRoute {
  path: string;
  method: 'get' | 'post' | 'put' | 'delete';
  action: 'ListStreams' | 'DescribeStream' | 'CreateStream' | 'DeleteStream' | 'PutRecord' | 'PutRecords';
  summary: string;
  template: string;
}

const STREAM_NAME = "$input.params('stream-name')";

export const KINESIS_ROUTES: readonly KinesisRoute[] = [
  { path: '/streams', method: 'get', action: 'ListStreams', summary: 'List the streams (ListStreams)', template: '{}' },
  {
    path: '/streams/{stream-name}',
    method: 'get',
    action: 'DescribeStream',
    summary: 'Describe a stream (DescribeStream)',
    template: `{\n    "StreamName": "${STREAM_NAME}"\n}`,
  },
  {
    path: '/streams/{stream-name}',
    method: 'post',
    action: 'CreateStream',
    summary: 'Create a stream (CreateStream); body {"ShardCount": n}, 1 shard when absent',
    template: `{\n    "ShardCount": #if($input.path('$.ShardCount') == '') 1 #else $input.path('$.ShardCount') #end,\n    "StreamName": "${STREAM_NAME}"\n}`,
  },
  {
    path: '/streams/{stream-name}',
    method: 'delete',
    action: 'DeleteStream',
    summary: 'Delete a stream (DeleteStream)',
    template: `{\n    "StreamName": "${STREAM_NAME}"\n}`,
  },
  {
    path: '/streams/{stream-name}/record',
    method: 'put',
    action: 'PutRecord',
    summary: 'Put one record (PutRecord); body {"StreamName", "Data": <row>, "PartitionKey"}',
    template: `{\n    "StreamName": "${STREAM_NAME}",\n    "Data": "$util.base64Encode($input.json('$.Data'))",\n    "PartitionKey": "$input.path('$.PartitionKey')"\n}`,
  },
  {
    path: '/streams/{stream-name}/records',
    method: 'put',
    action: 'PutRecords',
    summary: 'Put up to 500 records (PutRecords); body {"records": [{"data": <row>, "partition-key": "..."}]}',
    // `$input.json` of each `data` is its JSON text, as PutRecord's `$.Data` (a row object, not Velocity's map text).
    template: [
      '{',
      `    "StreamName": "${STREAM_NAME}",`,
      '    "Records": [',
      "    #foreach($elem in $input.path('$.records'))",
      '        {',
      '            "Data": "$util.base64Encode($input.json("$.records[$foreach.index].data"))",',
      '            "PartitionKey": "$elem.partition-key"',
      '        }#if($foreach.hasNext),#end',
      '    #end',
      '    ]',
      '}',
    ].join('\n'),
  },
];

/** The methods `x-amazon-apigateway-any-method` stands for. */
export const ANY_METHODS = ['delete', 'get', 'head', 'options', 'patch', 'post', 'put'] as const;

type Json = Record<string, unknown>;

const EMPTY_RESPONSE = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Empty' } } } };

function streamNameParameter(): Json {
  return {
    name: 'stream-name',
    in: 'path',
    required: true,
    schema: { type: 'string' },
    description: 'e.g. streaming-<user_id>-pin',
  };
}

function kinesisOperation(settings: KitSettings, route: KinesisRoute): Json {
  const operation: Json = {
    operationId: route.action,
    summary: route.summary,
    responses: {
      200: { description: 'Kinesis answered', ...EMPTY_RESPONSE },
      400: { description: 'Kinesis refused the request (its __type and message)', ...EMPTY_RESPONSE },
      500: { description: 'Kinesis failed', ...EMPTY_RESPONSE },
    },
    'x-amazon-apigateway-integration': {
      type: 'aws',
      httpMethod: 'POST',
      uri: `arn:aws:apigateway:${settings.region}:kinesis:action/${route.action}`,
      credentials: roleArn(settings, roleNames(settings.userId).kinesisAccess),
      requestParameters: { 'integration.request.header.Content-Type': "'application/x-amz-json-1.1'" },
      requestTemplates: { 'application/json': route.template },
      passthroughBehavior: 'when_no_templates',
      // Kinesis' 4xx/5xx come back as 400/500 with its body, not as a 200 (the console's default).
      responses: { default: { statusCode: '200' }, '4\\d{2}': { statusCode: '400' }, '5\\d{2}': { statusCode: '500' } },
    },
  };
  if (route.path.includes('{stream-name}')) operation.parameters = [streamNameParameter()];
  if (route.method === 'post' || route.method === 'put') {
    operation.requestBody = { required: route.method === 'put', ...EMPTY_RESPONSE };
  }
  return operation;
}

/** The OpenAPI 3 document, as a plain object. */
export function buildOpenApi(settings: KitSettings): Json {
  const restProxy = `http://${settings.restProxyHost}:${settings.restProxyPort}`;
  const paths: Record<string, Json> = {
    '/{proxy+}': {
      'x-amazon-apigateway-any-method': {
        operationId: 'RestProxy',
        summary: 'Everything else goes to the Kafka REST proxy on the EC2 client (HTTP proxy integration)',
        parameters: [
          {
            name: 'proxy',
            in: 'path',
            required: true,
            schema: { type: 'string' },
            description: 'e.g. topics/<user_id>.pin',
          },
        ],
        responses: {},
        'x-amazon-apigateway-integration': {
          type: 'http_proxy',
          httpMethod: 'ANY',
          uri: `${restProxy}/{proxy}`,
          connectionType: 'INTERNET',
          requestParameters: { 'integration.request.path.proxy': 'method.request.path.proxy' },
          passthroughBehavior: 'when_no_match',
          timeoutInMillis: 29000,
          cacheKeyParameters: ['method.request.path.proxy'],
          responses: { default: { statusCode: '200' } },
        },
      },
    },
  };
  for (const route of KINESIS_ROUTES) {
    paths[route.path] = { ...(paths[route.path] ?? {}), [route.method]: kinesisOperation(settings, route) };
  }
  return {
    openapi: '3.0.1',
    info: {
      title: `${settings.userId}-pinterest-api`,
      version: '1.0.0',
      description: [
        `The Pinterest pipeline's REST API for user ${settings.userId}: ANY /{proxy+} to the Kafka REST proxy on the EC2 client,`,
        'and /streams routes to Kinesis. Import it in API Gateway (Create API → REST API → Import), then Deploy API to the',
        `stage "${settings.stage}"; the invoke URL is https://<api-id>.execute-api.${settings.region}.amazonaws.com/${settings.stage}.`,
      ].join(' '),
    },
    servers: [
      {
        url: 'https://{restApiId}.execute-api.{region}.amazonaws.com/{basePath}',
        variables: {
          restApiId: { default: 'your-api-id' },
          region: { default: settings.region },
          basePath: { default: settings.stage },
        },
      },
    ],
    paths,
    components: { schemas: { Empty: { title: 'Empty Schema', type: 'object' } } },
  };
}

/** The definition as the YAML file of the kit, with how to use it on top. */
export function openApiYaml(settings: KitSettings): string {
  const header = [
    '# API Gateway REST API of the Pinterest pipeline (OpenAPI 3), made by `npm run aws:kit`.',
    '#',
    `# 1. Replace the placeholders <your-...> (or rerun npm run aws:kit with --rest-proxy-host and --account-id).`,
    `# 2. API Gateway → Create API → REST API → Import, choose this file (or:`,
    `#    aws apigateway import-rest-api --body fileb://openapi.yaml --region ${settings.region}).`,
    `# 3. Actions → Deploy API → stage "${settings.stage}". Put the stage's Invoke URL in credentials/aws.yaml (invoke_url).`,
    '# 4. npm run doctor: the invoke URL, the REST proxy and the Kinesis routes are checked.',
    '#',
    `# ANY /{proxy+} → http://${settings.restProxyHost}:${settings.restProxyPort}/{proxy} (the REST proxy on the EC2 client).`,
    `# /streams... → Kinesis actions, signed with the role ${roleNames(settings.userId).kinesisAccess} (iam/api-gateway-kinesis-role-*.json).`,
    '',
  ].join('\n');
  return header + toYaml(buildOpenApi(settings), { lineWidth: 0, aliasDuplicateObjects: false });
}
