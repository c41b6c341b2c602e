import path from 'node:path';

/**
 * The workspace root, found from this file's location so that scripts (run from the root) and
 * notebooks (run from notebooks/) resolve credentials/, output/ and .local-stack/ alike.
 */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/**
 * A path inside the workspace, e.g. `projectPath('output', 'clean')`: the defaults of the scripts'
 * folder options resolve here, whatever the working folder. An absolute part stays absolute.
 */
export function projectPath(...parts: string[]): string {
  return path.resolve(PROJECT_ROOT, ...parts);
}
