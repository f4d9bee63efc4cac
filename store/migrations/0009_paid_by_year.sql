-- 0009: the monthly payment sums, one row per (calendar year, unit, project code as written) with the twelve
-- months side by side (issue 14: `report` < 0.3 s for a bureau).
--
-- paid_monthly had one row per (unit, project, month), keyed by the unit first: a fiscal year's figures scanned
-- the whole table, every year of it (a bureau of 60,000 lines and three years: 1,965,317 rows read, 655,876 of
-- them the year's), one row per month. Keyed by the year first, a fiscal year is one range of its own rows
-- (60,000-odd for that bureau), in (unit, project) order, each row its twelve months. The earlier years, which
-- the year-end forecast reads as each unit's history, are a range of their own, read only when a forecast can
-- use them (store/inputs.cpp: load_inputs). A fiscal year that does not start in January spans two calendar
-- years: two rows a series.
--
-- Maintained in the ingest transaction as before (store/ledger.cpp: an upsert adding a file's months into the
-- row of each year it paid in). mMM_fen is the month's paid amount in fen, mMM_payments its number of payments;
-- a month without payments is 0. The unit and project names as the year's payments first gave them replace
-- payment_names, which a fiscal year read whole (every (unit, project) ever paid: 173,009 rows for that bureau)
-- to name its own series.
--
-- The upgrade reads paid_monthly and payment_names only (one row per series and month, never the payments): on
-- the bureau's file 1,965,317 rows become 173,209.
CREATE TABLE paid_by_year (
  pay_year     INTEGER NOT NULL,  -- calendar year of the months
  unit_code    TEXT    NOT NULL,
  project_code TEXT    NOT NULL,
  unit_name    TEXT    NOT NULL DEFAULT '',  -- as first seen in the year's payments
  project_name TEXT    NOT NULL DEFAULT '',
  m01_fen      INTEGER NOT NULL DEFAULT 0,
  m02_fen      INTEGER NOT NULL DEFAULT 0,
  m03_fen      INTEGER NOT NULL DEFAULT 0,
  m04_fen      INTEGER NOT NULL DEFAULT 0,
  m05_fen      INTEGER NOT NULL DEFAULT 0,
  m06_fen      INTEGER NOT NULL DEFAULT 0,
  m07_fen      INTEGER NOT NULL DEFAULT 0,
  m08_fen      INTEGER NOT NULL DEFAULT 0,
  m09_fen      INTEGER NOT NULL DEFAULT 0,
  m10_fen      INTEGER NOT NULL DEFAULT 0,
  m11_fen      INTEGER NOT NULL DEFAULT 0,
  m12_fen      INTEGER NOT NULL DEFAULT 0,
  m01_payments INTEGER NOT NULL DEFAULT 0,
  m02_payments INTEGER NOT NULL DEFAULT 0,
  m03_payments INTEGER NOT NULL DEFAULT 0,
  m04_payments INTEGER NOT NULL DEFAULT 0,
  m05_payments INTEGER NOT NULL DEFAULT 0,
  m06_payments INTEGER NOT NULL DEFAULT 0,
  m07_payments INTEGER NOT NULL DEFAULT 0,
  m08_payments INTEGER NOT NULL DEFAULT 0,
  m09_payments INTEGER NOT NULL DEFAULT 0,
  m10_payments INTEGER NOT NULL DEFAULT 0,
  m11_payments INTEGER NOT NULL DEFAULT 0,
  m12_payments INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (pay_year, unit_code, project_code)
) WITHOUT ROWID;
INSERT INTO paid_by_year (pay_year, unit_code, project_code, unit_name, project_name,
  m01_fen, m02_fen, m03_fen, m04_fen, m05_fen, m06_fen, m07_fen, m08_fen, m09_fen, m10_fen, m11_fen, m12_fen,
  m01_payments, m02_payments, m03_payments, m04_payments, m05_payments, m06_payments,
  m07_payments, m08_payments, m09_payments, m10_payments, m11_payments, m12_payments)
  SELECT CAST(substr(p.month, 1, 4) AS INTEGER), p.unit_code, p.project_code,
         coalesce(max(n.unit_name), ''), coalesce(max(n.project_name), ''),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '01' THEN p.paid_fen ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '02' THEN p.paid_fen ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '03' THEN p.paid_fen ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '04' THEN p.paid_fen ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '05' THEN p.paid_fen ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '06' THEN p.paid_fen ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '07' THEN p.paid_fen ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '08' THEN p.paid_fen ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '09' THEN p.paid_fen ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '10' THEN p.paid_fen ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '11' THEN p.paid_fen ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '12' THEN p.paid_fen ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '01' THEN p.payments ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '02' THEN p.payments ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '03' THEN p.payments ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '04' THEN p.payments ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '05' THEN p.payments ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '06' THEN p.payments ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '07' THEN p.payments ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '08' THEN p.payments ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '09' THEN p.payments ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '10' THEN p.payments ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '11' THEN p.payments ELSE 0 END) AS INTEGER),
         CAST(sum(CASE substr(p.month, 6, 2) WHEN '12' THEN p.payments ELSE 0 END) AS INTEGER)
  FROM paid_monthly p
  LEFT JOIN payment_names n ON n.unit_code = p.unit_code AND n.project_code = p.project_code
  GROUP BY CAST(substr(p.month, 1, 4) AS INTEGER), p.unit_code, p.project_code;
DROP TABLE paid_monthly;
DROP TABLE payment_names;
