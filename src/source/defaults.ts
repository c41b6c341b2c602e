/** The source's defaults, apart from the code that uses them: `npm run db:seed -- --help` shows them without loading mysql2. */

/** Posts per INSERT; each batch is three multi-row statements in one transaction. */
export const DEFAULT_BATCH_SIZE = 1_000;
