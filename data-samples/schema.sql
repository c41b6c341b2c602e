-- The course's three source tables (PIPELINE_SPEC.md §1). One post is three rows sharing an id:
-- `index` in pinterest_data, `ind` in geolocation_data and user_data.
-- Applied by `npm run db:seed` (src/source/seed-database.ts) inside the chosen database.

CREATE TABLE IF NOT EXISTS pinterest_data (
  `index` INT NOT NULL,
  unique_id VARCHAR(36) NOT NULL,
  title VARCHAR(512) NOT NULL,
  description TEXT NOT NULL,
  poster_name VARCHAR(255) NOT NULL,
  follower_count VARCHAR(32) NOT NULL,
  tag_list TEXT NOT NULL,
  is_image_or_video VARCHAR(64) NOT NULL,
  image_src VARCHAR(512) NOT NULL,
  downloaded INT NOT NULL,
  save_location VARCHAR(255) NOT NULL,
  category VARCHAR(64) NOT NULL,
  PRIMARY KEY (`index`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS geolocation_data (
  ind INT NOT NULL,
  `timestamp` DATETIME NOT NULL,
  latitude DOUBLE NOT NULL,
  longitude DOUBLE NOT NULL,
  country VARCHAR(128) NOT NULL,
  PRIMARY KEY (ind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS user_data (
  ind INT NOT NULL,
  first_name VARCHAR(128) NOT NULL,
  last_name VARCHAR(128) NOT NULL,
  age INT NOT NULL,
  date_joined DATETIME NOT NULL,
  PRIMARY KEY (ind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
