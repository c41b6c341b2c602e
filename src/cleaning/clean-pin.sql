-- Cleaning the pin table (PIPELINE_SPEC.md §5), over the raw records in pin_raw: the one definition
-- of these rules, run by DuckDB here and by Spark on Databricks.
-- Placeholders and empty strings -> NULL (each {{placeholders.<column>}} is expanded by cleaningSql
-- from src/contract/known-values.ts into the quoted strings of that column), follower_count -> BIGINT
-- (k x 1,000, M x 1,000,000, digits and 1,234 as is), save_location -> the path, index -> ind (rows
-- without a usable id are dropped), one row per unique_id, and the columns in the course's order.
-- Written in DuckDB's spelling; src/cleaning/spark-dialect.ts turns REGEXP_MATCHES and LIST_VALUE
-- into Spark's. No backslashes: Spark and DuckDB escape them differently.
-- A repeated unique_id keeps the row with the smallest ind, on every engine.
WITH
-- The unique_ids (as read) of more than one raw row. Only their rows, and the rows whose unique_id
-- is missing or may be blank, can have a copy: every other row is the only one of its unique_id and
-- is kept as it is, without the window below (which sorts every row it is given).
repeated AS (
  SELECT unique_id AS repeated_id
  FROM pin_raw
  WHERE unique_id IS NOT NULL
  GROUP BY unique_id
  HAVING COUNT(*) > 1
),
-- This CTE and the two below are computed where they are used (in DuckDB's spelling, NOT MATERIALIZED
-- after AS; Spark's has no such word): each of the two uses of cleaned computes its own rows from
-- pin_raw, rather than DuckDB keeping a copy of them all. BROADCAST(d), a comment to DuckDB, has
-- Spark send the few repeated ids to every task rather than shuffle every row to join them.
flagged AS {{not_materialized}} (
  SELECT /*+ BROADCAST(d) */
    r.*,
    (r.unique_id IS NULL OR {{may_trim_to_blank(r.unique_id)}} OR d.repeated_id IS NOT NULL) AS may_repeat
  FROM pin_raw AS r LEFT JOIN repeated AS d ON r.unique_id = d.repeated_id
),
typed AS {{not_materialized}} (
  SELECT
    TRY_CAST(r.index AS INT) AS ind,
    may_repeat,
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
  FROM flagged AS r
),
-- TRIM copies every value it is given, so each column is trimmed only when it may be blank or a
-- placeholder once trimmed: it starts with a space or a character outside ASCII (where every space
-- TRIM removes starts), or it holds a placeholder (each {{contains_placeholder.<column>}} is expanded
-- into INSTR tests of that column's placeholders, each {{may_trim_to_blank(<column>)}} into the test of
-- its first character).
cleaned AS {{not_materialized}} (
  SELECT
    ind,
    may_repeat,
    CASE WHEN {{may_trim_to_blank(unique_id)}} AND TRIM(unique_id) = '' THEN NULL ELSE unique_id END AS unique_id,
    CASE WHEN ({{may_trim_to_blank(title)}} OR {{contains_placeholder.title}}) AND TRIM(title) IN ('', {{placeholders.title}}) THEN NULL ELSE title END AS title,
    CASE WHEN ({{may_trim_to_blank(description)}} OR {{contains_placeholder.description}}) AND TRIM(description) IN ('', {{placeholders.description}}) THEN NULL ELSE description END AS description,
    CASE
      WHEN REGEXP_MATCHES(follower_text, '^[0-9]+$') THEN TRY_CAST(follower_text AS BIGINT)
      WHEN REGEXP_MATCHES(follower_text, '^[0-9]{1,3}(,[0-9]{3})+$') THEN TRY_CAST(REPLACE(follower_text, ',', '') AS BIGINT)
      WHEN REGEXP_MATCHES(follower_text, '^[0-9]+([.][0-9]+)? *[kK]$')
        THEN TRY_CAST(ROUND(TRY_CAST(REGEXP_EXTRACT(follower_text, '^([0-9]+([.][0-9]+)?)', 1) AS DOUBLE) * 1000) AS BIGINT)
      WHEN REGEXP_MATCHES(follower_text, '^[0-9]+([.][0-9]+)? *[mM]$')
        THEN TRY_CAST(ROUND(TRY_CAST(REGEXP_EXTRACT(follower_text, '^([0-9]+([.][0-9]+)?)', 1) AS DOUBLE) * 1000000) AS BIGINT)
    END AS follower_count,
    CASE WHEN ({{may_trim_to_blank(poster_name)}} OR {{contains_placeholder.poster_name}}) AND TRIM(poster_name) IN ('', {{placeholders.poster_name}}) THEN NULL ELSE poster_name END AS poster_name,
    CASE WHEN ({{may_trim_to_blank(tag_list)}} OR {{contains_placeholder.tag_list}}) AND TRIM(tag_list) IN ('', {{placeholders.tag_list}}) THEN NULL ELSE tag_list END AS tag_list,
    CASE WHEN {{may_trim_to_blank(is_image_or_video)}} AND TRIM(is_image_or_video) = '' THEN NULL ELSE is_image_or_video END AS is_image_or_video,
    CASE WHEN ({{may_trim_to_blank(image_src)}} OR {{contains_placeholder.image_src}}) AND TRIM(image_src) IN ('', {{placeholders.image_src}}) THEN NULL ELSE image_src END AS image_src,
    NULLIF(REGEXP_REPLACE(save_location, '^(?i)local save in *', ''), '') AS save_location,
    CASE WHEN {{may_trim_to_blank(category)}} AND TRIM(category) = '' THEN NULL ELSE category END AS category
  FROM typed
  WHERE ind IS NOT NULL
),
-- One window, over the rows that may repeat, does both: a row per unique_id, and, among rows
-- without one, a row per distinct set of values (their partition is the list of every value, NULLs
-- equal, as DISTINCT would group them). One list key rather than a key per column: the window sorts
-- two keys, not eleven.
ranked AS (
  SELECT
    ind, unique_id, title, description, follower_count, poster_name, tag_list, is_image_or_video, image_src, save_location, category,
    ROW_NUMBER() OVER (
      PARTITION BY
        unique_id,
        CASE WHEN unique_id IS NULL THEN LIST_VALUE(
          CAST(ind AS STRING), title, description, CAST(follower_count AS STRING),
          poster_name, tag_list, is_image_or_video, image_src, save_location, category
        ) END
      ORDER BY ind
    ) AS copy_number
  FROM cleaned
  WHERE may_repeat
)
SELECT ind, unique_id, title, description, follower_count, poster_name, tag_list, is_image_or_video, image_src, save_location, category
FROM cleaned
WHERE NOT may_repeat
UNION ALL
SELECT ind, unique_id, title, description, follower_count, poster_name, tag_list, is_image_or_video, image_src, save_location, category
FROM ranked
WHERE copy_number = 1
