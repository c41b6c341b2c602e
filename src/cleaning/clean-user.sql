-- Cleaning the user table (PIPELINE_SPEC.md §5), over the raw records in user_raw: the one
-- definition of these rules, run by DuckDB here and by Spark on Databricks.
-- user_name = first_name + ' ' + last_name (each part
-- trimmed; only the part present when the other is missing; NULL when both are) replacing the two
-- columns, date_joined -> TIMESTAMP (whole seconds), rows without a usable ind dropped, exact
-- duplicates dropped, columns ind, user_name, age, date_joined.
WITH typed AS (
  SELECT
    TRY_CAST(ind AS INT) AS ind,
    TRIM(COALESCE(TRY_CAST(first_name AS STRING), '')) AS first_part,
    TRIM(COALESCE(TRY_CAST(last_name AS STRING), '')) AS last_part,
    TRY_CAST(age AS INT) AS age,
    DATE_TRUNC('SECOND', TRY_CAST(TRIM(TRY_CAST(date_joined AS STRING)) AS TIMESTAMP)) AS date_joined
  FROM user_raw
)
SELECT DISTINCT
  ind,
  NULLIF(TRIM(CONCAT(first_part, ' ', last_part)), '') AS user_name,
  age,
  date_joined
FROM typed
WHERE ind IS NOT NULL
