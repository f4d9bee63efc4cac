-- 0007 for PostgreSQL: 0007_indicator_years.sql, and the identity counter moved past the copied rows.
-- 0007: performance indicators (绩效指标) per fiscal year (issue 14). A budget line is (fiscal year, code), and
-- so are its indicators: a 2022 target form for a code that 2021 also used is 2022's, beside 2021's, never
-- over it. An indicator is unique by (fiscal year, project code, seq). Actual values need no column: a value
-- belongs to the fiscal year of its date (store/indicators_repo.cpp), as payments do.
--
-- Each existing indicator moves into the fiscal year of its line: the line of its code whose register was
-- ingested last before (or with) the indicator's file, else the latest fiscal year holding its code (the
-- register came later), else the year its file was ingested.

CREATE TABLE indicators_by_year (
  id                 INTEGER PRIMARY KEY,
  fiscal_year        INTEGER NOT NULL,              -- of the budget line (预算年度)
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
  UNIQUE (fiscal_year, project_code, seq)
);
INSERT INTO indicators_by_year (id, fiscal_year, project_code, seq, source_no, indicator_class, indicator_subclass,
                                name, period_target_raw, target_raw, file_id, line_no)
  SELECT i.id,
         coalesce((SELECT b.fiscal_year FROM budget_lines b
                    WHERE b.code = i.project_code AND b.file_id <= coalesce(i.file_id, 0)
                    ORDER BY b.file_id DESC, b.fiscal_year DESC LIMIT 1),
                  (SELECT max(b.fiscal_year) FROM budget_lines b WHERE b.code = i.project_code),
                  (SELECT CAST(substr(f.ingested_at, 1, 4) AS INTEGER) FROM files f WHERE f.id = i.file_id),
                  (SELECT max(b.fiscal_year) FROM budget_lines b),
                  1970),
         i.project_code, i.seq, i.source_no, i.indicator_class, i.indicator_subclass, i.name, i.period_target_raw,
         i.target_raw, i.file_id, i.line_no
  FROM indicators i ORDER BY i.id;
DROP TABLE indicators;
ALTER TABLE indicators_by_year RENAME TO indicators;

-- The copied rows kept their id: the next ones are numbered after them.
SELECT setval(pg_get_serial_sequence('indicators', 'id'), coalesce(max(id), 0) + 1, false) FROM indicators;
