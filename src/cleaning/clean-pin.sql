-- Cleaning the pin table (PIPELINE_SPEC.md §5), over the raw records in pin_raw: the one definition
-- of these rules, run by DuckDB here and by Spark on Databricks.
-- Placeholders and empty strings -> NULL (each {{placeholders.<column>}} is expanded by cleaningSql
-- from src/contract/known-values.ts into the quoted strings of that column), follower_count -> BIGINT
-- (k x 1,000, M x 1,000,000, digits and 1,234 as is), save_location -> the path, index -> ind (rows
-- without a usable id are dropped), one row per unique_id, and the columns in the course's order.
-- Written in DuckDB's spelling; src/cleaning/spark-dialect.ts turns REGEXP_MATCHES and LIST_VALUE
-- into Spark's. No backslashes: Spark and DuckDB escape them differently.
-- A repeated unique_id keeps the row with the smallest ind, on every engine.
WITH typed AS (
  SELECT
    TRY_CAST(r.index AS INT) AS ind,
    TRY_CAST(unique_id AS STRING) AS unique_id,
    TRY_CAST(title AS STRING) AS title,
    TRY_CAST(description AS STRING) AS description,
    TRIM(TRY_CAST(follower_count AS STRING)) AS follower_text,
    TRY_CAST(poster_name AS STRING) AS poster_name,
    TRY_CAST(tag_list AS STRING) AS tag_list,
    TRY_CAST(is_image_or_video AS STRING) AS is_image_or_video,
    TRY_CAST(image_src AS STRING) AS image_src,
    TRIM(TRY_CAST(save_location AS STRING)) AS save_location,
    TRY_CAST(category AS STRING) AS category
  FROM pin_raw AS r
),
cleaned AS (
  SELECT
    ind,
    CASE WHEN TRIM(unique_id) = '' THEN NULL ELSE unique_id END AS unique_id,
    CASE WHEN TRIM(title) IN ('', {{placeholders.title}}) THEN NULL ELSE title END AS title,
    CASE WHEN TRIM(description) IN ('', {{placeholders.description}}) THEN NULL ELSE description END AS description,
    CASE
      WHEN REGEXP_MATCHES(follower_text, '^[0-9]+$') THEN TRY_CAST(follower_text AS BIGINT)
      WHEN REGEXP_MATCHES(follower_text, '^[0-9]{1,3}(,[0-9]{3})+$') THEN TRY_CAST(REPLACE(follower_text, ',', '') AS BIGINT)
      WHEN REGEXP_MATCHES(follower_text, '^[0-9]+([.][0-9]+)? *[kK]$')
        THEN TRY_CAST(ROUND(TRY_CAST(REGEXP_EXTRACT(follower_text, '^([0-9]+([.][0-9]+)?)', 1) AS DOUBLE) * 1000) AS BIGINT)
      WHEN REGEXP_MATCHES(follower_text, '^[0-9]+([.][0-9]+)? *[mM]$')
        THEN TRY_CAST(ROUND(TRY_CAST(REGEXP_EXTRACT(follower_text, '^([0-9]+([.][0-9]+)?)', 1) AS DOUBLE) * 1000000) AS BIGINT)
    END AS follower_count,
    CASE WHEN TRIM(poster_name) IN ('', {{placeholders.poster_name}}) THEN NULL ELSE poster_name END AS poster_name,
    CASE WHEN TRIM(tag_list) IN ('', {{placeholders.tag_list}}) THEN NULL ELSE tag_list END AS tag_list,
    CASE WHEN TRIM(is_image_or_video) = '' THEN NULL ELSE is_image_or_video END AS is_image_or_video,
    CASE WHEN TRIM(image_src) IN ('', {{placeholders.image_src}}) THEN NULL ELSE image_src END AS image_src,
    NULLIF(REGEXP_REPLACE(save_location, '^(?i)local save in *', ''), '') AS save_location,
    CASE WHEN TRIM(category) = '' THEN NULL ELSE category END AS category
  FROM typed
  WHERE ind IS NOT NULL
),
-- One window does both: a row per unique_id, and, among rows without one, a row per distinct
-- set of values (their partition is every column, NULLs equal, as DISTINCT would group them).
ranked AS (
  SELECT ind, unique_id, title, description, follower_count, poster_name, tag_list, is_image_or_video, image_src, save_location, category,
         ROW_NUMBER() OVER (
           PARTITION BY unique_id,
             CASE WHEN unique_id IS NULL THEN ind END,
             CASE WHEN unique_id IS NULL THEN title END,
             CASE WHEN unique_id IS NULL THEN description END,
             CASE WHEN unique_id IS NULL THEN follower_count END,
             CASE WHEN unique_id IS NULL THEN poster_name END,
             CASE WHEN unique_id IS NULL THEN tag_list END,
             CASE WHEN unique_id IS NULL THEN is_image_or_video END,
             CASE WHEN unique_id IS NULL THEN image_src END,
             CASE WHEN unique_id IS NULL THEN save_location END,
             CASE WHEN unique_id IS NULL THEN category END
           ORDER BY ind) AS copy_number
  FROM cleaned
)
SELECT ind, unique_id, title, description, follower_count, poster_name, tag_list, is_image_or_video, image_src, save_location, category
FROM ranked
WHERE copy_number = 1
