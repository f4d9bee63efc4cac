-- Alerts (DESIGN §8): alert state, notification groups, the outbox and silences. Times are unix
-- seconds (UTC). Labels and annotations are JSON objects written by alerts/.

-- One row per alert while it lives: pending → firing → resolved (deleted after the retention).
CREATE TABLE alerts (
  fingerprint  TEXT PRIMARY KEY,               -- rule + subject, 16 hex digits
  rule         TEXT NOT NULL,
  severity     TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
  labels       TEXT NOT NULL,                  -- JSON object
  annotations  TEXT NOT NULL,                  -- JSON object: the figures of the last evaluation
  active_since INTEGER NOT NULL,               -- condition first seen (start of pending)
  fired_at     INTEGER,                        -- start of the current firing episode
  resolved_at  INTEGER,
  updated_at   INTEGER NOT NULL,
  episode      INTEGER NOT NULL DEFAULT 0      -- firing episodes so far (idempotency keys)
);
CREATE INDEX alerts_state ON alerts(state);

-- Per receiver and group: when it was last notified and how many messages it has had.
CREATE TABLE alert_groups (
  receiver     TEXT NOT NULL,
  group_key    TEXT NOT NULL,
  last_sent_at INTEGER NOT NULL,
  sequence     INTEGER NOT NULL,
  PRIMARY KEY (receiver, group_key)
) WITHOUT ROWID;

-- The firing alerts a group's receiver has been told about (so that it, and only it, gets the
-- resolved message).
CREATE TABLE alert_group_members (
  receiver    TEXT NOT NULL,
  group_key   TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  notified_at INTEGER NOT NULL,
  PRIMARY KEY (receiver, group_key, fingerprint)
) WITHOUT ROWID;
CREATE INDEX alert_group_members_fp ON alert_group_members(fingerprint);

-- Messages to deliver, written in the same transaction as the state change that caused them.
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE,
  receiver        TEXT NOT NULL,
  group_key       TEXT NOT NULL,
  status          TEXT NOT NULL,               -- firing | resolved (of the message)
  title           TEXT NOT NULL,
  payload         TEXT NOT NULL,               -- JSON: the rendered notification
  alert_count     INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  last_error      TEXT,
  delivered_at    INTEGER
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);

CREATE TABLE silences (
  id          TEXT PRIMARY KEY,
  matchers    TEXT NOT NULL,                   -- JSON array of {name, op, value}
  created_by  TEXT NOT NULL,
  comment     TEXT NOT NULL,
  starts_at   INTEGER NOT NULL,
  ends_at     INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
);
