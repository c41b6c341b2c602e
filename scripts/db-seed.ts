/**
 * `npm run db:seed`: loads the generator's posts into MySQL/MariaDB, creating the database and the
 * three tables when missing. Safe to rerun: rows with the same ids are updated, not duplicated.
 */
import { intOption, parseCommandLine, runMain, type CommandSpec } from './lib/cli';
import { DEFAULT_ROWS, DEFAULT_SEED, loadConfig, type MysqlSourceConfig } from '../src/config';
import { createProgress } from '../src/progress';
import { DEFAULT_BATCH_SIZE } from '../src/source/defaults';
import type { SeedResult } from '../src/source/seed-database';
import { TABLE_NAMES, TABLES } from '../src/contract/tables';

const spec: CommandSpec = {
  name: 'npm run db:seed --',
  summary: [
    "Creates the course's source tables (pinterest_data, geolocation_data, user_data) in MySQL and fills",
    'them with generated posts. The server comes from credentials/db_creds.yaml or DB_* variables; with',
    'neither, a local MariaDB at 127.0.0.1:3306, user root, empty password, database pinterest_data.',
  ].join('\n'),
  options: {
    rows: { type: 'string', value: 'N', description: 'posts to load', default: String(DEFAULT_ROWS) },
    seed: { type: 'string', value: 'N', description: 'generator seed', default: String(DEFAULT_SEED) },
    'batch-size': { type: 'string', value: 'N', description: 'posts per INSERT', default: String(DEFAULT_BATCH_SIZE) },
    database: {
      type: 'string',
      value: 'NAME',
      description: 'database to create and fill (default: DATABASE of the settings)',
    },
    fresh: { type: 'boolean', description: 'empty the three tables first (drops rows of an earlier seed or size)' },
  },
  examples: [
    'npm run db:seed',
    'npm run db:seed -- --rows 100000 --fresh',
    'DB_PORT=3307 npm run db:seed -- --database pinterest_test',
  ],
};

/** The configured MySQL server, or the local defaults when the configuration chose the embedded source. */
function mysqlSettings(localMysqlConfig: () => MysqlSourceConfig): { config: MysqlSourceConfig; defaulted: boolean } {
  const config = loadConfig();
  if (config.source.kind === 'mysql') return { config: config.source, defaulted: false };
  return { config: localMysqlConfig(), defaulted: true };
}

export async function main(argv: string[]): Promise<void> {
  const options = parseCommandLine(spec, argv);
  if (!options) return;
  // Loaded after parsing: --help answers without loading mysql2.
  const { createMysqlPool, describeEndpoint, localMysqlConfig } =
    require('../src/source/mysql-source') as typeof import('../src/source/mysql-source');
  const { seedDatabase } = require('../src/source/seed-database') as typeof import('../src/source/seed-database');
  const rows = intOption(options, 'rows', 0) ?? DEFAULT_ROWS;
  const seed = intOption(options, 'seed', 0) ?? DEFAULT_SEED;
  const batchSize = intOption(options, 'batch-size', 1) ?? DEFAULT_BATCH_SIZE;
  const { config, defaulted } = mysqlSettings(localMysqlConfig);
  const database = typeof options.database === 'string' ? options.database : config.database;
  if (defaulted)
    console.log(
      `no credentials/db_creds.yaml or DB_HOST: using ${describeEndpoint(config)} (empty password unless DB_PASSWORD is set)`,
    );
  console.log(
    `seeding ${rows.toLocaleString('en-US')} posts (seed ${seed}) into ${describeEndpoint(config)}/${database}`,
  );

  const pool = createMysqlPool(config);
  const progress = createProgress({ label: 'posts', total: rows });
  let result: SeedResult;
  try {
    result = await seedDatabase(pool, {
      database,
      rows,
      seed,
      batchSize,
      fresh: options.fresh === true,
      endpoint: config,
      onProgress: (done) => progress.update(done),
    });
  } finally {
    progress.stop();
    await pool.end();
  }
  const counts = TABLES.map((table) => `${TABLE_NAMES[table]} ${result.counts[table].toLocaleString('en-US')}`).join(
    ', ',
  );
  const rate = result.seconds > 0 ? Math.round(result.posts / result.seconds).toLocaleString('en-US') : '-';
  console.log(`done in ${result.seconds.toFixed(1)} s (${rate} posts/s); rows now: ${counts}`);
  if (TABLES.some((table) => result.counts[table] !== rows)) {
    console.log(
      `note: the tables also hold rows of an earlier seed or size; rerun with --fresh to keep only these ${rows.toLocaleString('en-US')} posts`,
    );
  }
}

if (require.main === module) runMain(main);
