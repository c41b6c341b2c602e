-- Q5. The median follower count of the users in each age group.
-- Median rule: PERCENTILE_DISC(0.5), an element of the data; for an even count the lower of the
-- two middle values (what Spark's percentile_approx(x, 0.5) returns). Unknown counts are left out.
-- Age groups: the shared CTE user_age_groups (src/analysis/age-groups.ts).
WITH {{user_age_groups}}
SELECT
  u.age_group,
  CAST(PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY p.follower_count) AS BIGINT) AS median_follower_count
FROM pin_clean AS p
JOIN user_age_groups AS u ON p.ind = u.ind
WHERE p.follower_count IS NOT NULL
GROUP BY u.age_group, u.age_group_order
ORDER BY u.age_group_order
