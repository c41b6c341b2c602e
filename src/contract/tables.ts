/**
 * The three source tables of PIPELINE_SPEC.md §1, as rows are read from MySQL and posted by the
 * emulation. Datetimes travel as "YYYY-MM-DD HH:MM:SS" strings, as the course serialised them.
 */
export const TABLES = ['pin', 'geo', 'user'] as const;
export type TableKey = (typeof TABLES)[number];

/** MySQL table name for each dataset. */
export const TABLE_NAMES: Record<TableKey, string> = {
  pin: 'pinterest_data',
  geo: 'geolocation_data',
  user: 'user_data',
};

export interface PinRow {
  index: number;
  unique_id: string;
  title: string;
  description: string;
  poster_name: string;
  follower_count: string;
  tag_list: string;
  is_image_or_video: string;
  image_src: string;
  downloaded: number;
  save_location: string;
  category: string;
}

export interface GeoRow {
  ind: number;
  timestamp: string;
  latitude: number;
  longitude: number;
  country: string;
}

export interface UserRow {
  ind: number;
  first_name: string;
  last_name: string;
  age: number;
  date_joined: string;
}

export interface RowByTable {
  pin: PinRow;
  geo: GeoRow;
  user: UserRow;
}

/** One post: the three rows that share an id. */
export interface Post {
  pin: PinRow;
  geo: GeoRow;
  user: UserRow;
}

export const COLUMNS: { [K in TableKey]: (keyof RowByTable[K])[] } = {
  pin: [
    'index',
    'unique_id',
    'title',
    'description',
    'poster_name',
    'follower_count',
    'tag_list',
    'is_image_or_video',
    'image_src',
    'downloaded',
    'save_location',
    'category',
  ],
  geo: ['ind', 'timestamp', 'latitude', 'longitude', 'country'],
  user: ['ind', 'first_name', 'last_name', 'age', 'date_joined'],
};

/** "YYYY-MM-DD HH:MM:SS" in UTC, the course's datetime format. */
export function formatDateTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
