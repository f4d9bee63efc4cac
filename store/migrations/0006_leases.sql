-- 0006: several daemons on one database (issue 15). Exactly one instance at a time evaluates alert state and
-- drains the outbox: it holds the lease row `alerts`, renewed every few seconds, which expires when it stops
-- renewing (store/lease.h). Times are Unix milliseconds of the database's clock (PostgreSQL: the server's).
-- `token` grows at every change of holder (a fencing token: the term of the holder).
CREATE TABLE leases (
  name        TEXT    PRIMARY KEY,
  holder      TEXT    NOT NULL,   -- host:pid:listen of the instance holding it
  token       INTEGER NOT NULL,
  acquired_at INTEGER NOT NULL,
  renewed_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);

-- An outbox row being delivered is claimed by one instance (claim_owner) until claim_until (Unix seconds):
-- the claim is taken atomically (PostgreSQL: FOR UPDATE SKIP LOCKED), extended with the lease, and a row
-- whose claimer died is claimed again once the claim expired. The idempotency key stays the row's.
ALTER TABLE outbox ADD COLUMN claim_owner TEXT;
ALTER TABLE outbox ADD COLUMN claim_until INTEGER;
