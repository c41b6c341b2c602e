/**
 * The values the course's source data is known to carry (PIPELINE_SPEC.md §1): the placeholders
 * real rows hold instead of a value, in the columns where each occurs, and the 13 categories.
 *
 * One place for every stage: the cleaning SQL takes its placeholder lists from here
 * (`{{placeholders.<column>}}` in src/cleaning/clean-pin.sql, expanded by `cleaningSql`), the
 * generator writes these strings into its rows, the charts colour by these categories, and the
 * tests build their dirty rows from them.
 */

/** Each placeholder string, by what it means. */
export const PLACEHOLDERS = {
  storyDescription: 'No description available Story format',
  noDescription: 'No description available',
  /** A description in the real rows (e.g. of a post titled "Hairstyles & Beauty"), not a title. */
  untitled: 'Untitled',
  noTitle: 'No Title Data Available',
  userInfoError: 'User Info Error',
  imageSrcError: 'Image src error.',
  noTags: 'N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e',
} as const;

export type Placeholder = (typeof PLACEHOLDERS)[keyof typeof PLACEHOLDERS];

/**
 * The pin columns that carry placeholders, and which ones each carries. A placeholder is "no value"
 * only in its own columns: "Untitled" as a title is a title. Empty strings are "no value" in every
 * text column besides these.
 */
export const COLUMN_PLACEHOLDERS = {
  title: [PLACEHOLDERS.noTitle],
  description: [PLACEHOLDERS.storyDescription, PLACEHOLDERS.noDescription, PLACEHOLDERS.untitled],
  poster_name: [PLACEHOLDERS.userInfoError],
  follower_count: [PLACEHOLDERS.userInfoError],
  tag_list: [PLACEHOLDERS.noTags],
  image_src: [PLACEHOLDERS.imageSrcError],
} as const satisfies Record<string, readonly Placeholder[]>;

/** The 13 categories of the course data. */
export const CATEGORIES = [
  'art',
  'beauty',
  'christmas',
  'diy-and-crafts',
  'education',
  'event-planning',
  'finance',
  'home-decor',
  'mens-fashion',
  'quotes',
  'tattoos',
  'travel',
  'vehicles',
] as const;
export type Category = (typeof CATEGORIES)[number];
