export * from './cleaning-sql';
export * from './duckdb-cleaning';
