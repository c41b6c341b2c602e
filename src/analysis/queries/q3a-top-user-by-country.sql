-- Q3a. The user with the most followers in each country (ties kept: RANK() = 1).
-- A poster's follower count is the largest seen on their posts in that country; posts whose
-- follower count or poster is unknown (a placeholder, now null) are left out.
WITH poster_followers AS (
  SELECT g.country, p.poster_name, MAX(p.follower_count) AS follower_count
  FROM pin_clean AS p
  JOIN geo_clean AS g ON p.ind = g.ind
  WHERE g.country IS NOT NULL AND p.poster_name IS NOT NULL AND p.follower_count IS NOT NULL
  GROUP BY g.country, p.poster_name
),
ranked AS (
  SELECT
    country, poster_name, follower_count,
    RANK() OVER (PARTITION BY country ORDER BY follower_count DESC) AS follower_rank
  FROM poster_followers
)
SELECT country, poster_name, follower_count
FROM ranked
WHERE follower_rank = 1
ORDER BY country, poster_name
