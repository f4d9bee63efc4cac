-- 0005: fiscal years and departments (issue 14). A budget line is identified by (fiscal year, code): recurring
-- basic lines and cross-year projects keep their codes from year to year, and one year's register never
-- changes another year's lines. Adjustments and payments belong to the fiscal year of their own date (they
-- are selected by date when a year is evaluated, store/inputs.cpp), so they need no column. Each line-year
-- records its department (部门, 一级预算单位) when the register names it, and its 指标来源 as written.
--
-- Databases made before this migration hold one fiscal year's register (README: "A database holds one fiscal
-- year's register"): each line moves into the fiscal year of its dates — its deadline (完成时限), else its
-- earliest adjustment, else its latest month with payments, else the year its register was ingested. Fiscal
-- years are taken as calendar years here (the Chinese fiscal year; `fiscal_year.start_month` other than 1 is
-- not known to the schema).

CREATE TABLE budget_lines_by_year (
  fiscal_year     INTEGER NOT NULL,       -- the calendar year the fiscal year starts in (预算年度)
  code            TEXT    NOT NULL,
  name            TEXT    NOT NULL,
  unit_code       TEXT    NOT NULL,
  unit_name       TEXT    NOT NULL,
  kind            TEXT    NOT NULL CHECK (kind IN ('basic', 'project')),
  initial_fen     INTEGER NOT NULL,
  deadline        TEXT,                   -- NULL: the fiscal year's last day
  owner           TEXT    NOT NULL DEFAULT '',
  owner_email     TEXT    NOT NULL DEFAULT '',
  tags            TEXT    NOT NULL DEFAULT '',
  file_id         INTEGER NOT NULL REFERENCES files (id),
  line_no         INTEGER NOT NULL,
  department_code TEXT    NOT NULL DEFAULT '',  -- 部门编码 from the register; '' when it has none
  department_name TEXT    NOT NULL DEFAULT '',  -- 部门名称
  source          TEXT    NOT NULL DEFAULT '',  -- 指标来源 as written (年初, 年中新增, 上年结转); '' when absent
  PRIMARY KEY (fiscal_year, code)
);
-- rowid kept: it is the register order.
INSERT INTO budget_lines_by_year (rowid, fiscal_year, code, name, unit_code, unit_name, kind, initial_fen, deadline,
                                  owner, owner_email, tags, file_id, line_no)
  SELECT b.rowid,
         coalesce(CAST(substr(b.deadline, 1, 4) AS INTEGER),
                  (SELECT CAST(substr(min(a.adj_date), 1, 4) AS INTEGER) FROM adjustments a
                    WHERE a.project_code = b.code),
                  (SELECT CAST(substr(max(p.month), 1, 4) AS INTEGER) FROM paid_monthly p
                    WHERE p.project_code = b.code),
                  (SELECT CAST(substr(f.ingested_at, 1, 4) AS INTEGER) FROM files f WHERE f.id = b.file_id)),
         b.code, b.name, b.unit_code, b.unit_name, b.kind, b.initial_fen, b.deadline, b.owner, b.owner_email,
         b.tags, b.file_id, b.line_no
  FROM budget_lines b ORDER BY b.rowid;
DROP TABLE budget_lines;
ALTER TABLE budget_lines_by_year RENAME TO budget_lines;
CREATE INDEX budget_lines_by_unit ON budget_lines (fiscal_year, unit_code, kind);

-- Versions are numbered per line-year: (fiscal_year, code, version).
CREATE TABLE budget_line_versions_by_year (
  id          INTEGER PRIMARY KEY,
  fiscal_year INTEGER NOT NULL,
  code        TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  name        TEXT    NOT NULL,
  unit_code   TEXT    NOT NULL,
  unit_name   TEXT    NOT NULL,
  kind        TEXT    NOT NULL,
  initial_fen INTEGER NOT NULL,
  deadline    TEXT,
  owner       TEXT    NOT NULL,
  owner_email TEXT    NOT NULL,
  tags        TEXT    NOT NULL,
  file_id     INTEGER NOT NULL REFERENCES files (id),
  line_no     INTEGER NOT NULL,
  recorded_at TEXT    NOT NULL,
  source      TEXT    NOT NULL,
  reapplied   INTEGER NOT NULL DEFAULT 0,
  department_code TEXT NOT NULL DEFAULT '',
  department_name TEXT NOT NULL DEFAULT '',
  line_source     TEXT NOT NULL DEFAULT '',  -- 指标来源 (budget_lines.source)
  UNIQUE (fiscal_year, code, version)
);
INSERT INTO budget_line_versions_by_year (id, fiscal_year, code, version, name, unit_code, unit_name, kind,
                                          initial_fen, deadline, owner, owner_email, tags, file_id, line_no,
                                          recorded_at, source, reapplied)
  SELECT v.id,
         coalesce((SELECT b.fiscal_year FROM budget_lines b WHERE b.code = v.code),
                  CAST(substr(v.deadline, 1, 4) AS INTEGER), CAST(substr(v.recorded_at, 1, 4) AS INTEGER)),
         v.code, v.version, v.name, v.unit_code, v.unit_name, v.kind, v.initial_fen, v.deadline, v.owner,
         v.owner_email, v.tags, v.file_id, v.line_no, v.recorded_at, v.source, v.reapplied
  FROM budget_line_versions v ORDER BY v.id;
DROP TABLE budget_line_versions;
ALTER TABLE budget_line_versions_by_year RENAME TO budget_line_versions;

-- Adjustments of a fiscal year are read by date.
CREATE INDEX adjustments_by_date ON adjustments (adj_date);
