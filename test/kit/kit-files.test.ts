/**
 * The AWS kit: the OpenAPI definition validates as OpenAPI 3 (swagger-parser), carries the
 * API Gateway integrations of the course, and the properties and connector files hold the
 * course's exact settings for the configured user id. `npm run aws:kit`'s main writes them all.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3 } from 'openapi-types';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config';
import { projectPath } from '../../src/config';
import { ANY_METHODS, KINESIS_ROUTES } from '../../src/kit/openapi';
import { buildKit, placeholdersIn, type KitFiles } from '../../src/kit/write-kit';
import { DAG_USER_ID_DEFAULT } from '../../src/kit/guides';
import { kitSettings } from '../../src/kit/kit-settings';
import { main as awsKitMain } from '../../scripts/aws-kit';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the OpenAPI document is walked key by key, as parsed YAML
type ParsedYaml = any;

const USER = 'kit0a1b2c3d';

function settingsFor(env: NodeJS.ProcessEnv = {}) {
  const config = loadConfig({
    credentialsDir: CREDENTIALS_DIR,
    env: { PP_USER_ID: USER, AWS_REGION: 'eu-west-2', ...env },
  });
  return kitSettings(config, { accountId: '123456789012', restProxyHost: 'ec2-1-2-3-4.compute-1.amazonaws.com' });
}

/** Lines `key=value` of a .properties file, comments left out. */
function properties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    assert.ok(at > 0, `not a key=value line: ${line}`);
    assert.ok(!out.has(line.slice(0, at)), `key twice: ${line}`);
    out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

let CREDENTIALS_DIR: string;
let work: string;
let kit: KitFiles;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'pp-kit-'));
  CREDENTIALS_DIR = await mkdtemp(path.join(work, 'credentials-'));
  kit = buildKit(settingsFor());
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the API Gateway OpenAPI definition', () => {
  const document = () => parseYaml(kit['api-gateway/openapi.yaml']) as OpenAPIV3.Document;

  test('validates as OpenAPI 3 with swagger-parser', async () => {
    const api = await SwaggerParser.validate(document());
    assert.match((api as OpenAPIV3.Document).openapi, /^3\.0\.\d$/);
  });

  test('the validator rejects a broken copy (it is not a no-op)', async () => {
    const broken = document() as unknown as Record<string, ParsedYaml>;
    broken.paths['/streams'].get.responses = { ok: { description: 'not a status code' } };
    await assert.rejects(SwaggerParser.validate(broken as unknown as OpenAPIV3.Document));
    const noInfo = document() as unknown as Record<string, unknown>;
    delete noInfo.info;
    await assert.rejects(SwaggerParser.validate(noInfo as unknown as OpenAPIV3.Document));
  });

  test('every path parameter of a template is declared, {proxy+} as proxy', () => {
    for (const [route, item] of Object.entries(document().paths)) {
      const names = [...route.matchAll(/\{([^}]+?)\+?\}/g)].map((m) => m[1]);
      const operations = Object.entries(item as Record<string, ParsedYaml>).filter(([key]) => key !== 'parameters');
      assert.ok(operations.length > 0, route);
      for (const [method, operation] of operations) {
        const declared = (operation.parameters ?? [])
          .filter((p: ParsedYaml) => p.in === 'path')
          .map((p: ParsedYaml) => p.name)
          .sort();
        assert.deepEqual(declared, [...names].sort(), `${method} ${route}`);
        assert.ok(operation['x-amazon-apigateway-integration'], `${method} ${route} has no integration`);
      }
    }
  });

  test('ANY /{proxy+} is an HTTP proxy to the REST proxy on port 8082', () => {
    const proxy = (document().paths['/{proxy+}'] as Record<string, ParsedYaml>)['x-amazon-apigateway-any-method'];
    const integration = proxy['x-amazon-apigateway-integration'];
    assert.equal(integration.type, 'http_proxy');
    assert.equal(integration.httpMethod, 'ANY');
    assert.equal(integration.uri, 'http://ec2-1-2-3-4.compute-1.amazonaws.com:8082/{proxy}');
    assert.deepEqual(integration.requestParameters, { 'integration.request.path.proxy': 'method.request.path.proxy' });
  });

  test('the Kinesis routes of PIPELINE_SPEC §2 call their actions with the course templates and a role', () => {
    const paths = document().paths as Record<string, Record<string, ParsedYaml>>;
    const found = Object.entries(paths)
      .filter(([route]) => route.startsWith('/streams'))
      .flatMap(([route, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${route}`))
      .sort();
    assert.deepEqual(found, [
      'DELETE /streams/{stream-name}',
      'GET /streams',
      'GET /streams/{stream-name}',
      'POST /streams/{stream-name}',
      'PUT /streams/{stream-name}/record',
      'PUT /streams/{stream-name}/records',
    ]);
    const actions: Record<string, string> = {
      'get /streams': 'ListStreams',
      'get /streams/{stream-name}': 'DescribeStream',
      'post /streams/{stream-name}': 'CreateStream',
      'delete /streams/{stream-name}': 'DeleteStream',
      'put /streams/{stream-name}/record': 'PutRecord',
      'put /streams/{stream-name}/records': 'PutRecords',
    };
    for (const [key, action] of Object.entries(actions)) {
      const [method, route] = key.split(' ');
      const integration = paths[route][method]['x-amazon-apigateway-integration'];
      assert.equal(integration.type, 'aws', key);
      assert.equal(integration.httpMethod, 'POST', key);
      assert.equal(integration.uri, `arn:aws:apigateway:eu-west-2:kinesis:action/${action}`, key);
      assert.equal(integration.credentials, `arn:aws:iam::123456789012:role/${USER}-kinesis-access-role`, key);
      assert.equal(
        integration.requestParameters['integration.request.header.Content-Type'],
        "'application/x-amz-json-1.1'",
        key,
      );
      assert.equal(typeof integration.requestTemplates['application/json'], 'string', key);
    }
    const putRecord =
      paths['/streams/{stream-name}/record'].put['x-amazon-apigateway-integration'].requestTemplates[
        'application/json'
      ];
    assert.deepEqual(JSON.parse(putRecord), {
      StreamName: "$input.params('stream-name')",
      Data: "$util.base64Encode($input.json('$.Data'))",
      PartitionKey: "$input.path('$.PartitionKey')",
    });
    const describeStream =
      paths['/streams/{stream-name}'].get['x-amazon-apigateway-integration'].requestTemplates['application/json'];
    assert.deepEqual(JSON.parse(describeStream), { StreamName: "$input.params('stream-name')" });
    const putRecords =
      paths['/streams/{stream-name}/records'].put['x-amazon-apigateway-integration'].requestTemplates[
        'application/json'
      ];
    assert.match(putRecords, /#foreach\(\$elem in \$input\.path\('\$\.records'\)\)/);
    assert.match(putRecords, /"PartitionKey": "\$elem\.partition-key"/);
    assert.equal(KINESIS_ROUTES.length, 6);
  });

  test('says at its top how to import it', () => {
    const head = kit['api-gateway/openapi.yaml'].split('\n').slice(0, 6).join('\n');
    assert.match(head, /^# API Gateway REST API/);
    assert.match(head, /Import/);
    assert.match(head, /Deploy API/);
  });

  test('ANY stands for the seven methods the conformance test sends', () => {
    assert.deepEqual([...ANY_METHODS], ['delete', 'get', 'head', 'options', 'patch', 'post', 'put']);
  });
});

describe('the Kafka and MSK Connect files', () => {
  const role = `arn:aws:iam::123456789012:role/${USER}-ec2-access-role`;
  const jaas = `software.amazon.msk.auth.iam.IAMLoginModule required awsRoleArn="${role}";`;

  test('client.properties: MSK IAM authentication as in the course', () => {
    assert.deepEqual(Object.fromEntries(properties(kit['ec2-client/client.properties'])), {
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'AWS_MSK_IAM',
      'sasl.jaas.config': jaas,
      'sasl.client.callback.handler.class': 'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
    });
  });

  test('kafka-rest.properties: the cluster, and client.-prefixed copies of the IAM settings', () => {
    const rest = properties(kit['ec2-client/kafka-rest.properties']);
    assert.equal(rest.get('bootstrap.servers'), '<your-msk-bootstrap-servers>');
    assert.equal(rest.get('zookeeper.connect'), '<your-msk-zookeeper-connection-string>');
    assert.equal(rest.get('client.security.protocol'), 'SASL_SSL');
    assert.equal(rest.get('client.sasl.mechanism'), 'AWS_MSK_IAM');
    assert.equal(rest.get('client.sasl.jaas.config'), jaas);
    assert.equal(
      rest.get('client.sasl.client.callback.handler.class'),
      'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
    );
    assert.equal(rest.get('listeners'), 'http://0.0.0.0:8082');
    assert.match(
      kit['ec2-client/kafka-rest.properties'],
      /\.\/kafka-rest-start \/home\/ec2-user\/confluent-7\.2\.0\/etc\/kafka-rest\/kafka-rest\.properties/,
    );
  });

  test('the S3 sink connector: the course settings of PIPELINE_SPEC §4 for this user', () => {
    assert.deepEqual(Object.fromEntries(properties(kit['msk-connect/s3-sink-connector.properties'])), {
      'connector.class': 'io.confluent.connect.s3.S3SinkConnector',
      's3.region': 'eu-west-2',
      'flush.size': '1',
      'schema.compatibility': 'NONE',
      'tasks.max': '3',
      'topics.regex': `${USER}.*`,
      'format.class': 'io.confluent.connect.s3.format.json.JsonFormat',
      'partitioner.class': 'io.confluent.connect.storage.partitioner.DefaultPartitioner',
      'value.converter.schemas.enable': 'false',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'storage.class': 'io.confluent.connect.s3.storage.S3Storage',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      's3.bucket.name': `user-${USER}-bucket`,
    });
  });

  test('a bucket set in aws.yaml is the connector bucket and the policies resource', () => {
    const files = buildKit(settingsFor({ PP_BUCKET: 'my-own-sink-bucket' }));
    assert.equal(
      properties(files['msk-connect/s3-sink-connector.properties']).get('s3.bucket.name'),
      'my-own-sink-bucket',
    );
    assert.match(files['iam/laptop-user-policy.json'], /arn:aws:s3:::my-own-sink-bucket\/\*/);
  });
});

describe('the IAM documents and the step pages', () => {
  test('every IAM file is a policy document, listed with its use in iam/README.md', () => {
    const iam = Object.keys(kit).filter((f) => f.startsWith('iam/') && f.endsWith('.json'));
    assert.equal(iam.length, 6);
    for (const file of iam) {
      const doc = JSON.parse(kit[file]) as { Version: string; Statement: { Effect: string; Action: unknown }[] };
      assert.deepEqual(Object.keys(doc), ['Version', 'Statement'], file);
      assert.equal(doc.Version, '2012-10-17');
      assert.ok(doc.Statement.length > 0 && doc.Statement.every((s) => s.Effect === 'Allow' && s.Action), file);
      assert.ok(kit['iam/README.md'].includes(`\`${path.basename(file)}\``), `${file} not in iam/README.md`);
    }
    const apiRole = JSON.parse(kit['iam/api-gateway-kinesis-role-policy.json']) as {
      Statement: { Action: string | string[] }[];
    };
    const apiActions = apiRole.Statement.flatMap((s) => s.Action);
    for (const route of KINESIS_ROUTES) assert.ok(apiActions.includes(`kinesis:${route.action}`), route.action);
    assert.match(kit['iam/api-gateway-kinesis-role-trust.json'], /apigateway\.amazonaws\.com/);
  });

  test('every other file says at its top what it is and how to use it', () => {
    for (const [file, text] of Object.entries(kit)) {
      if (file.endsWith('.json')) continue;
      const first = text.split('\n')[0];
      assert.match(first, file.endsWith('.md') ? /^# \S/ : /^# \S.*npm run aws:kit/, `${file}: ${first}`);
    }
  });

  test('the MWAA/Databricks steps name the DAG file, the connection and the notebooks', () => {
    const steps = kit['mwaa-databricks/steps.md'];
    assert.match(steps, new RegExp(`${USER}_dag\\.py`));
    assert.match(steps, /databricks_default/);
    assert.match(steps, /s3:\/\/<your-mwaa-bucket>\/dags\//);
    for (const notebook of ['batch_clean.sql', 'analysis.sql', 'stream_kinesis.py'])
      assert.match(steps, new RegExp(notebook.replace('.', '\\.')));
  });

  test('the DAG step rewrites the committed dags/localuser_dag.py into <user_id>_dag and names its Variables', async () => {
    const dag = await readFile(projectPath('dags', 'localuser_dag.py'), 'utf8');
    assert.equal(dag.split(DAG_USER_ID_DEFAULT).length, 2, 'the line the sed command rewrites is in the DAG once');
    const steps = kit['mwaa-databricks/steps.md'];
    const sed = /sed 's\/(.+?)\/(.+?)\/' dags\/localuser_dag\.py > (\S+)/.exec(steps);
    assert.ok(sed, 'no sed command in the steps');
    assert.equal(sed[1], DAG_USER_ID_DEFAULT);
    assert.equal(sed[3], `${USER}_dag.py`);
    const rewritten = dag.replace(sed[1], sed[2]);
    assert.match(rewritten, new RegExp(`os\\.environ\\.get\\("PINTEREST_USER_ID", "${USER}"\\)`));
    for (const variable of ['databricks_cluster_id', 'databricks_notebook_dir', 'databricks_default']) {
      assert.ok(dag.includes(variable), `the DAG does not read ${variable}`);
      assert.ok(steps.includes(variable), `the steps do not name ${variable}`);
    }
  });

  test('placeholders left are listed in README.md; given values leave none of theirs', () => {
    const left = placeholdersIn(kit);
    assert.ok(!left.includes('<your-aws-account-id>'));
    assert.ok(!left.includes('<your-ec2-client-public-dns>'));
    assert.ok(left.includes('<your-msk-bootstrap-servers>'));
    for (const placeholder of left) assert.ok(kit['README.md'].includes(placeholder), placeholder);
  });
});

describe('npm run aws:kit', () => {
  test('main writes every file into --out and lists them', async () => {
    const out = path.join(work, 'kit-out');
    let printed = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        printed += String(chunk);
        done();
      },
    });
    const previous = process.env.PP_CREDENTIALS_DIR;
    process.env.PP_CREDENTIALS_DIR = CREDENTIALS_DIR;
    try {
      const result = await awsKitMain(['--out', out, '--account-id', '123456789012'], { out: sink });
      assert.ok(result);
      const expected = Object.keys(buildKit(settingsFor())).sort();
      assert.deepEqual(result.files.map((f) => path.relative(out, f)).sort(), expected);
      const connector = await readFile(path.join(out, 'msk-connect', 's3-sink-connector.properties'), 'utf8');
      assert.match(connector, /^topics\.regex=localuser\.\*$/m);
      assert.match(printed, /api-gateway\/openapi\.yaml/);
      assert.match(
        printed,
        /still to fill in, and what fills each.*\n( {2}<your-.*\n)* {2}<your-msk-bootstrap-servers>: --bootstrap-servers\n/,
      );
    } finally {
      if (previous === undefined) delete process.env.PP_CREDENTIALS_DIR;
      else process.env.PP_CREDENTIALS_DIR = previous;
    }
  });

  test('a wrong --account-id is a usage error', async () => {
    await assert.rejects(
      awsKitMain(['--account-id', '12ab', '--out', path.join(work, 'never')]),
      /--account-id expects the 12 digits/,
    );
  });
});
