-- Cleaning the geolocation table (PIPELINE_SPEC.md §5), over the raw records in geo_raw: the one
-- definition of these rules, run by DuckDB here and by Spark on Databricks.
-- coordinates = [latitude, longitude] (NULL when either
-- is missing) replacing the two columns, timestamp -> TIMESTAMP (whole seconds; unreadable or
-- impossible dates -> NULL), empty country -> NULL, rows without a usable ind dropped, exact
-- duplicates dropped, columns ind, country, coordinates, timestamp. DuckDB's LIST_VALUE is Spark's
-- ARRAY (src/cleaning/spark-dialect.ts).
WITH typed AS (
  SELECT
    TRY_CAST(ind AS INT) AS ind,
    TRY_CAST(country AS STRING) AS country,
    TRY_CAST(latitude AS DOUBLE) AS latitude,
    TRY_CAST(longitude AS DOUBLE) AS longitude,
    DATE_TRUNC('SECOND', TRY_CAST(TRIM(TRY_CAST(r.timestamp AS STRING)) AS TIMESTAMP)) AS event_time
  FROM geo_raw AS r
)
SELECT DISTINCT
  ind,
  CASE WHEN TRIM(country) = '' THEN NULL ELSE country END AS country,
  CASE WHEN latitude IS NULL OR longitude IS NULL THEN NULL ELSE LIST_VALUE(latitude, longitude) END AS coordinates,
  event_time AS timestamp
FROM typed
WHERE ind IS NOT NULL
