-- 0008: cheaper payments (issues 14 and 15).
--
-- The latest payment date of each file. `report` without --as-of and the daemon's "data as of" read the
-- latest payment date of the ledger; it is kept per file at ingest (the accepted rows' latest pay_date), so
-- that no index of payments is read for max(pay_date). Payments are never deleted: the ledger's latest payment
-- date is the latest of its files'.
ALTER TABLE files ADD COLUMN max_pay_date TEXT;  -- 'YYYY-MM-DD'; NULL: no payment of this file was accepted
UPDATE files SET max_pay_date = m.max_pay_date
  FROM (SELECT file_id, max(pay_date) AS max_pay_date FROM payments GROUP BY file_id) AS m
  WHERE m.file_id = files.id;

-- SQLite: payments become an ordinary (rowid) table with a unique index on the voucher, instead of a table
-- keyed by voucher (WITHOUT ROWID). Keyed by voucher, every row went where its voucher sorts: an export in
-- random voucher order wrote all over the table's pages. Now rows are appended in ingest order and only the
-- voucher's index entry (the voucher and a rowid) goes where it sorts. Measured with sqlite3 .import of the
-- 1,000,000-row export under both schemas (CPU, user+sys, on a shared machine at load 9): 6.7 s → 5.6 s in
-- voucher order, 22.0 s → 10.2 s shuffled. The columns, their order and the uniqueness of voucher_no are unchanged (ON CONFLICT
-- (voucher_no) takes the unique index); the rows are copied in ingest order. This rewrites the table once.
-- (PostgreSQL's tables are heaps with a unique index already: 0008_payment_dates.postgresql.sql.)
CREATE TABLE payments_by_row (
  voucher_no   TEXT    NOT NULL,
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
  line_no      INTEGER NOT NULL,
  voucher_raw  TEXT
);
INSERT INTO payments_by_row (voucher_no, pay_date, unit_code, project_code, amount_fen, func_class, econ_class,
                             pay_method, fund_type, payee, memo, file_id, line_no, voucher_raw)
  SELECT voucher_no, pay_date, unit_code, project_code, amount_fen, func_class, econ_class, pay_method,
         fund_type, payee, memo, file_id, line_no, voucher_raw
  FROM payments ORDER BY file_id, line_no;
DROP TABLE payments;
ALTER TABLE payments_by_row RENAME TO payments;
CREATE UNIQUE INDEX payments_by_voucher ON payments (voucher_no);
-- For date ranges: the partial month of an as-of date (whole months come from paid_monthly), a line's page of
-- payments. On the date alone, as before.
CREATE INDEX payments_by_date ON payments (pay_date);
