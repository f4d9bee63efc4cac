-- 0001: the file ledger, rejected rows, the budget register, adjustments, payments and their monthly sums.
-- Money is INTEGER fen; dates are TEXT 'YYYY-MM-DD'; months 'YYYY-MM'; timestamps UTC ISO 8601.

-- Every file ingested, identified by the SHA-256 of its bytes: the same content is never ingested twice.
CREATE TABLE files (
  id             INTEGER PRIMARY KEY,
  sha256         TEXT    NOT NULL UNIQUE,
  name           TEXT    NOT NULL,            -- base name as received
  source         TEXT    NOT NULL,            -- 'cli', 'upload', or the configured source name
  kind           TEXT    NOT NULL CHECK (kind IN ('budget', 'adjustments', 'payments', 'indicators', 'actuals')),
  encoding       TEXT    NOT NULL,
  size_bytes     INTEGER NOT NULL,
  rows_total     INTEGER NOT NULL DEFAULT 0,
  rows_accepted  INTEGER NOT NULL DEFAULT 0,
  rows_duplicate INTEGER NOT NULL DEFAULT 0,
  rows_rejected  INTEGER NOT NULL DEFAULT 0,  -- malformed rows and conflicts
  rows_conflict  INTEGER NOT NULL DEFAULT 0,  -- of which: same key, other content
  accepted_fen   INTEGER NOT NULL DEFAULT 0,  -- sum of the accepted amounts
  ingested_at    TEXT    NOT NULL,
  duration_ms    INTEGER NOT NULL DEFAULT 0
);

-- Rows not taken, with where and why. Never deleted with their file's rows: they are the audit trail.
CREATE TABLE rejects (
  id      INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL REFERENCES files (id),
  line    INTEGER NOT NULL,           -- 1-based physical line where the record starts
  col     INTEGER NOT NULL,           -- 1-based field number
  field   TEXT    NOT NULL,           -- the column header, e.g. 金额
  reason  TEXT    NOT NULL,
  raw     TEXT    NOT NULL,           -- the record as read (truncated to 4 KiB)
  conflict INTEGER NOT NULL DEFAULT 0 -- 1: a duplicate key with other content (the first row is kept)
);
CREATE INDEX rejects_by_file ON rejects (file_id, line);

-- Files that could not be read at all (nothing of them was stored); a corrected file can be ingested later.
CREATE TABLE failed_files (
  id        INTEGER PRIMARY KEY,
  sha256    TEXT NOT NULL,
  name      TEXT NOT NULL,
  source    TEXT NOT NULL,
  error     TEXT NOT NULL,
  failed_at TEXT NOT NULL
);

-- The budget register (预算指标). Insertion order (rowid) is register order; a later register updates a line.
CREATE TABLE budget_lines (
  code        TEXT    PRIMARY KEY,
  name        TEXT    NOT NULL,
  unit_code   TEXT    NOT NULL,
  unit_name   TEXT    NOT NULL,
  kind        TEXT    NOT NULL CHECK (kind IN ('basic', 'project')),
  initial_fen INTEGER NOT NULL,
  deadline    TEXT,                   -- NULL: the fiscal year's last day
  owner       TEXT    NOT NULL DEFAULT '',
  owner_email TEXT    NOT NULL DEFAULT '',
  tags        TEXT    NOT NULL DEFAULT '',  -- comma-separated
  file_id     INTEGER NOT NULL REFERENCES files (id),
  line_no     INTEGER NOT NULL
);
CREATE INDEX budget_lines_by_unit ON budget_lines (unit_code, kind);

-- Budget adjustments (预算调整). They have no unique key (one document may adjust a line twice on a day), so
-- `identity` is code|doc_no|date|amount|note#n, n counting identical rows within a file: a re-exported row is
-- a duplicate, two identical items of one file both count.
CREATE TABLE adjustments (
  id           INTEGER PRIMARY KEY,
  identity     TEXT    NOT NULL UNIQUE,
  project_code TEXT    NOT NULL,
  adj_date     TEXT    NOT NULL,
  amount_fen   INTEGER NOT NULL,
  doc_no       TEXT    NOT NULL,
  note         TEXT    NOT NULL,
  file_id      INTEGER NOT NULL REFERENCES files (id),
  line_no      INTEGER NOT NULL
);

-- Treasury payments (国库集中支付明细), unique by voucher. project_code is '' for a blank code or 基本支出.
-- Names live once per (unit, project) in payment_names, not in every row.
CREATE TABLE payments (
  voucher_no   TEXT    NOT NULL PRIMARY KEY,
  pay_date     TEXT    NOT NULL,
  unit_code    TEXT    NOT NULL,
  project_code TEXT    NOT NULL,
  amount_fen   INTEGER NOT NULL,
  func_class   TEXT    NOT NULL,
  econ_class   TEXT    NOT NULL,
  pay_method   TEXT    NOT NULL,
  fund_type    TEXT    NOT NULL,
  payee        TEXT    NOT NULL,
  memo         TEXT    NOT NULL,
  file_id      INTEGER NOT NULL,
  line_no      INTEGER NOT NULL
) WITHOUT ROWID;
-- For the partial month of an as-of date (whole months come from paid_monthly). On the date alone, so that
-- exports sorted by date append to it (a covering index with unit and project doubled the insert cost).
CREATE INDEX payments_by_date ON payments (pay_date);

CREATE TABLE payment_names (
  unit_code    TEXT NOT NULL,
  project_code TEXT NOT NULL,
  unit_name    TEXT NOT NULL,
  project_name TEXT NOT NULL,
  PRIMARY KEY (unit_code, project_code)
) WITHOUT ROWID;

-- Monthly sums of payments per (unit, project code as written), maintained in the ingest transaction:
-- evaluation reads these, never the raw rows (except for the partial month of an as-of date).
CREATE TABLE paid_monthly (
  unit_code    TEXT    NOT NULL,
  project_code TEXT    NOT NULL,
  month        TEXT    NOT NULL,  -- 'YYYY-MM'
  paid_fen     INTEGER NOT NULL,
  payments     INTEGER NOT NULL,
  PRIMARY KEY (unit_code, project_code, month)
) WITHOUT ROWID;
