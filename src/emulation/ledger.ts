import { TABLES, type TableKey } from '../contract/tables';
import { formatTable } from '../terminal-table';

/** What happened to the records of one table during a run. */
export interface TableCounts {
  table: TableKey;
  /** Topic or stream the records went to. */
  destination: string;
  /** Rows read from the source. */
  read: number;
  /** Records sent at least once. */
  sent: number;
  /** Records the server acknowledged (an offset or a sequence number). */
  acked: number;
  /** Record resends: a record retried three times counts three. */
  retried: number;
  /** Records written to the quarantine file instead (can never be sent). */
  quarantined: number;
  /** Records neither acknowledged nor quarantined: retries spent, or the run stopped first. */
  failed: number;
}

/** Why the run stopped reading new posts. */
export type StopReason = 'count' | 'duration' | 'signal' | 'fatal';

export interface EmulationSummary {
  path: 'batch' | 'stream';
  /** How records travelled, e.g. "REST Proxy via API Gateway http://127.0.0.1:4000/prod". */
  transport: string;
  source: string;
  tables: TableCounts[];
  /** Posts read (each is one row per table). */
  posts: number;
  elapsedMs: number;
  /** Posts whose three records were all handled, per second of the run. */
  postsPerSecond: number;
  stoppedBy: StopReason;
  /** `read = acked + quarantined + failed` for every table. */
  reconciled: boolean;
  /** True when the run was not stopped by an error and every record read was acknowledged or quarantined: the exit code is 0. */
  ok: boolean;
  /** Distinct reasons of failed and quarantined records, with counts, most frequent first. */
  reasons: { reason: string; records: number; outcome: 'failed' | 'quarantined' }[];
  quarantineFile?: string;
  /** The error that stopped the run early, if one did. */
  fatalError?: string;
}

/**
 * Counters per table, updated as records move: read → sent → acked, or quarantined, or failed.
 * `snapshot` reports them; a run reconciles when every record read ended in exactly one of
 * acked, quarantined or failed.
 */
export class Ledger {
  private readonly counts = new Map<TableKey, TableCounts>();
  private readonly reasonCounts = new Map<
    string,
    { reason: string; records: number; outcome: 'failed' | 'quarantined' }
  >();

  constructor(destinations: Record<TableKey, string>) {
    for (const table of TABLES) {
      this.counts.set(table, {
        table,
        destination: destinations[table],
        read: 0,
        sent: 0,
        acked: 0,
        retried: 0,
        quarantined: 0,
        failed: 0,
      });
    }
  }

  read(table: TableKey, n = 1): void {
    this.of(table).read += n;
  }
  sent(table: TableKey, n = 1): void {
    this.of(table).sent += n;
  }
  acked(table: TableKey, n = 1): void {
    this.of(table).acked += n;
  }
  retried(table: TableKey, n = 1): void {
    this.of(table).retried += n;
  }

  quarantined(table: TableKey, reason: string, n = 1): void {
    this.of(table).quarantined += n;
    this.noteReason(reason, n, 'quarantined');
  }

  failed(table: TableKey, reason: string, n = 1): void {
    this.of(table).failed += n;
    this.noteReason(reason, n, 'failed');
  }

  /** Records read but not yet acked, quarantined or failed. */
  outstanding(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c.read - c.acked - c.quarantined - c.failed;
    return n;
  }

  /** Sums over the three tables. */
  totals(): Omit<TableCounts, 'table' | 'destination'> {
    const total = { read: 0, sent: 0, acked: 0, retried: 0, quarantined: 0, failed: 0 };
    for (const c of this.counts.values()) {
      total.read += c.read;
      total.sent += c.sent;
      total.acked += c.acked;
      total.retried += c.retried;
      total.quarantined += c.quarantined;
      total.failed += c.failed;
    }
    return total;
  }

  snapshot(): TableCounts[] {
    return TABLES.map((table) => ({ ...this.of(table) }));
  }

  reasons(): EmulationSummary['reasons'] {
    return [...this.reasonCounts.values()].sort((a, b) => b.records - a.records).map((r) => ({ ...r }));
  }

  private of(table: TableKey): TableCounts {
    const counts = this.counts.get(table);
    if (!counts) throw new Error(`unknown table ${table}`);
    return counts;
  }

  private noteReason(reason: string, n: number, outcome: 'failed' | 'quarantined'): void {
    // Reasons vary by size or offset; the first 160 characters group them well enough.
    const key = `${outcome}:${reason.slice(0, 160)}`;
    const entry = this.reasonCounts.get(key) ?? { reason: reason.slice(0, 160), records: 0, outcome };
    entry.records += n;
    this.reasonCounts.set(key, entry);
  }
}

/** True when `read = acked + quarantined + failed` for every table. */
export function reconciles(tables: readonly TableCounts[]): boolean {
  return tables.every((t) => t.read === t.acked + t.quarantined + t.failed);
}

/** The summary as rows for a table (`rowsToFrame(summaryRows(s), SUMMARY_COLUMNS)`), with a total row. */
export function summaryRows(summary: EmulationSummary): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = summary.tables.map((t) => ({ ...t }));
  const total = { table: 'total', destination: '', read: 0, sent: 0, acked: 0, retried: 0, quarantined: 0, failed: 0 };
  for (const t of summary.tables) {
    total.read += t.read;
    total.sent += t.sent;
    total.acked += t.acked;
    total.retried += t.retried;
    total.quarantined += t.quarantined;
    total.failed += t.failed;
  }
  rows.push(total);
  return rows;
}

export const SUMMARY_COLUMNS = [
  'table',
  'destination',
  'read',
  'sent',
  'acked',
  'retried',
  'quarantined',
  'failed',
] as const;

/** The summary as aligned text lines, for scripts. */
export function formatSummary(summary: EmulationSummary): string {
  const seconds = summary.elapsedMs / 1000;
  const out = [
    `${summary.path} path: ${summary.posts.toLocaleString('en-US')} posts in ${seconds.toFixed(1)} s (${summary.postsPerSecond.toFixed(0)} posts/s), stopped by ${summary.stoppedBy}`,
    `  from ${summary.source}`,
    `  to ${summary.transport}`,
    '',
    formatTable(summaryRows(summary), SUMMARY_COLUMNS, { indent: '  ' }),
    '',
  ];
  for (const r of summary.reasons.slice(0, 8))
    out.push(`  ${r.outcome} ${r.records.toLocaleString('en-US')}: ${r.reason}`);
  if (summary.quarantineFile && summary.tables.some((t) => t.quarantined > 0))
    out.push(`  quarantined rows: ${summary.quarantineFile}`);
  const failed = summary.tables.reduce((n, t) => n + t.failed, 0);
  if (summary.fatalError) out.push(`  FAILED, stopped early: ${summary.fatalError}`);
  if (summary.ok) out.push('  every record read was acknowledged or quarantined');
  else if (!summary.reconciled || failed > 0 || !summary.fatalError) {
    out.push(
      `  ${summary.reconciled ? '' : 'DOES NOT RECONCILE; '}${failed.toLocaleString('en-US')} records neither acknowledged nor quarantined`,
    );
  }
  return out.join('\n');
}
