-- The monitors' findings (SPEC section 6), their runs and the outbox of their webhook events.
-- A finding is one row per key, ever: seen again after it was resolved, the same row opens
-- again and keeps its first_seen. doc holds the finding's details as JSON; the columns beside
-- it are what listings filter and order by.

CREATE TABLE findings (
	key         TEXT PRIMARY KEY,
	monitor     TEXT NOT NULL CHECK (monitor IN ('expiry', 'access')),
	kind        TEXT NOT NULL,
	scope       TEXT NOT NULL,
	owner       TEXT NOT NULL,
	instance_id TEXT NOT NULL DEFAULT '',
	filing_id   TEXT NOT NULL DEFAULT '',
	doc         TEXT NOT NULL,
	first_seen  BIGINT NOT NULL,
	last_seen   BIGINT NOT NULL,
	resolved_at BIGINT,
	resolution  TEXT NOT NULL DEFAULT '',
	CHECK ((resolved_at IS NULL AND resolution = '') OR (resolved_at IS NOT NULL AND resolution IN ('fixed', 'superseded')))
);
CREATE INDEX findings_monitor_open ON findings (monitor, resolved_at);
CREATE INDEX findings_owner ON findings (owner, last_seen);
CREATE INDEX findings_filing ON findings (filing_id);
CREATE INDEX findings_instance ON findings (instance_id);

-- One row per monitor, locked (SELECT ... FOR UPDATE) by every reconciliation of that
-- monitor so that runs of one monitor are applied one at a time across servers, and holding
-- the start of the last run applied so that an older run cannot undo a newer one.
CREATE TABLE monitor_runs (
	monitor    TEXT PRIMARY KEY CHECK (monitor IN ('expiry', 'access')),
	started_at BIGINT NOT NULL,
	at         BIGINT NOT NULL,
	applied_at BIGINT NOT NULL
);
INSERT INTO monitor_runs (monitor, started_at, at, applied_at) VALUES ('expiry', 0, 0, 0), ('access', 0, 0, 0);

-- The outbox: one row per finding opened or resolved, sent to the webhook until the receiver
-- accepts it (sent_at). lease_until keeps two servers from sending one event at once.
CREATE TABLE finding_events (
	id              BIGSERIAL PRIMARY KEY,
	finding_key     TEXT NOT NULL REFERENCES findings (key),
	event           TEXT NOT NULL CHECK (event IN ('opened', 'resolved')),
	doc             TEXT NOT NULL,
	created_at      BIGINT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	next_attempt_at BIGINT NOT NULL,
	lease_until     BIGINT NOT NULL DEFAULT 0,
	sent_at         BIGINT,
	last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX finding_events_due ON finding_events (next_attempt_at) WHERE sent_at IS NULL;
