/**
 * What a step script checks before it loads the pipeline: on the local stack, that one is running
 * in its data folder. None running fails at once with one line saying to start it (`npm run stack`).
 */
import type { PipelineConfig } from '../../src/config';
import { findRunningStack } from '../../src/local-stack/running-stack';

/** Resolves when the target is AWS or a local stack runs in `dataDir`; throws STACK_NOT_RUNNING/STACK_NOT_ANSWERING otherwise. */
export async function requireRunningStack(config: Pick<PipelineConfig, 'target'>, dataDir: string): Promise<void> {
  if (config.target === 'local') await findRunningStack(dataDir);
}
