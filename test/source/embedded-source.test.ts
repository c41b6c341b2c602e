import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PipelineError } from '../../src/errors';
import { createRowSource } from '../../src/source/create-source';
import { EmbeddedRowSource } from '../../src/source/embedded-source';
import { generatePost } from '../../src/source/generate';

describe('EmbeddedRowSource', () => {
  const source = new EmbeddedRowSource({ rows: 100, seed: 5 });

  it('describes itself and counts its posts', async () => {
    assert.equal(source.description, 'embedded generator: 100 posts, seed 5');
    assert.equal(await source.count(), 100);
  });

  it('returns the posts at the positions asked, in order, repeats kept, past-the-end skipped', async () => {
    const posts = await source.postsAt([7, 0, 7, 99, 100, 5_000]);
    assert.deepEqual(posts, [generatePost(5, 7), generatePost(5, 0), generatePost(5, 7), generatePost(5, 99)]);
  });

  it('pages one table in position order', async () => {
    const geo = await source.rows('geo', 95, 10);
    assert.deepEqual(
      geo,
      [95, 96, 97, 98, 99].map((p) => generatePost(5, p).geo),
    );
    assert.deepEqual(await source.rows('user', 100, 5), []);
  });

  it('rejects negative or fractional positions', async () => {
    await assert.rejects(source.postsAt([-1]), PipelineError);
    await assert.rejects(source.rows('pin', 0.5, 1), PipelineError);
  });

  it('is what createRowSource makes for an embedded configuration', async () => {
    const made = createRowSource({ source: { kind: 'embedded', rows: 11_153, seed: 42 } });
    assert.ok(made instanceof EmbeddedRowSource);
    assert.deepEqual(await made.postsAt([11_152]), [generatePost(42, 11_152)]);
    await made.close();
  });
});
