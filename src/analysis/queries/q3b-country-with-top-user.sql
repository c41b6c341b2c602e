-- Q3b. The country whose top user (Q3a) has the most followers (ties kept: RANK() = 1).
WITH country_top AS (
  SELECT g.country, MAX(p.follower_count) AS follower_count
  FROM pin_clean AS p
  JOIN geo_clean AS g ON p.ind = g.ind
  WHERE g.country IS NOT NULL AND p.poster_name IS NOT NULL AND p.follower_count IS NOT NULL
  GROUP BY g.country
),
ranked AS (
  SELECT
    country, follower_count,
    RANK() OVER (ORDER BY follower_count DESC) AS country_rank
  FROM country_top
)
SELECT country, follower_count
FROM ranked
WHERE country_rank = 1
ORDER BY country
