-- Q4. The most popular category in each age group (ties kept: RANK() = 1).
-- Age groups: the shared CTE user_age_groups (src/analysis/age-groups.ts); users in no group are left out.
WITH {{user_age_groups}},
category_counts AS (
  SELECT u.age_group, u.age_group_order, p.category, COUNT(*) AS category_count
  FROM pin_clean AS p
  JOIN user_age_groups AS u ON p.ind = u.ind
  WHERE p.category IS NOT NULL
  GROUP BY u.age_group, u.age_group_order, p.category
),
ranked AS (
  SELECT
    age_group, age_group_order, category, category_count,
    RANK() OVER (PARTITION BY age_group ORDER BY category_count DESC) AS category_rank
  FROM category_counts
)
SELECT age_group, category, category_count
FROM ranked
WHERE category_rank = 1
ORDER BY age_group_order, category
