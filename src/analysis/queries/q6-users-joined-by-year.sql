-- Q6. How many users joined in each year from 2015 to 2020 (one user per user_clean row).
SELECT YEAR(date_joined) AS post_year, COUNT(*) AS number_users_joined
FROM user_clean
WHERE YEAR(date_joined) BETWEEN 2015 AND 2020
GROUP BY YEAR(date_joined)
ORDER BY post_year
