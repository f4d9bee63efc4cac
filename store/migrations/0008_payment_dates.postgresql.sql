-- 0008 for PostgreSQL: files.max_pay_date as in 0008_payment_dates.sql, filled here for the files already
-- recorded (a hash aggregate: PostgreSQL needs no sort for it), and payments_by_date becomes a BRIN index.
-- A B-tree entry per payment was a third of the cost of a payments COPY (measured on the 1,000,000-row export:
-- a \copy of our rows took 2.9 s with the voucher key alone, 4.2 s with the date B-tree too), while its readers
-- are date-range scans: the partial month of an as-of date (store/inputs.cpp: load_inputs) and a
-- line's payments page. Exports are sorted by pay date (a treasury system writes them so) and COPY appends them
-- to the heap in file order, so the min/max date of each range of pages narrows those scans as the B-tree did,
-- at a per-row cost close to nothing. The ranges a file filled are summarised after its commit (store/ledger.cpp),
-- else by autovacuum (autosummarize); an unsummarised range is scanned, and a file in random date order makes
-- wide ranges: either costs a scan of those pages, never a wrong answer.
-- BRIN is core PostgreSQL (no extension). max(pay_date), which needs a B-tree, is now files.max_pay_date.
ALTER TABLE files ADD COLUMN max_pay_date TEXT;  -- 'YYYY-MM-DD'; NULL: no payment of this file was accepted
UPDATE files SET max_pay_date = m.max_pay_date
  FROM (SELECT file_id, max(pay_date) AS max_pay_date FROM payments GROUP BY file_id) AS m
  WHERE m.file_id = files.id;
DROP INDEX payments_by_date;
CREATE INDEX payments_by_date ON payments USING brin (pay_date) WITH (autosummarize = on);
