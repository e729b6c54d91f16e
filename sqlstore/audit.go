package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/icpcheck/icpcheck"
)

// auditInsert is how many events one INSERT appends: at 8 parameters an event, well within
// what a statement may take on SQLite (32,766) and PostgreSQL (65,535). It is kept small
// because SQLite's parser finds each numbered parameter by a linear search, so a statement's
// preparation grows with the square of its parameters: at 1,000 events an INSERT took more
// CPU to prepare than the rest of a batch of 500 new instances.
const auditInsert = 50

// audit records a change to append to the chain when the transaction commits.
func (tx *Tx) audit(action, subject string, data map[string]any) error {
	raw, err := icpcheck.CanonicalAuditData(data)
	if err != nil {
		return err
	}
	tx.events = append(tx.events, &icpcheck.AuditEvent{
		Time: tx.now, Actor: tx.actor.String(), Action: action, Subject: subject, Data: raw,
	})
	return nil
}

// appendAudit appends the transaction's events to the chain. It locks the chain's single head
// row first, so that concurrent writers, in any number of processes, take turns and the chain
// stays one line without gaps. It runs last in every transaction: the head is the last lock a
// writer takes and is held only until commit, so no writer waits for it while holding it.
func (tx *Tx) appendAudit() error {
	if len(tx.events) == 0 {
		return nil
	}
	var seq int64
	var hash string
	if err := tx.queryRow(tx.forUpdate(`SELECT seq, hash FROM audit_head WHERE id = 1`)).Scan(&seq, &hash); err != nil {
		return err
	}
	// One INSERT for all of them (auditInsert at a time, as a batch of instances may make
	// thousands): the head stays locked until commit, and every round trip made meanwhile
	// holds up every other writer.
	for chunk := range slices.Chunk(tx.events, auditInsert) {
		values := make([]string, 0, len(chunk))
		args := make([]any, 0, 8*len(chunk))
		for _, e := range chunk {
			seq++
			e.Seq, e.PrevHash = seq, hash
			e.Hash = e.ComputeHash()
			hash = e.Hash
			n := len(args)
			values = append(values, fmt.Sprintf("($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8))
			args = append(args, e.Seq, micros(e.Time), e.Actor, e.Action, e.Subject, string(e.Data), e.PrevHash, e.Hash)
		}
		if _, err := tx.exec(`INSERT INTO audit_events (seq, time, actor, action, subject, data, prev_hash, hash) VALUES `+
			strings.Join(values, ", "), args...); err != nil {
			return err
		}
	}
	_, err := tx.exec(`UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, seq, hash)
	return err
}

// FindAuditEvents returns events in seq order. Admin only.
func (db *DB) FindAuditEvents(ctx context.Context, f icpcheck.AuditFilter) ([]*icpcheck.AuditEvent, error) {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	if f.AfterSeq < 0 {
		return nil, icpcheck.Invalid("after_seq", "bad_page")
	}
	var events []*icpcheck.AuditEvent
	err := db.view(ctx, "FindAuditEvents", func(tx *Tx) error {
		var w where
		w.add("seq > ?", f.AfterSeq)
		if f.Subject != "" {
			w.add("subject = ?", f.Subject)
		}
		if f.Action != "" {
			w.add("action = ?", f.Action)
		}
		var err error
		events, err = tx.auditEvents(w.sql()+" ORDER BY seq LIMIT "+itoa(icpcheck.PageLimit(f.Limit)), w.args...)
		return err
	})
	return events, err
}

func (tx *Tx) auditEvents(tail string, args ...any) ([]*icpcheck.AuditEvent, error) {
	rows, err := tx.query(`SELECT seq, time, actor, action, subject, data, prev_hash, hash FROM audit_events`+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var events []*icpcheck.AuditEvent
	for rows.Next() {
		var e icpcheck.AuditEvent
		var t int64
		var data string
		if err := rows.Scan(&e.Seq, &t, &e.Actor, &e.Action, &e.Subject, &data, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.Time, e.Data = fromMicros(t), []byte(data)
		events = append(events, &e)
	}
	return events, rows.Err()
}

// auditPage is how many events VerifyAudit reads at a time: the chain may hold millions.
const auditPage = 1000

// VerifyAudit walks the whole chain in pages, each in its own snapshot, and then compares
// its end with the head row, so that deleting the last events is caught as well. Admin only.
func (db *DB) VerifyAudit(ctx context.Context) (*icpcheck.AuditVerification, error) {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	v := &icpcheck.AuditVerification{OK: true}
	prevSeq, prev := int64(0), icpcheck.GenesisHash
	for {
		var page []*icpcheck.AuditEvent
		var headSeq int64
		var headHash string
		err := db.view(ctx, "VerifyAudit", func(tx *Tx) error {
			var err error
			if page, err = tx.auditEvents(" WHERE seq > $1 ORDER BY seq LIMIT $2", prevSeq, auditPage); err != nil {
				return err
			}
			err = tx.queryRow(`SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash)
			if errors.Is(err, sql.ErrNoRows) {
				headSeq, headHash = -1, ""
				return nil
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if bad, problem := icpcheck.VerifyChain(prevSeq, prev, page); bad != 0 {
			v.OK, v.FirstBad, v.Problem = false, bad, problem
			v.Events = prevSeq + int64(len(page))
			return v, nil
		}
		if len(page) > 0 {
			last := page[len(page)-1]
			prevSeq, prev = last.Seq, last.Hash
		}
		if len(page) < auditPage {
			v.Events = prevSeq
			switch {
			case headSeq > prevSeq:
				v.OK, v.FirstBad, v.Problem = false, prevSeq+1, "gap"
			case headSeq < prevSeq:
				v.OK, v.FirstBad, v.Problem = false, headSeq+1, "hash"
			case headHash != prev:
				v.OK, v.FirstBad, v.Problem = false, prevSeq, "hash"
			}
			return v, nil
		}
	}
}
