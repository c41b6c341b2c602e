import path from 'node:path';

/**
 * The workspace root, found from this file's location so that scripts (run from the root) and
 * notebooks (run from notebooks/) resolve credentials/, output/ and .local-stack/ alike.
 */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export function projectPath(...parts: string[]): string {
  return path.join(PROJECT_ROOT, ...parts);
}
