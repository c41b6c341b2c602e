/**
 * The nine analysis questions of PIPELINE_SPEC.md §6. The SQL of each is written once, in
 * `queries/<id>-<slug>.sql`, in the subset of SQL that both DuckDB and Spark SQL (Databricks)
 * accept, over the tables `pin_clean`, `geo_clean` and `user_clean` (see `SQL_TABLES`). A
 * Databricks notebook reads the same files (or `questionSql`) after registering its cleaned
 * DataFrames as temporary views of those names.
 *
 * The shared subset: CTEs, joins, GROUP BY, `RANK() OVER (...)` for "most popular" with ties
 * kept, `YEAR(ts)`, `CASE`, `CAST(... AS BIGINT)`, and the median as
 * `PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY x)` (DuckDB; Spark 3.4+ / Databricks Runtime
 * 11.3+). No QUALIFY, no `::` casts, no quoted identifiers (DuckDB quotes with "", Spark with ``),
 * no semicolons (Spark's `spark.sql` takes one statement without one). The age groups are one
 * shared CTE (age-groups.ts), put in place of `{{user_age_groups}}` by `questionSql`.
 *
 * Median rule: PERCENTILE_DISC(0.5) returns an element of the data, the smallest value whose
 * cumulative share reaches 0.5: the middle value of an odd count and the LOWER of the two middle
 * values of an even count (median of 10, 20, 30, 40 is 20), which is also what the course's
 * `percentile_approx(x, 0.5)` returns.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Dtype } from '../frames';
import { AGE_GROUP_NAMES, USER_AGE_GROUPS_MARKER, userAgeGroupsCte } from './age-groups';

export interface Question {
  /** `q1` .. `q8`, with `q3a`/`q3b`. */
  id: string;
  /** kebab-case name: file names of the SQL and the answer CSV. */
  slug: string;
  /** Short title for the report. */
  title: string;
  /** The question as a reader asks it. */
  question: string;
  /** Output columns, in order (PIPELINE_SPEC.md §6). */
  columns: string[];
  /** danfojs dtype of each output column. */
  dtypes: Dtype[];
}

export const QUESTIONS: Question[] = [
  {
    id: 'q1',
    slug: 'popular-category-by-country',
    title: 'Most popular category in each country',
    question: 'Which category has the most posts in each country?',
    columns: ['country', 'category', 'category_count'],
    dtypes: ['string', 'string', 'int32'],
  },
  {
    id: 'q2',
    slug: 'popular-category-by-year',
    title: 'Most popular category each year, 2018-2022',
    question: 'How many posts did each category have between 2018 and 2022, and which category led each year?',
    columns: ['post_year', 'category', 'category_count'],
    dtypes: ['int32', 'string', 'int32'],
  },
  {
    id: 'q3a',
    slug: 'top-user-by-country',
    title: 'User with the most followers in each country',
    question: 'In each country, which user has the most followers?',
    columns: ['country', 'poster_name', 'follower_count'],
    dtypes: ['string', 'string', 'int32'],
  },
  {
    id: 'q3b',
    slug: 'country-with-top-user',
    title: 'Country whose top user has the most followers',
    question: 'Which country has the user with the most followers?',
    columns: ['country', 'follower_count'],
    dtypes: ['string', 'int32'],
  },
  {
    id: 'q4',
    slug: 'popular-category-by-age-group',
    title: 'Most popular category in each age group',
    question: `Which category is the most popular among users of each age group (${AGE_GROUP_NAMES.join(', ')})?`,
    columns: ['age_group', 'category', 'category_count'],
    dtypes: ['string', 'string', 'int32'],
  },
  {
    id: 'q5',
    slug: 'median-followers-by-age-group',
    title: 'Median follower count by age group',
    question: 'What is the median follower count of users in each age group?',
    columns: ['age_group', 'median_follower_count'],
    dtypes: ['string', 'int32'],
  },
  {
    id: 'q6',
    slug: 'users-joined-by-year',
    title: 'Users who joined each year, 2015-2020',
    question: 'How many users joined in each year between 2015 and 2020?',
    columns: ['post_year', 'number_users_joined'],
    dtypes: ['int32', 'int32'],
  },
  {
    id: 'q7',
    slug: 'median-followers-by-join-year',
    title: 'Median follower count by joining year, 2015-2020',
    question: 'What is the median follower count of users who joined in each year between 2015 and 2020?',
    columns: ['post_year', 'median_follower_count'],
    dtypes: ['int32', 'int32'],
  },
  {
    id: 'q8',
    slug: 'median-followers-by-join-year-and-age-group',
    title: 'Median follower count by joining year and age group',
    question: 'What is the median follower count of users by the year they joined (2015-2020) and their age group?',
    columns: ['age_group', 'post_year', 'median_follower_count'],
    dtypes: ['string', 'int32', 'int32'],
  },
];

/** The folder of the SQL files. */
export const QUERIES_DIR = path.join(__dirname, 'queries');

/** `<id>-<slug>`: the base name of a question's SQL and answer files. */
export function questionName(question: Question): string {
  return `${question.id}-${question.slug}`;
}

/** The question with this id (`q1`, `q3a`, ...). */
export function findQuestion(id: string): Question {
  const question = QUESTIONS.find((q) => q.id === id);
  if (!question) throw new Error(`no question ${id}; known: ${QUESTIONS.map((q) => q.id).join(', ')}`);
  return question;
}

/** A question's SQL text as stored in `queries/`, with the shared CTE of the age groups in place of its marker. */
export function questionSql(question: Question): string {
  return readFileSync(path.join(QUERIES_DIR, `${questionName(question)}.sql`), 'utf8').replaceAll(
    USER_AGE_GROUPS_MARKER,
    userAgeGroupsCte(),
  );
}
