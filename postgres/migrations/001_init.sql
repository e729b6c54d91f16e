-- The ledger of icpcheck on PostgreSQL (and the PostgreSQL-compatible distributed databases). Times are microseconds since the Unix epoch (UTC), one
-- integer type that both stores compare and round-trip exactly. The invariants of the ledger
-- are constraints here, so that no code path can break them: the quota (CHECK on issued), a
-- number's single use (UNIQUE filings.sn; filings are never deleted), the state sets.

CREATE TABLE accounts (
	id         TEXT PRIMARY KEY,
	role       TEXT NOT NULL CHECK (role IN ('admin', 'customer')),
	created_at BIGINT NOT NULL
);

CREATE TABLE access_keys (
	id         TEXT PRIMARY KEY,
	secret     TEXT NOT NULL,
	account_id TEXT NOT NULL REFERENCES accounts (id),
	created_at BIGINT NOT NULL
);
CREATE INDEX access_keys_account ON access_keys (account_id);

CREATE TABLE nonces (
	key_id     TEXT NOT NULL,
	nonce      TEXT NOT NULL,
	expires_at BIGINT NOT NULL,
	PRIMARY KEY (key_id, nonce)
);
CREATE INDEX nonces_expires ON nonces (expires_at);

CREATE TABLE instances (
	id         TEXT PRIMARY KEY,
	owner      TEXT NOT NULL REFERENCES accounts (id),
	product    TEXT NOT NULL,
	status     TEXT NOT NULL CHECK (status IN ('running', 'stopped', 'expired', 'released')),
	region     TEXT NOT NULL,
	expires_at BIGINT,           -- the coverage end; NULL for pay-as-you-go
	doc        TEXT NOT NULL,    -- the instance's JSON form
	issued     BIGINT NOT NULL DEFAULT 0,
	quota      BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CHECK (issued >= 0 AND issued <= quota)
);
CREATE INDEX instances_owner ON instances (owner, id);
CREATE INDEX instances_product ON instances (product, id);
CREATE INDEX instances_status ON instances (status, id);
CREATE INDEX instances_region ON instances (region);
CREATE INDEX instances_expires ON instances (expires_at);

CREATE TABLE numbers (
	sn            TEXT PRIMARY KEY,
	instance_id   TEXT NOT NULL REFERENCES instances (id),
	seq           BIGINT NOT NULL CHECK (seq >= 1),
	owner         TEXT NOT NULL REFERENCES accounts (id),
	granted_to    TEXT REFERENCES accounts (id),
	grant_notes   TEXT NOT NULL DEFAULT '',
	state         BIGINT NOT NULL CHECK (state IN (0, 1, 2, 3, 4)),
	filing_id     TEXT UNIQUE,
	beian_num     TEXT NOT NULL DEFAULT '',
	voided_reason TEXT NOT NULL DEFAULT '',
	issued_at     BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL,
	UNIQUE (instance_id, seq),
	CHECK (granted_to IS NULL OR granted_to <> owner),
	-- Unbound numbers have no filing; bound, under review and filed ones have one.
	CHECK ((state = 0 AND filing_id IS NULL) OR state = 3 OR (state IN (1, 2, 4) AND filing_id IS NOT NULL))
);
CREATE INDEX numbers_owner ON numbers (owner);
CREATE INDEX numbers_granted ON numbers (granted_to) WHERE granted_to IS NOT NULL;

CREATE TABLE filings (
	id            TEXT PRIMARY KEY,
	type          TEXT NOT NULL CHECK (type IN ('website', 'app')),
	filer         TEXT NOT NULL REFERENCES accounts (id),
	sn            TEXT NOT NULL UNIQUE REFERENCES numbers (sn),
	instance_id   TEXT NOT NULL REFERENCES instances (id),
	domains       TEXT NOT NULL,   -- JSON array, in the filer's order
	app_name      TEXT NOT NULL,
	access        TEXT NOT NULL,   -- JSON of the declared access information
	state         TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'filed', 'rejected', 'deregistered', 'provider_removed')),
	beian_num     TEXT NOT NULL DEFAULT '',
	reject_reason TEXT NOT NULL DEFAULT '',
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL,
	submitted_at  BIGINT,
	filed_at      BIGINT,
	CHECK (state <> 'filed' OR beian_num <> '')
);
CREATE INDEX filings_filer ON filings (filer, created_at);
CREATE INDEX filings_instance ON filings (instance_id);
CREATE INDEX filings_created ON filings (created_at);

CREATE TABLE filing_domains (
	domain    TEXT NOT NULL,
	filing_id TEXT NOT NULL REFERENCES filings (id),
	PRIMARY KEY (domain, filing_id)
);
CREATE INDEX filing_domains_filing ON filing_domains (filing_id);

-- The audit log: append-only, hash-chained. Data is TEXT so that its bytes, which the hash
-- covers, are kept exactly. audit_head is the chain's single head row, which every writer
-- locks to append.
CREATE TABLE audit_events (
	seq       BIGINT PRIMARY KEY CHECK (seq >= 1),
	time      BIGINT NOT NULL,
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	subject   TEXT NOT NULL,
	data      TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);
CREATE INDEX audit_events_subject ON audit_events (subject, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);

CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  BIGINT NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
