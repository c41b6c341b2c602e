import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_USER_ID, namesFor, PROJECT_ROOT } from '../../src/config';

import { listDagFiles, readDagSettings, type DagSettings } from '../../src/orchestration/dag-settings';

/** Airflow is not installable here: the DAG files are read as syntax trees by check_dag.py. */
type DagFacts = DagSettings;
const inspectDag = (file: string): DagFacts => readDagSettings(file);

function assertDagBasics(facts: DagFacts, dagId: string): void {
  assert.ok(facts.docstring && facts.docstring.length > 40, 'module docstring');
  assert.equal(facts.dag_id, dagId, 'DAG_ID constant');
  assert.ok(facts.dag, 'a `with DAG(...)` block');
  const dag = facts.dag as Record<string, unknown>;
  assert.equal(dag.dag_id, dagId);
  assert.equal(dag.schedule, '@daily');
  assert.equal(dag.catchup, false);
  assert.equal(typeof dag.start_date, 'string', 'start_date is a fixed datetime(...)');
  assert.ok(Date.parse(dag.start_date as string) < Date.now(), 'start_date in the past');
  const args = dag.default_args as Record<string, unknown>;
  assert.equal(typeof args.owner, 'string');
  assert.equal(typeof args.retries, 'number');
  assert.equal(typeof args.retry_delay, 'number', 'retry_delay is a timedelta');
  for (const op of facts.operators) assert.equal(op.kwargs.task_id, op.variable, 'task_id equals the variable name');
}

describe('Airflow DAGs (read with python ast)', () => {
  test('dags/ holds the two DAGs', () => {
    for (const file of ['localuser_dag.py', 'pinterest_local_dag.py']) assert.ok(listDagFiles().includes(file), file);
  });

  test(`dags/${DEFAULT_USER_ID}_dag.py submits the Databricks notebooks, clean then analysis`, () => {
    const dagId = namesFor(DEFAULT_USER_ID).dagId;
    const facts = inspectDag(`${dagId}.py`);
    assertDagBasics(facts, dagId);
    assert.deepEqual(facts.operators.map((o) => [o.variable, o.class]), [
      ['batch_clean', 'DatabricksSubmitRunOperator'],
      ['analysis', 'DatabricksSubmitRunOperator'],
    ]);
    for (const op of facts.operators) {
      assert.equal(op.kwargs.databricks_conn_id, 'databricks_default');
      assert.equal(typeof op.kwargs.existing_cluster_id, 'string', 'existing_cluster_id resolves to a default');
      const task = op.kwargs.notebook_task as { notebook_path: string };
      assert.equal(typeof task.notebook_path, 'string');
      const name = task.notebook_path.split('/').pop() as string;
      assert.ok(['.sql', '.py'].some((ext) => existsSync(path.join(PROJECT_ROOT, 'databricks', `${name}${ext}`))), `databricks/${name}.sql or .py exists`);
    }
    assert.deepEqual(facts.edges, [['batch_clean', 'analysis']]);
  });

  test('dags/pinterest_local_dag.py runs the TypeScript steps in order', () => {
    const facts = inspectDag('pinterest_local_dag.py');
    assertDagBasics(facts, 'pinterest_local_dag');
    assert.ok(facts.operators.every((o) => o.class === 'BashOperator'));
    assert.deepEqual(facts.operators.map((o) => o.kwargs.bash_command), [
      'npm run create-topics',
      'npm run emulate:batch -- --count 500 --no-start-stack',
      'npx tsx scripts/clean-batch.ts',
      'npx tsx scripts/analyse.ts',
    ]);
    assert.deepEqual(facts.edges, [['create_topics', 'emulate_batch'], ['emulate_batch', 'clean_batch'], ['clean_batch', 'analyse']]);
    for (const script of ['clean-batch.ts', 'analyse.ts', 'create-topics.ts', 'emulate-batch.ts']) assert.ok(existsSync(path.join(PROJECT_ROOT, 'scripts', script)));
  });
});
