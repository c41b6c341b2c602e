/**
 * The one printer of tables on the terminal (script summaries, `--help`, the reconciliation).
 * Written by hand because `console.table` adds an `(index)` column and quotes strings, and
 * DuckDB's own table printing needs a connection and query results.
 */

/** What a cell may hold: numbers are right-aligned, everything else is text. */
export type TableCell = string | number | boolean | null | undefined;

export interface TableColumn<Row> {
  /** The row's property shown in this column. */
  key: keyof Row & string;
  /** Column header; the key by default. */
  header?: string;
  /** Default: right when the column holds numbers (and nothing else but empty cells), else left. */
  align?: 'left' | 'right';
  /** Numbers with thousands separators (`11,153`); default true. False for ports, years and ids. */
  grouping?: boolean;
}

export interface TableOptions {
  /** Print the header line (default true); false for two-column lists such as `--help`. */
  header?: boolean;
  /** Put before every line, e.g. two spaces under a title. */
  indent?: string;
  /** Spaces between two columns (default 2). */
  gap?: number;
}

function cellText(value: TableCell, grouping: boolean): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return grouping ? value.toLocaleString('en-US') : String(value);
  return String(value);
}

/**
 * `rows` as aligned text lines joined by `\n`: a header line (unless `header: false`), one line
 * per row, columns `gap` spaces apart, text left-aligned, numbers right-aligned, no trailing
 * spaces. `columns` names the row properties to show, in order (a key, or a column with options).
 */
export function formatTable<Row extends object>(
  rows: readonly Row[],
  columns: readonly ((keyof Row & string) | TableColumn<Row>)[],
  options: TableOptions = {},
): string {
  const specs = columns.map((c): TableColumn<Row> => (typeof c === 'string' ? { key: c } : c));
  const values = (spec: TableColumn<Row>) => rows.map((row) => (row as Record<string, unknown>)[spec.key]);
  const aligns = specs.map((spec) => {
    if (spec.align) return spec.align;
    const filled = values(spec).filter((v) => v !== undefined && v !== null && v !== '');
    return filled.length > 0 && filled.every((v) => typeof v === 'number') ? 'right' : 'left';
  });
  const body = rows.map((row) =>
    specs.map((spec) => cellText((row as Record<string, TableCell>)[spec.key], spec.grouping ?? true)),
  );
  const lines = options.header === false ? body : [specs.map((spec) => spec.header ?? spec.key), ...body];
  const widths = specs.map((_, i) => Math.max(0, ...lines.map((cells) => cells[i].length)));
  const gap = ' '.repeat(options.gap ?? 2);
  const indent = options.indent ?? '';
  return lines
    .map((cells) =>
      `${indent}${cells.map((cell, i) => (aligns[i] === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join(gap)}`.trimEnd(),
    )
    .join('\n');
}
