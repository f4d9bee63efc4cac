-- 0004: nothing acknowledged is silently changed. Every version of a budget line is kept (a later register
-- that changes a line is a revision, not an overwrite); rejected rows are bounded per file with their counts
-- per reason; voucher numbers are unique in a normalised form, with the text as written kept beside it; a
-- register re-applied on purpose (`ingest --reapply`) is recorded as such.

-- The voucher number as written in the export when it differs from the normalised key voucher_no (NFKC for
-- the fullwidth and compatibility forms, upper case, no surrounding spaces); NULL when they are the same.
ALTER TABLE payments ADD COLUMN voucher_raw TEXT;

-- Rows of a register that changed a recorded line (also counted in rows_total, not in rows_accepted).
ALTER TABLE files ADD COLUMN rows_revised INTEGER NOT NULL DEFAULT 0;
-- How many of rows_rejected are stored in `rejects` (the first ingest.max_stored_rejects); NULL: all of them.
ALTER TABLE files ADD COLUMN rejects_stored INTEGER;

-- Every rejected row counted by field and reason (values in the reason replaced by '…' and digits by '#'),
-- also for the rows beyond the stored ones.
CREATE TABLE reject_counts (
  file_id    INTEGER NOT NULL REFERENCES files (id),
  field      TEXT    NOT NULL,
  reason     TEXT    NOT NULL,
  rows       INTEGER NOT NULL,
  first_line INTEGER NOT NULL,
  PRIMARY KEY (file_id, field, reason)
) WITHOUT ROWID;

-- Every version of every budget line, in the order they were recorded: version 1 is the line as first
-- registered; each later version came from a register (or a re-applied earlier register) that changed it.
-- budget_lines holds the newest version.
CREATE TABLE budget_line_versions (
  id          INTEGER PRIMARY KEY,
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
  recorded_at TEXT    NOT NULL,            -- UTC ISO 8601
  source      TEXT    NOT NULL,            -- 'cli', 'upload' or the configured source
  reapplied   INTEGER NOT NULL DEFAULT 0,  -- 1: from `ingest --reapply` of an earlier file
  UNIQUE (code, version)
);
INSERT INTO budget_line_versions (code, version, name, unit_code, unit_name, kind, initial_fen, deadline, owner,
                                  owner_email, tags, file_id, line_no, recorded_at, source)
  SELECT b.code, 1, b.name, b.unit_code, b.unit_name, b.kind, b.initial_fen, b.deadline, b.owner, b.owner_email,
         b.tags, b.file_id, b.line_no, f.ingested_at, f.source
  FROM budget_lines b JOIN files f ON f.id = b.file_id ORDER BY b.rowid;

-- Files applied again on purpose (their bytes were already ingested): when, by whom, what they changed.
CREATE TABLE file_reapplications (
  id           INTEGER PRIMARY KEY,
  file_id      INTEGER NOT NULL REFERENCES files (id),
  applied_at   TEXT    NOT NULL,
  source       TEXT    NOT NULL,
  rows_revised INTEGER NOT NULL DEFAULT 0
);
