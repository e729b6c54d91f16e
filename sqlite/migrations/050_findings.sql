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
	first_seen  INTEGER NOT NULL,
	last_seen   INTEGER NOT NULL,
	resolved_at INTEGER,
	resolution  TEXT NOT NULL DEFAULT '',
	CHECK ((resolved_at IS NULL AND resolution = '') OR (resolved_at IS NOT NULL AND resolution IN ('fixed', 'superseded')))
) STRICT;
CREATE INDEX findings_monitor_open ON findings (monitor, resolved_at);
CREATE INDEX findings_owner ON findings (owner, last_seen);
CREATE INDEX findings_filing ON findings (filing_id);
CREATE INDEX findings_instance ON findings (instance_id);

-- One row per monitor, locked by every reconciliation of that monitor so that runs of one
-- monitor are applied one at a time, and holding the start of the last run applied so that
-- an older run cannot undo a newer one.
CREATE TABLE monitor_runs (
	monitor    TEXT PRIMARY KEY CHECK (monitor IN ('expiry', 'access')),
	started_at INTEGER NOT NULL,
	at         INTEGER NOT NULL,
	applied_at INTEGER NOT NULL
) STRICT;
INSERT INTO monitor_runs (monitor, started_at, at, applied_at) VALUES ('expiry', 0, 0, 0), ('access', 0, 0, 0);

-- The outbox: one row per finding opened or resolved, sent to the webhook until the receiver
-- accepts it (sent_at). lease_until keeps two servers from sending one event at once.
CREATE TABLE finding_events (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	finding_key     TEXT NOT NULL REFERENCES findings (key),
	event           TEXT NOT NULL CHECK (event IN ('opened', 'resolved')),
	doc             TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	next_attempt_at INTEGER NOT NULL,
	lease_until     INTEGER NOT NULL DEFAULT 0,
	sent_at         INTEGER,
	last_error      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX finding_events_due ON finding_events (next_attempt_at) WHERE sent_at IS NULL;
