/**
 * A plotly figure for each answer of the analysis (PIPELINE_SPEC.md §6), as plain JSON
 * (`{ data, layout }`) that `Plotly.newPlot` draws in the report and in notebooks. Each chart is
 * chosen for its question and titled and labelled for a reader who has not seen the SQL.
 */
import { AGE_GROUP_NAMES } from '../analysis/age-groups';
import { CATEGORIES } from '../contract/known-values';

type Json = Record<string, unknown>;

/** A plotly figure: traces and layout, JSON only. */
export interface Figure {
  data: Json[];
  layout: Json;
}

/** The part of an answer a chart needs. */
export interface ChartInput {
  question: { id: string; title: string };
  rows: Record<string, unknown>[];
}

export interface ChartOptions {
  /**
   * Draw Q1 as a world map (a choropleth with `locationmode: 'country names'`). Needs plotly's
   * world topojson in the page (see world-map.ts); without it Q1 is a bar chart.
   */
  worldMap?: boolean;
}

/** Thirteen distinct colours, none of them grey (grey is a tie on the map): one per category of PIPELINE_SPEC.md §1. */
const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#00a087',
  '#bcbd22',
  '#17becf',
  '#393b79',
  '#e6ab02',
  '#637939',
];

/** One colour per category, the same in every chart. */
export function categoryColour(category: string): string {
  const i = (CATEGORIES as readonly string[]).indexOf(category);
  return i < 0 ? '#444444' : PALETTE[i % PALETTE.length];
}

/** One colour per age group, in the order of `AGE_GROUP_NAMES`. */
const AGE_GROUP_PALETTE = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a'];

/** The colour of an age group, the same in every chart. */
function ageGroupColour(group: string): string | undefined {
  return AGE_GROUP_PALETTE[AGE_GROUP_NAMES.indexOf(group)];
}

const FONT = { family: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', size: 13 };

function baseLayout(title: string, extra: Json = {}): Json {
  return {
    title: { text: title, x: 0.02, xanchor: 'left' },
    font: FONT,
    margin: { l: 70, r: 30, t: 60, b: 60 },
    height: 420,
    plot_bgcolor: '#ffffff',
    paper_bgcolor: '#ffffff',
    ...extra,
  };
}

function axis(title: string, extra: Json = {}): Json {
  return { title: { text: title }, gridcolor: '#e5e5e5', zeroline: false, automargin: true, ...extra };
}

const FOLLOWERS_AXIS = { tickformat: ',~s', hoverformat: ',d' };

function column<T = unknown>(rows: Record<string, unknown>[], name: string): T[] {
  return rows.map((row) => row[name] as T);
}

/** Rows grouped by `key`, keeping first-seen order. */
function groupBy(rows: Record<string, unknown>[], key: string): Map<string, Record<string, unknown>[]> {
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const row of rows) {
    const k = String(row[key]);
    if (!groups.has(k)) groups.set(k, []);
    (groups.get(k) as Record<string, unknown>[]).push(row);
  }
  return groups;
}

/** The colour of a country whose most popular categories are tied. */
export const TIE_COLOUR = '#c7c7c7';

/**
 * Q1 on a world map: each country coloured by its most popular category, one legend entry per
 * category; a country where several categories tie is drawn once, in the tie colour, with every
 * tied category in its hover (a map can colour a country only once).
 */
function popularCategoryMap(input: ChartInput): Figure {
  const byCountry = groupBy(input.rows, 'country');
  const single = new Map<string, { country: string; count: unknown }[]>();
  const tied: { country: string; categories: string[]; count: unknown }[] = [];
  for (const [country, rows] of byCountry) {
    const categories = column<string>(rows, 'category').sort();
    if (categories.length === 1) {
      const list = single.get(categories[0]) ?? [];
      list.push({ country, count: rows[0].category_count });
      single.set(categories[0], list);
    } else {
      tied.push({ country, categories, count: rows[0].category_count });
    }
  }
  const trace = (name: string, colour: string, countries: string[], hover: string[]): Json => ({
    type: 'choropleth',
    name,
    locationmode: 'country names',
    locations: countries,
    z: countries.map(() => 1),
    text: hover,
    colorscale: [
      [0, colour],
      [1, colour],
    ],
    showscale: false,
    showlegend: true,
    marker: { line: { color: '#ffffff', width: 0.5 } },
    hovertemplate: '%{location}<br>%{text}<extra></extra>',
  });
  const posts = (n: unknown) => Number(n).toLocaleString('en-US');
  const data = [...single.keys()].sort().map((category) => {
    const rows = single.get(category) ?? [];
    return trace(
      category,
      categoryColour(category),
      rows.map((r) => r.country),
      rows.map((r) => `most popular: ${category}<br>posts: ${posts(r.count)}`),
    );
  });
  if (tied.length) {
    data.push(
      trace(
        `tie (${tied.length} ${tied.length === 1 ? 'country' : 'countries'})`,
        TIE_COLOUR,
        tied.map((t) => t.country),
        tied.map((t) => `tied, ${posts(t.count)} posts each:<br>${wrapList(t.categories, 3)}`),
      ),
    );
  }
  return {
    data,
    layout: baseLayout('Most popular category in each country (grey: a tie)', {
      height: 520,
      geo: {
        projection: { type: 'natural earth', rotation: { lon: 0 } },
        center: { lon: 0, lat: 0 },
        lonaxis: { range: [-180, 180] },
        lataxis: { range: [-90, 90] },
        showframe: false,
        showcoastlines: true,
        coastlinecolor: '#999999',
        showcountries: true,
        countrycolor: '#dddddd',
      },
      legend: { title: { text: 'Most popular category' } },
    }),
  };
}

/** Q1 without a map: for each category, the number of countries where it is the most popular. */
function popularCategoryBars(input: ChartInput): Figure {
  const byCategory = groupBy(input.rows, 'category');
  const categories = [...byCategory.keys()].sort(
    (a, b) => (byCategory.get(b)?.length ?? 0) - (byCategory.get(a)?.length ?? 0) || a.localeCompare(b),
  );
  return {
    data: [
      {
        type: 'bar',
        x: categories,
        y: categories.map((c) => byCategory.get(c)?.length ?? 0),
        marker: { color: categories.map(categoryColour) },
        hovertext: categories.map((c) => wrapList(column<string>(byCategory.get(c) ?? [], 'country'))),
        hovertemplate: '<b>%{x}</b> leads in %{y:,d} countries:<br>%{hovertext}<extra></extra>',
      },
    ],
    layout: baseLayout('In how many countries each category is the most popular (a tie counts for each)', {
      xaxis: axis('Category'),
      yaxis: axis('Countries where it leads'),
    }),
  };
}

/** Names joined by commas, a line break every few names, for hover text. */
function wrapList(names: string[], perLine = 5): string {
  const lines: string[] = [];
  for (let i = 0; i < names.length; i += perLine) lines.push(names.slice(i, i + perLine).join(', '));
  return lines.join('<br>');
}

/**
 * One bar per (group, leading category) row on a two-level axis: the group (a year, an age group)
 * with the category under it, so tied categories stand side by side.
 */
function leadingCategoryBars(rows: Record<string, unknown>[], groupColumn: string, groups: string[]): Json {
  const sorted = [...rows].sort(
    (a, b) =>
      groups.indexOf(String(a[groupColumn])) - groups.indexOf(String(b[groupColumn])) ||
      String(a.category).localeCompare(String(b.category)),
  );
  return {
    type: 'bar',
    x: [sorted.map((row) => String(row[groupColumn])), column<string>(sorted, 'category')],
    y: column(sorted, 'category_count'),
    marker: { color: column<string>(sorted, 'category').map(categoryColour) },
    text: column<number>(sorted, 'category_count').map((n) => Number(n).toLocaleString('en-US')),
    textposition: 'outside',
    hovertemplate: '%{x}: %{y:,d} posts<extra></extra>',
  };
}

/** Q2: the leading category of each year and its number of posts. */
function popularCategoryByYear(input: ChartInput): Figure {
  const years = sortedYears(input.rows, 'post_year');
  return {
    data: [leadingCategoryBars(input.rows, 'post_year', years)],
    layout: baseLayout('Most popular category each year, 2018-2022', {
      xaxis: axis('Year posted, and its most popular category', { type: 'multicategory' }),
      yaxis: axis('Posts in that category that year'),
    }),
  };
}

/** The distinct years in a column, ascending, as text (for category axes). */
function sortedYears(rows: Record<string, unknown>[], name: string): string[] {
  return [...new Set(column<number>(rows, name))].sort((a, b) => a - b).map(String);
}

/** A category axis listing `values` in that order. */
function orderedAxis(title: string, values: string[], extra: Json = {}): Json {
  return axis(title, { type: 'category', categoryorder: 'array', categoryarray: values, ...extra });
}

/** How many countries Q3a's chart shows: the rest are in the table and the CSV. */
export const TOP_COUNTRIES = 25;

/** Q3a: horizontal bars of the countries whose top users have the most followers. */
function topUserByCountry(input: ChartInput): Figure {
  const rows = [...input.rows].sort(
    (a, b) => Number(b.follower_count) - Number(a.follower_count) || String(a.country).localeCompare(String(b.country)),
  );
  const shown = rows.slice(0, TOP_COUNTRIES).reverse();
  const countries = new Set(column(input.rows, 'country')).size;
  return {
    data: [
      {
        type: 'bar',
        orientation: 'h',
        y: shown.map((row) => `${row.country}: ${row.poster_name}`),
        x: column(shown, 'follower_count'),
        marker: { color: '#1f77b4' },
        hovertemplate: '%{y}<br>%{x:,d} followers<extra></extra>',
      },
    ],
    layout: baseLayout(
      `User with the most followers in each country (top ${Math.min(TOP_COUNTRIES, rows.length)} of ${countries} countries)`,
      {
        height: Math.max(320, 24 * shown.length + 120),
        margin: { l: 260, r: 30, t: 60, b: 60 },
        xaxis: axis('Followers', FOLLOWERS_AXIS),
        yaxis: axis('', { automargin: true }),
      },
    ),
  };
}

/** Q3b: the winning country (or tied countries) and its top user's followers. */
function countryWithTopUser(input: ChartInput): Figure {
  return {
    data: [
      {
        type: 'bar',
        x: column(input.rows, 'country'),
        y: column(input.rows, 'follower_count'),
        width: 0.4,
        marker: { color: '#2ca02c' },
        text: column<number>(input.rows, 'follower_count').map((n) => n.toLocaleString('en-US')),
        textposition: 'inside',
        textangle: 0,
        hovertemplate: '%{x}: %{y:,d} followers<extra></extra>',
      },
    ],
    layout: baseLayout('Country whose top user has the most followers', {
      xaxis: axis('Country'),
      yaxis: axis('Followers of its top user', FOLLOWERS_AXIS),
    }),
  };
}

/** Age groups present in `rows`, in reading order. */
function ageGroups(rows: Record<string, unknown>[]): string[] {
  const present = new Set(column<string>(rows, 'age_group'));
  return AGE_GROUP_NAMES.filter((g) => present.has(g));
}

/** Q4: the leading category of each age group and its number of posts. */
function popularCategoryByAgeGroup(input: ChartInput): Figure {
  return {
    data: [leadingCategoryBars(input.rows, 'age_group', ageGroups(input.rows))],
    layout: baseLayout('Most popular category in each age group', {
      xaxis: axis('Age group (years), and its most popular category', { type: 'multicategory' }),
      yaxis: axis('Posts in that category by the age group'),
    }),
  };
}

/** Q5: median follower count per age group. */
function medianByAgeGroup(input: ChartInput): Figure {
  const order = ageGroups(input.rows);
  return {
    data: [
      {
        type: 'bar',
        x: column(input.rows, 'age_group'),
        y: column(input.rows, 'median_follower_count'),
        marker: { color: order.map(ageGroupColour) },
        hovertemplate: '%{x}: median %{y:,d} followers<extra></extra>',
      },
    ],
    layout: baseLayout('Median follower count by age group', {
      xaxis: orderedAxis('Age group (years)', order),
      yaxis: axis('Median follower count', FOLLOWERS_AXIS),
    }),
  };
}

/** Q6: users who joined each year. */
function usersJoinedByYear(input: ChartInput): Figure {
  return {
    data: [
      {
        type: 'bar',
        x: column(input.rows, 'post_year').map(String),
        y: column(input.rows, 'number_users_joined'),
        marker: { color: '#9467bd' },
        hovertemplate: '%{x}: %{y:,d} users joined<extra></extra>',
      },
    ],
    layout: baseLayout('Users who joined each year, 2015-2020', {
      xaxis: orderedAxis('Year joined', sortedYears(input.rows, 'post_year')),
      yaxis: axis('Users who joined', { tickformat: ',d' }),
    }),
  };
}

/** Q7: median follower count by joining year, as a line. */
function medianByJoinYear(input: ChartInput): Figure {
  return {
    data: [
      {
        type: 'scatter',
        mode: 'lines+markers',
        x: column(input.rows, 'post_year').map(String),
        y: column(input.rows, 'median_follower_count'),
        line: { color: '#d62728' },
        hovertemplate: 'joined %{x}: median %{y:,d} followers<extra></extra>',
      },
    ],
    layout: baseLayout('Median follower count by the year users joined, 2015-2020', {
      xaxis: orderedAxis('Year joined', sortedYears(input.rows, 'post_year')),
      yaxis: axis('Median follower count', { ...FOLLOWERS_AXIS, rangemode: 'tozero' }),
    }),
  };
}

/** Q8: one line per age group over the joining years. */
function medianByJoinYearAndAgeGroup(input: ChartInput): Figure {
  const years = sortedYears(input.rows, 'post_year');
  const data = ageGroups(input.rows).map((group) => {
    const rows = input.rows.filter((row) => row.age_group === group);
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name: group,
      x: column(rows, 'post_year').map(String),
      y: column(rows, 'median_follower_count'),
      line: { color: ageGroupColour(group) },
      hovertemplate: `${group}, joined %{x}: median %{y:,d}<extra></extra>`,
    };
  });
  return {
    data,
    layout: baseLayout('Median follower count by year joined and age group, 2015-2020', {
      xaxis: orderedAxis('Year joined', years),
      yaxis: axis('Median follower count', { ...FOLLOWERS_AXIS, rangemode: 'tozero' }),
      legend: { title: { text: 'Age group' } },
    }),
  };
}

const CHARTS: Record<string, (input: ChartInput, options: ChartOptions) => Figure> = {
  q1: (input, options) => (options.worldMap ? popularCategoryMap(input) : popularCategoryBars(input)),
  q2: popularCategoryByYear,
  q3a: topUserByCountry,
  q3b: countryWithTopUser,
  q4: popularCategoryByAgeGroup,
  q5: medianByAgeGroup,
  q6: usersJoinedByYear,
  q7: medianByJoinYear,
  q8: medianByJoinYearAndAgeGroup,
};

/** The chart of one answer. An empty answer gets an empty chart that says so. */
export function chartFor(input: ChartInput, options: ChartOptions = {}): Figure {
  const make = CHARTS[input.question.id];
  if (!make) throw new Error(`no chart for question ${input.question.id}`);
  if (input.rows.length === 0) {
    return {
      data: [],
      layout: baseLayout(input.question.title, {
        xaxis: { visible: false },
        yaxis: { visible: false },
        annotations: [
          {
            text: 'No data for this question',
            showarrow: false,
            font: { size: 16 },
            xref: 'paper',
            yref: 'paper',
            x: 0.5,
            y: 0.5,
          },
        ],
      }),
    };
  }
  return make(input, options);
}
