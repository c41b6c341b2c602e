-- Q8. The median follower count of users by the year they joined (2015 to 2020) and age group.
-- Median rule: PERCENTILE_DISC(0.5), the lower middle value for an even count (see Q5).
-- Age groups: the shared CTE user_age_groups (src/analysis/age-groups.ts).
WITH {{user_age_groups}}
SELECT
  u.age_group, YEAR(u.date_joined) AS post_year,
  CAST(PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY p.follower_count) AS BIGINT) AS median_follower_count
FROM pin_clean AS p
JOIN user_age_groups AS u ON p.ind = u.ind
WHERE p.follower_count IS NOT NULL AND YEAR(u.date_joined) BETWEEN 2015 AND 2020
GROUP BY u.age_group, u.age_group_order, YEAR(u.date_joined)
ORDER BY u.age_group_order, post_year
