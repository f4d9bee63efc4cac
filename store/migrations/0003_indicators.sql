-- Performance indicators (绩效指标) and their actual values, and the owners' notes for the mid-year review.

CREATE TABLE indicators (
  id                 INTEGER PRIMARY KEY,
  project_code       TEXT NOT NULL,
  seq                INTEGER NOT NULL,
  source_no          TEXT NOT NULL DEFAULT '',
  indicator_class    TEXT NOT NULL DEFAULT '',   -- 一级指标
  indicator_subclass TEXT NOT NULL DEFAULT '',   -- 二级指标
  name               TEXT NOT NULL,              -- 三级指标
  period_target_raw  TEXT NOT NULL DEFAULT '',   -- 实施周期指标值
  target_raw         TEXT NOT NULL,              -- 年度指标值, exactly as written
  file_id            INTEGER,
  line_no            INTEGER,
  UNIQUE (project_code, seq)
);

-- Actual values: from actuals files (file_id set) or the API (file_id NULL). A row is identified by its
-- content, so re-ingesting a file never counts a value twice.
CREATE TABLE indicator_actuals (
  id           INTEGER PRIMARY KEY,
  identity     TEXT NOT NULL UNIQUE,
  project_code TEXT NOT NULL,
  seq          INTEGER,                        -- or, when NULL, the indicator's name
  name         TEXT NOT NULL DEFAULT '',
  value_date   TEXT NOT NULL,                  -- YYYY-MM-DD
  value        TEXT NOT NULL,
  note         TEXT NOT NULL DEFAULT '',
  source       TEXT NOT NULL,                  -- file name, or "api:<token name>"
  file_id      INTEGER,
  created_at   TEXT NOT NULL
);
CREATE INDEX indicator_actuals_project ON indicator_actuals(project_code);

-- The owner's reason and corrective measures for a lagging project (mid-year review), per review window.
CREATE TABLE owner_notes (
  project_code TEXT NOT NULL,
  review       TEXT NOT NULL,                  -- e.g. "2021-midyear"
  reason       TEXT NOT NULL,
  measures     TEXT NOT NULL,
  written_by   TEXT NOT NULL,
  written_at   TEXT NOT NULL,
  PRIMARY KEY (project_code, review)
) WITHOUT ROWID;
