-- Q4. The most popular category in each age group (ties kept: RANK() = 1).
-- Age groups, bounds inclusive: 18-24, 25-35, 36-50, +50 (51 and over); other ages are left out.
WITH categories_by_age AS (
  SELECT
    CASE
      WHEN u.age BETWEEN 18 AND 24 THEN '18-24'
      WHEN u.age BETWEEN 25 AND 35 THEN '25-35'
      WHEN u.age BETWEEN 36 AND 50 THEN '36-50'
      WHEN u.age > 50 THEN '+50'
    END AS age_group,
    p.category
  FROM pin_clean AS p
  JOIN user_clean AS u ON p.ind = u.ind
  WHERE p.category IS NOT NULL
),
category_counts AS (
  SELECT age_group, category, COUNT(*) AS category_count
  FROM categories_by_age
  WHERE age_group IS NOT NULL
  GROUP BY age_group, category
),
ranked AS (
  SELECT age_group, category, category_count,
         RANK() OVER (PARTITION BY age_group ORDER BY category_count DESC) AS category_rank
  FROM category_counts
)
SELECT age_group, category, category_count
FROM ranked
WHERE category_rank = 1
ORDER BY CASE age_group WHEN '18-24' THEN 1 WHEN '25-35' THEN 2 WHEN '36-50' THEN 3 ELSE 4 END, category
