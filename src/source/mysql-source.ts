import mysql, { type Pool, type RowDataPacket } from 'mysql2/promise';
import { MYSQL_ENV_LABEL, mysqlFromEnv, type MysqlSourceConfig } from '../config';
import { describeError, isRetriableNetworkCode, isUnreachableCode, PipelineError } from '../errors';
import { ID_COLUMN } from '../contract/raw-rules';
import { COLUMNS, formatDateTime, TABLE_NAMES, type Post, type RowByTable, type TableKey } from '../contract/tables';
import { assertPosition, type RowSource } from './row-source';

/** Where a pool connects, for messages; `file` says where the settings came from. */
export type MysqlEndpoint = Pick<MysqlSourceConfig, 'host' | 'port' | 'user' | 'file'>;

export interface MysqlPoolOptions {
  /** Connections open at once (default 4). */
  connectionLimit?: number;
}

/**
 * A mysql2 pool for the source database: datetimes come back as "YYYY-MM-DD HH:MM:SS" strings,
 * text as utf8mb4, DECIMAL as numbers. The pool selects no database; queries name it, so the same
 * pool can create the database before seeding it.
 */
export function createMysqlPool(config: MysqlSourceConfig, options: MysqlPoolOptions = {}): Pool {
  return mysql.createPool({
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    charset: 'utf8mb4',
    dateStrings: true,
    decimalNumbers: true,
    connectionLimit: options.connectionLimit ?? 4,
    connectTimeout: 10_000,
    waitForConnections: true,
  });
}

/**
 * A local MariaDB/MySQL for tools that always talk to MySQL (seeding, integration tests) when
 * `loadConfig()` chose the embedded source: `MYSQL_DEFAULTS` (127.0.0.1:3306, user root, empty
 * password, database pinterest_data), each part overridden by its `DB_*` variable when set. The
 * same settings as `PP_SOURCE=mysql` without db_creds.yaml.
 */
export function localMysqlConfig(env: NodeJS.ProcessEnv = process.env): MysqlSourceConfig {
  return mysqlFromEnv(env);
}

/** "root@127.0.0.1:3306" — never the password. */
export function describeEndpoint(endpoint: MysqlEndpoint): string {
  return `${endpoint.user}@${endpoint.host}:${endpoint.port}`;
}

/** `database`.`table`, both escaped, for one of the three source tables. */
export function qualifiedTable(pool: Pool, database: string, table: TableKey): string {
  return `${pool.escapeId(database)}.${pool.escapeId(TABLE_NAMES[table])}`;
}

/** The socket codes of errors.ts, and mysql2's own word for a connection the server dropped. */
const isUnreachable = (code: string) => isUnreachableCode(code) || code === 'PROTOCOL_CONNECTION_LOST';
const ACCESS_CODES = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR']);
const MISSING_CODES = new Set(['ER_BAD_DB_ERROR', 'ER_NO_SUCH_TABLE']);

/** The error code of a mysql2 or socket error; Node's AggregateError (several addresses) keeps it on its parts. */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  return Array.isArray(errors) ? errorCode(errors[0]) : undefined;
}

/**
 * Turns the MySQL failures a user can fix (server down, wrong credentials, nothing seeded) into a
 * one-line PipelineError saying what to do; other errors are returned unchanged to be rethrown.
 */
export function explainMysqlError(error: unknown, endpoint: MysqlEndpoint | undefined, database?: string): unknown {
  const code = errorCode(error);
  if (error instanceof PipelineError || code === undefined) return error;
  const server = endpoint ? `MySQL at ${endpoint.host}:${endpoint.port}` : 'MySQL';
  const file = endpoint?.file ?? 'credentials/db_creds.yaml';
  // Settings from the environment are named by their variables, those of a file by its keys.
  const check = (...keys: ('HOST' | 'PORT' | 'USER' | 'PASSWORD' | 'DATABASE')[]) =>
    file === MYSQL_ENV_LABEL
      ? `check ${keys.map((key) => `DB_${key}`).join(' and ')}`
      : `check ${keys.join(' and ')} in ${file}`;
  if (isUnreachable(code)) {
    return new PipelineError(
      'MYSQL_UNREACHABLE',
      `cannot reach ${server} (${code}); start it or ${check('HOST', 'PORT')}`,
      { retriable: true, cause: error },
    );
  }
  if (ACCESS_CODES.has(code)) {
    const user = endpoint ? ` user ${endpoint.user}` : '';
    return new PipelineError(
      'MYSQL_ACCESS_DENIED',
      `${server} refused${user} (${code}); ${check('USER', 'PASSWORD')}`,
      { cause: error },
    );
  }
  if (MISSING_CODES.has(code)) {
    const what = database ? `the tables of database ${database}` : 'the source tables';
    return new PipelineError(
      'MYSQL_NOT_SEEDED',
      `${server} does not have ${what} (${code}); run npm run db:seed or ${check('DATABASE')}`,
      { cause: error },
    );
  }
  return error;
}

// ---------------------------------------------------------------- rows as the pipeline expects them

const NUMBER_COLUMNS = new Set(['index', 'ind', 'downloaded', 'latitude', 'longitude', 'age']);
const DATETIME_COLUMNS = new Set(['timestamp', 'date_joined']);

function toNumber(value: unknown, column: string, table: TableKey): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' || typeof value === 'bigint'
        ? Number(value)
        : Number.NaN;
  if (Number.isNaN(n)) {
    throw new PipelineError(
      'SOURCE_BAD_VALUE',
      `${TABLE_NAMES[table]}.${column} holds ${value === null ? 'NULL' : JSON.stringify(value)}, not a number; fix the row or re-seed with npm run db:seed`,
    );
  }
  return n;
}

/** "YYYY-MM-DD HH:MM:SS", whatever the column type (DATETIME(6), DATE, or a Date from another pool). */
function toDateTime(value: unknown): string {
  if (value instanceof Date) return formatDateTime(value);
  const text = value === null || value === undefined ? '' : String(value);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text} 00:00:00` : text.slice(0, 19);
}

/** A row with exactly the spec's columns in the spec's order; NULL text reads as '' (cleaning nulls it again). */
export function normaliseRow<K extends TableKey>(table: K, raw: Record<string, unknown>): RowByTable[K] {
  const row: Record<string, unknown> = {};
  for (const column of COLUMNS[table] as string[]) {
    const value = raw[column];
    if (NUMBER_COLUMNS.has(column)) row[column] = toNumber(value, column, table);
    else if (DATETIME_COLUMNS.has(column)) row[column] = toDateTime(value);
    else row[column] = value === null || value === undefined ? '' : String(value);
  }
  return row as unknown as RowByTable[K];
}

// ---------------------------------------------------------------- the source

export interface MysqlRowSourceOptions {
  /** Where the pool connects: used in `description` and in error messages. */
  endpoint?: MysqlEndpoint;
  /** End the pool on `close()`; set by the composition root that created it. */
  ownsPool?: boolean;
}

/** Ids fetched per `WHERE id IN (...)` query. */
const IDS_PER_QUERY = 1_000;

/**
 * The course's MySQL tables. Position p means `ORDER BY <id> LIMIT p, 1`, as the course's
 * `LIMIT random_row, 1`. `postsAt` maps positions to ids through the pin table's id list, read once
 * and kept while the source is open (the source is treated as static; `refresh()` re-reads it), and
 * then reads each table with one `WHERE id IN (...)` query per thousand ids.
 */
export class MysqlRowSource implements RowSource {
  readonly description: string;
  private idList?: Promise<number[]>;

  constructor(
    private readonly pool: Pool,
    private readonly database: string,
    private readonly options: MysqlRowSourceOptions = {},
  ) {
    this.description = options.endpoint
      ? `MySQL ${describeEndpoint(options.endpoint)}/${database}`
      : `MySQL database ${database}`;
  }

  async count(): Promise<number> {
    const [rows] = await this.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${this.table('pin')}`, []);
    return Number(rows[0].n);
  }

  async rows<K extends TableKey>(table: K, offset: number, limit: number): Promise<RowByTable[K][]> {
    assertPosition(offset);
    assertPosition(limit);
    const sql = `SELECT ${this.columnList(table)} FROM ${this.table(table)} ORDER BY ${this.pool.escapeId(ID_COLUMN[table])} LIMIT ?, ?`;
    const [rows] = await this.query<RowDataPacket[]>(sql, [offset, limit]);
    return rows.map((raw) => normaliseRow(table, raw));
  }

  async postsAt(positions: readonly number[]): Promise<Post[]> {
    positions.forEach(assertPosition);
    const ids = await this.ids();
    const wanted = positions.filter((position) => position < ids.length).map((position) => ids[position]);
    if (wanted.length === 0) return [];
    const unique = [...new Set(wanted)];
    const [pins, geos, users] = await Promise.all([
      this.rowsById('pin', unique),
      this.rowsById('geo', unique),
      this.rowsById('user', unique),
    ]);
    return wanted.map((id) => ({
      pin: this.found(pins, 'pin', id),
      geo: this.found(geos, 'geo', id),
      user: this.found(users, 'user', id),
    }));
  }

  /** Forgets the position → id list, so the next `postsAt` sees rows added or removed since. */
  refresh(): void {
    this.idList = undefined;
  }

  async close(): Promise<void> {
    if (this.options.ownsPool) await this.pool.end();
  }

  private ids(): Promise<number[]> {
    this.idList ??= this.loadIds().catch((error: unknown) => {
      this.idList = undefined; // a failed load is retried by the next call
      throw error;
    });
    return this.idList;
  }

  private async loadIds(): Promise<number[]> {
    const id = this.pool.escapeId(ID_COLUMN.pin);
    const [rows] = await this.query<RowDataPacket[]>(`SELECT ${id} AS id FROM ${this.table('pin')} ORDER BY ${id}`, []);
    return rows.map((row) => toNumber(row.id, ID_COLUMN.pin, 'pin'));
  }

  private async rowsById<K extends TableKey>(table: K, ids: readonly number[]): Promise<Map<number, RowByTable[K]>> {
    const byId = new Map<number, RowByTable[K]>();
    const idColumn = ID_COLUMN[table];
    for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
      const chunk = ids.slice(start, start + IDS_PER_QUERY);
      const sql = `SELECT ${this.columnList(table)} FROM ${this.table(table)} WHERE ${this.pool.escapeId(idColumn)} IN (${chunk.map(() => '?').join(', ')})`;
      const [rows] = await this.query<RowDataPacket[]>(sql, [...chunk]);
      for (const raw of rows) {
        const row = normaliseRow(table, raw);
        byId.set((row as unknown as Record<string, number>)[idColumn], row);
      }
    }
    return byId;
  }

  private found<K extends TableKey>(rows: Map<number, RowByTable[K]>, table: K, id: number): RowByTable[K] {
    const row = rows.get(id);
    if (row === undefined) {
      throw new PipelineError(
        'SOURCE_INCOMPLETE',
        `${TABLE_NAMES[table]} has no row with ${ID_COLUMN[table]} = ${id} in ${this.database}, though ${TABLE_NAMES.pin} has; re-seed with npm run db:seed`,
      );
    }
    return row;
  }

  private table(table: TableKey): string {
    return qualifiedTable(this.pool, this.database, table);
  }

  private columnList(table: TableKey): string {
    return (COLUMNS[table] as string[]).map((column) => this.pool.escapeId(column)).join(', ');
  }

  /**
   * A parameterised query: the mysql2 boundary, where every failure becomes a PipelineError, the
   * fixable ones saying what to do (`explainMysqlError`), the rest MYSQL_QUERY_FAILED, retriable
   * when the socket code says so.
   */
  private async query<T extends RowDataPacket[]>(sql: string, values: unknown[]): Promise<[T, unknown]> {
    try {
      return await this.pool.query<T>(sql, values);
    } catch (error) {
      const explained = explainMysqlError(error, this.options.endpoint, this.database);
      const code = errorCode(error);
      if (explained instanceof PipelineError || code === undefined) throw explained;
      throw new PipelineError(
        'MYSQL_QUERY_FAILED',
        `${this.description}: ${describeError(error)}${code ? ` (${code})` : ''}`,
        { retriable: isRetriableNetworkCode(code), cause: error },
      );
    }
  }
}
