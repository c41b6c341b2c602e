import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AckedRecord } from '../../src/emulation/emulate-posts';
import { cleanTables } from '../../src/batch/clean-tables';
import { validateRecord, type RawTables } from '../../src/batch/raw-records';
import { frameToRows } from '../../src/frames';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../src/local-stack/start-local-stack';
import { TABLES, type TableKey } from '../../src/tables';

export function uniqueUser(prefix = 'st'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Local stacks and temp folders made by a test file, cleaned up by `cleanup()` in `after`. */
export function stackPool() {
  const dirs: string[] = [];
  const stacks: LocalStack[] = [];
  return {
    tempDir(prefix = 'pp-streaming-'): string {
      const dir = mkdtempSync(path.join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    async start(options: Partial<LocalStackOptions> = {}): Promise<LocalStack> {
      const dataDir = options.dataDir ?? this.tempDir();
      const stack = await startLocalStack({ dataDir, userId: uniqueUser(), ports: { gateway: 0, restProxy: 0, s3: 0, kinesis: 0 }, ...options });
      stacks.push(stack);
      return stack;
    },
    async cleanup(): Promise<void> {
      for (const stack of stacks) await stack.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The distinct cleaned rows `cleanTables` gives over the acknowledged rows of each table, as sorted JSON lines. */
export function expectedTables(acks: readonly AckedRecord[]): Record<TableKey, string[]> {
  const raw: RawTables = { pin: [], geo: [], user: [] };
  for (const ack of acks) {
    const checked = validateRecord(ack.table, JSON.parse(ack.json));
    if (checked.ok) (raw[ack.table] as unknown[]).push(checked.row);
  }
  const { frames } = cleanTables(raw);
  return Object.fromEntries(TABLES.map((table) => [table, frameToRows(frames[table]).map((row) => JSON.stringify(row)).sort()])) as Record<TableKey, string[]>;
}

export function rowLines(rows: readonly object[]): string[] {
  return rows.map((row) => JSON.stringify(row)).sort();
}
