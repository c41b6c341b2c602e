/** The nine questions of PIPELINE_SPEC.md §6: their SQL, DuckDB to run it, the answers. */
export * from './questions';
export * from './dialect';
export * from './duckdb';
export * from './analyse';
export * from './run-analysis';
export * from './available-tables';
