/**
 * The local gateway (src/local-stack/gateway.ts) against the API Gateway definition of the kit,
 * so that the local stack and AWS cannot drift: every method and path of the OpenAPI document is
 * served by the local gateway started with startLocalStack, and every other method on those paths
 * gets API Gateway's answer for a route it does not have (403 Missing Authentication Token).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3 } from 'openapi-types';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config';
import { ANY_METHODS } from '../../src/kit/openapi';
import { buildKit } from '../../src/kit/write-kit';
import { kitSettings } from '../../src/kit/kit-settings';
import { EPHEMERAL_PORTS, startLocalStack, type LocalStack } from '../../src/local-stack/start-local-stack';

interface Answer {
  status: number;
  text: string;
}

async function call(method: string, url: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  const response = await fetch(url, {
    method: method.toUpperCase(),
    headers: body === undefined ? {} : { 'Content-Type': contentType },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

const MISSING_ROUTE = { status: 403, text: JSON.stringify({ message: 'Missing Authentication Token' }) };

function isMissingRoute(answer: Answer): boolean {
  return answer.status === MISSING_ROUTE.status && answer.text === MISSING_ROUTE.text;
}

describe('local gateway conforms to the kit OpenAPI definition', { timeout: 120_000 }, () => {
  const userId = `conf-${randomBytes(4).toString('hex')}`;
  let dir: string;
  let stack: LocalStack;
  let api: OpenAPIV3.Document;
  /** Operations of the definition as `METHOD path`, ANY expanded. */
  let operations: Map<string, Set<string>>;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-conformance-'));
    const config = loadConfig({ credentialsDir: dir, env: { PP_USER_ID: userId } });
    const document = parseYaml(buildKit(kitSettings(config))['api-gateway/openapi.yaml']) as OpenAPIV3.Document;
    // The test reads the same definition the kit writes, validated first.
    api = (await SwaggerParser.validate(structuredClone(document))) as OpenAPIV3.Document;
    operations = new Map();
    for (const [route, item] of Object.entries(document.paths)) {
      const methods = new Set<string>();
      for (const key of Object.keys(item as object)) {
        if (key === 'x-amazon-apigateway-any-method') ANY_METHODS.forEach((m) => methods.add(m));
        else if ((ANY_METHODS as readonly string[]).includes(key)) methods.add(key);
      }
      operations.set(route, methods);
    }
    stack = await startLocalStack({
      dataDir: path.join(dir, 'stack'),
      ports: EPHEMERAL_PORTS,
      userId,
      provision: true,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
  });

  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the definition has the proxy and the six Kinesis operations', () => {
    assert.deepEqual([...operations.keys()].sort(), [
      '/streams',
      '/streams/{stream-name}',
      '/streams/{stream-name}/record',
      '/streams/{stream-name}/records',
      '/{proxy+}',
    ]);
    assert.equal(api.openapi, '3.0.1');
  });

  test("every Kinesis operation of the definition is served: 200 with Kinesis' answer", async () => {
    const invoke = stack.endpoints.invokeUrl;
    const stream = stack.names.streams.pin;
    const scratch = `streaming-${userId}-scratch`;
    const row = { index: 1, unique_id: 'conformance', title: 't' };
    // A request for each operation, in an order that lets each succeed (create before delete).
    const requests: [string, string, string, unknown?][] = [
      ['get', '/streams', '/streams'],
      ['get', '/streams/{stream-name}', `/streams/${stream}`],
      ['post', '/streams/{stream-name}', `/streams/${scratch}`, { ShardCount: 1 }],
      [
        'put',
        '/streams/{stream-name}/record',
        `/streams/${stream}/record`,
        { StreamName: stream, Data: row, PartitionKey: 'k' },
      ],
      [
        'put',
        '/streams/{stream-name}/records',
        `/streams/${stream}/records`,
        { records: [{ data: row, 'partition-key': 'k' }] },
      ],
      ['delete', '/streams/{stream-name}', `/streams/${scratch}`],
    ];
    const covered = new Set<string>();
    for (const [method, route, concrete, body] of requests) {
      assert.ok(operations.get(route)?.has(method), `${method} ${route} is not in the definition`);
      const answer = await call(method, `${invoke}${concrete}`, body);
      assert.equal(answer.status, 200, `${method.toUpperCase()} ${concrete}: ${answer.text}`);
      assert.doesNotMatch(answer.text, /__type/);
      covered.add(`${method} ${route}`);
    }
    const kinesisOperations = [...operations]
      .filter(([route]) => route.startsWith('/streams'))
      .flatMap(([route, methods]) => [...methods].map((m) => `${m} ${route}`));
    assert.deepEqual(
      [...covered].sort(),
      kinesisOperations.sort(),
      'every Kinesis operation of the definition was sent',
    );
    // DeleteStream answers while the stream is DELETING (as Kinesis does); it leaves the list soon after.
    let listed: { StreamNames: string[] } = { StreamNames: [] };
    for (let tries = 0; tries < 50; tries++) {
      listed = JSON.parse((await call('get', `${invoke}/streams`)).text) as { StreamNames: string[] };
      if (!listed.StreamNames.includes(scratch)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(listed.StreamNames.includes(stream));
    assert.ok(!listed.StreamNames.includes(scratch), 'DELETE removed the scratch stream (within a second)');
  });

  test('ANY /{proxy+}: every method reaches the REST proxy and comes back as the REST proxy answered it', async () => {
    const invoke = stack.endpoints.invokeUrl;
    const restProxy = stack.endpoints.restProxy;
    const topic = stack.names.topics.pin;
    const proxyPaths = ['topics', `topics/${topic}`, 'v3/clusters'];
    for (const proxyPath of proxyPaths) {
      for (const method of operations.get('/{proxy+}') ?? []) {
        const body =
          method === 'post' && proxyPath === `topics/${topic}`
            ? { records: [{ value: { index: 0, unique_id: 'conformance' } }] }
            : undefined;
        const contentType = 'application/vnd.kafka.json.v2+json';
        const through = await call(method, `${invoke}/${proxyPath}`, body, contentType);
        const direct = await call(method, `${restProxy}/${proxyPath}`, body, contentType);
        const what = `${method.toUpperCase()} /${proxyPath}`;
        assert.ok(!isMissingRoute(through), `${what}: the gateway has no such route`);
        assert.equal(through.status, direct.status, `${what}: ${through.text} vs ${direct.text}`);
        if (method === 'get') {
          assert.equal(through.status, 200, what);
          assert.deepEqual(JSON.parse(through.text), JSON.parse(direct.text), what);
        }
      }
    }
  });

  test('a method the definition does not have on a Kinesis path gets 403 Missing Authentication Token', async () => {
    const invoke = stack.endpoints.invokeUrl;
    const stream = stack.names.streams.geo;
    const concrete: Record<string, string> = {
      '/streams': '/streams',
      '/streams/{stream-name}': `/streams/${stream}`,
      '/streams/{stream-name}/record': `/streams/${stream}/record`,
      '/streams/{stream-name}/records': `/streams/${stream}/records`,
    };
    let checked = 0;
    for (const [route, url] of Object.entries(concrete)) {
      const defined = operations.get(route);
      assert.ok(defined, route);
      for (const method of ANY_METHODS) {
        if (defined.has(method)) continue;
        const answer = await call(
          method,
          `${invoke}${url}`,
          method === 'head' || method === 'get' || method === 'delete' || method === 'options' ? undefined : {},
        );
        assert.equal(answer.status, 403, `${method.toUpperCase()} ${url} should not be served: ${answer.text}`);
        if (method !== 'head') assert.equal(answer.text, MISSING_ROUTE.text, `${method.toUpperCase()} ${url}`);
        checked += 1;
      }
    }
    // 7 methods on 4 paths, less the 6 operations the definition has.
    assert.equal(checked, 4 * ANY_METHODS.length - 6);
  });

  test('a deeper path under /streams that the definition does not have is not served', async () => {
    const answer = await call(
      'put',
      `${stack.endpoints.invokeUrl}/streams/${stack.names.streams.user}/record/extra`,
      {},
    );
    assert.ok(isMissingRoute(answer), answer.text);
  });
});
