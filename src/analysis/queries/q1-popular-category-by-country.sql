-- Q1. The most popular category in each country.
-- Posts (pin_clean) joined with their location (geo_clean) on ind; every category that ties for
-- the highest count in a country is kept (RANK() = 1). Posts without a country are left out.
WITH category_counts AS (
  SELECT g.country, p.category, COUNT(*) AS category_count
  FROM pin_clean AS p
  JOIN geo_clean AS g ON p.ind = g.ind
  WHERE g.country IS NOT NULL AND p.category IS NOT NULL
  GROUP BY g.country, p.category
),
ranked AS (
  SELECT
    country, category, category_count,
    RANK() OVER (PARTITION BY country ORDER BY category_count DESC) AS category_rank
  FROM category_counts
)
SELECT country, category, category_count
FROM ranked
WHERE category_rank = 1
ORDER BY country, category
