-- Q8. The median follower count of users by the year they joined (2015 to 2020) and age group.
-- Median rule: PERCENTILE_DISC(0.5), the lower middle value for an even count (see Q5).
-- Age groups, bounds inclusive: 18-24, 25-35, 36-50, +50 (51 and over).
WITH followers AS (
  SELECT
    CASE
      WHEN u.age BETWEEN 18 AND 24 THEN '18-24'
      WHEN u.age BETWEEN 25 AND 35 THEN '25-35'
      WHEN u.age BETWEEN 36 AND 50 THEN '36-50'
      WHEN u.age > 50 THEN '+50'
    END AS age_group,
    YEAR(u.date_joined) AS post_year,
    p.follower_count
  FROM pin_clean AS p
  JOIN user_clean AS u ON p.ind = u.ind
  WHERE p.follower_count IS NOT NULL AND YEAR(u.date_joined) BETWEEN 2015 AND 2020
)
SELECT age_group, post_year,
       CAST(PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY follower_count) AS BIGINT) AS median_follower_count
FROM followers
WHERE age_group IS NOT NULL
GROUP BY age_group, post_year
ORDER BY CASE age_group WHEN '18-24' THEN 1 WHEN '25-35' THEN 2 WHEN '36-50' THEN 3 ELSE 4 END, post_year
