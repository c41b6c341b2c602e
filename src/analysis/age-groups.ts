/**
 * The age groups of PIPELINE_SPEC.md §6, defined once. The questions by age group (Q4, Q5, Q8)
 * read them through one shared CTE, `user_age_groups` (`{{user_age_groups}}` in their SQL, expanded
 * by `questionSql`, so DuckDB and Spark run the same text): each user of `user_clean` with its
 * `age_group` and the group's place in reading order (`age_group_order`). The charts order and
 * colour by the same list.
 */

/** An age group: its name and its bounds, inclusive; the last group has no upper bound. */
export interface AgeGroup {
  name: string;
  from: number;
  to?: number;
}

/** The age groups in reading order; an age in none of them (under 18) is in no group. */
export const AGE_GROUPS: readonly AgeGroup[] = [
  { name: '18-24', from: 18, to: 24 },
  { name: '25-35', from: 25, to: 35 },
  { name: '36-50', from: 36, to: 50 },
  { name: '+50', from: 51 },
];

/** The names of the age groups, in reading order. */
export const AGE_GROUP_NAMES: readonly string[] = AGE_GROUPS.map((group) => group.name);

/** The marker a question's SQL puts in its WITH clause for the shared CTE. */
export const USER_AGE_GROUPS_MARKER = '{{user_age_groups}}';

/** The shared CTE `user_age_groups`, in the SQL both DuckDB and Spark accept. */
export function userAgeGroupsCte(): string {
  const rows = AGE_GROUPS.map((g, i) => `('${g.name}', ${i + 1}, ${g.from}, ${g.to ?? 'NULL'})`).join(', ');
  return [
    'user_age_groups AS (',
    '  -- Each user with its age group (src/analysis/age-groups.ts, bounds inclusive) and the place',
    '  -- of the group in reading order; a user in no group is left out.',
    '  SELECT u.*, g.age_group, g.age_group_order',
    '  FROM user_clean AS u',
    `  JOIN (VALUES ${rows}) AS g(age_group, age_group_order, min_age, max_age)`,
    '    ON u.age >= g.min_age AND (u.age <= g.max_age OR g.max_age IS NULL)',
    ')',
  ].join('\n');
}
