-- Q2. Posts per category in each year from 2018 to 2022, keeping the most popular category of
-- each year (ties kept: RANK() = 1). The year is the post's, from geo_clean.timestamp.
WITH category_counts AS (
  SELECT YEAR(g.timestamp) AS post_year, p.category, COUNT(*) AS category_count
  FROM pin_clean AS p
  JOIN geo_clean AS g ON p.ind = g.ind
  WHERE YEAR(g.timestamp) BETWEEN 2018 AND 2022 AND p.category IS NOT NULL
  GROUP BY YEAR(g.timestamp), p.category
),
ranked AS (
  SELECT
    post_year, category, category_count,
    RANK() OVER (PARTITION BY post_year ORDER BY category_count DESC) AS category_rank
  FROM category_counts
)
SELECT post_year, category, category_count
FROM ranked
WHERE category_rank = 1
ORDER BY post_year, category
