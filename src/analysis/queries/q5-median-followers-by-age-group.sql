-- Q5. The median follower count of the users in each age group.
-- Median rule: PERCENTILE_DISC(0.5), an element of the data; for an even count the lower of the
-- two middle values (what Spark's percentile_approx(x, 0.5) returns). Unknown counts are left out.
-- Age groups, bounds inclusive: 18-24, 25-35, 36-50, +50 (51 and over).
WITH followers_by_age AS (
  SELECT
    CASE
      WHEN u.age BETWEEN 18 AND 24 THEN '18-24'
      WHEN u.age BETWEEN 25 AND 35 THEN '25-35'
      WHEN u.age BETWEEN 36 AND 50 THEN '36-50'
      WHEN u.age > 50 THEN '+50'
    END AS age_group,
    p.follower_count
  FROM pin_clean AS p
  JOIN user_clean AS u ON p.ind = u.ind
  WHERE p.follower_count IS NOT NULL
)
SELECT age_group,
       CAST(PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY follower_count) AS BIGINT) AS median_follower_count
FROM followers_by_age
WHERE age_group IS NOT NULL
GROUP BY age_group
ORDER BY CASE age_group WHEN '18-24' THEN 1 WHEN '25-35' THEN 2 WHEN '36-50' THEN 3 ELSE 4 END
