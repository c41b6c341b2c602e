-- Q7. The median follower count of users by the year they joined, 2015 to 2020.
-- Median rule: PERCENTILE_DISC(0.5), the lower middle value for an even count (see Q5).
WITH followers_by_year AS (
  SELECT YEAR(u.date_joined) AS post_year, p.follower_count
  FROM pin_clean AS p
  JOIN user_clean AS u ON p.ind = u.ind
  WHERE p.follower_count IS NOT NULL AND YEAR(u.date_joined) BETWEEN 2015 AND 2020
)
SELECT
  post_year,
  CAST(PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY follower_count) AS BIGINT) AS median_follower_count
FROM followers_by_year
GROUP BY post_year
ORDER BY post_year
