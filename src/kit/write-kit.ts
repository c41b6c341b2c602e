import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeError, PipelineError } from '../errors';
import { ec2ClientSteps, customPluginNote, kitReadme, mwaaDatabricksSteps } from './guides';
import { iamFiles, iamReadme } from './iam';
import { PLACEHOLDER_PATTERN, type KitSettings } from './kit-settings';
import { openApiYaml } from './openapi';
import { clientProperties, connectorProperties, kafkaRestProperties } from './properties';

/** Where `npm run aws:kit` writes by default, under the workspace root. */
export const DEFAULT_KIT_DIR = path.join('output', 'aws-kit');

/** Where the example kit is committed (`npm run aws:kit -- --example`), so GitHub shows it. */
export const EXAMPLE_KIT_DIR = path.join('docs', 'aws-kit');

/** The kit's files: path relative to the kit folder → content. */
export type KitFiles = Record<string, string>;

/** Every file of the kit for `settings`, README.md included. */
export function buildKit(settings: KitSettings): KitFiles {
  const files: KitFiles = {
    'ec2-client/client.properties': clientProperties(settings),
    'ec2-client/kafka-rest.properties': kafkaRestProperties(settings),
    'ec2-client/setup.md': ec2ClientSteps(settings),
    'msk-connect/custom-plugin.md': customPluginNote(settings),
    'msk-connect/s3-sink-connector.properties': connectorProperties(settings),
    'api-gateway/openapi.yaml': openApiYaml(settings),
    'iam/README.md': iamReadme(settings),
    'mwaa-databricks/steps.md': mwaaDatabricksSteps(settings),
  };
  for (const iam of iamFiles(settings)) files[`iam/${iam.file}`] = `${JSON.stringify(iam.document, null, 2)}\n`;
  const names = ['README.md', ...Object.keys(files)].sort();
  files['README.md'] = kitReadme(settings, names, placeholdersIn(files));
  return files;
}

/** The placeholders still in the files, each once, sorted. */
export function placeholdersIn(files: KitFiles): string[] {
  const found = new Set<string>();
  for (const text of Object.values(files)) for (const match of text.matchAll(PLACEHOLDER_PATTERN)) found.add(match[0]);
  return [...found].sort();
}

/** Writes the kit into `dir` (created when missing); returns the absolute paths written. */
export async function writeKit(dir: string, files: KitFiles): Promise<string[]> {
  const written: string[] = [];
  for (const [name, text] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const file = path.join(dir, name);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text, 'utf8');
    } catch (error) {
      throw new PipelineError(
        'KIT_WRITE_FAILED',
        `cannot write ${file}: ${describeError(error)}; choose another folder with --out`,
        { cause: error },
      );
    }
    written.push(file);
  }
  return written;
}

/** The kit's files that differ in `dir` (changed, missing) and the files `dir` has beyond them (extra), each named relative to `dir`. */
export async function staleKitFiles(dir: string, files: KitFiles): Promise<string[]> {
  const stale: string[] = [];
  for (const [name, text] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const current = await readFile(path.join(dir, name), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (current === undefined) stale.push(`${name} missing`);
    else if (current !== text) stale.push(`${name} changed`);
  }
  const present = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  for (const entry of present) {
    if (!entry.isFile()) continue;
    const name = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (!(name in files)) stale.push(`${name} extra`);
  }
  return stale;
}
