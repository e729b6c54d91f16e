package icpcheck

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// AuditEvent is one change, in an append-only log. Each event's hash covers the previous
// event's hash and the event's canonical form, so editing, deleting or reordering any event
// breaks the chain from there on.
type AuditEvent struct {
	Seq      int64           `json:"seq"` // 1, 2 ... without gaps
	Time     time.Time       `json:"time"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`  // "number.issue", "filing.submit" ...
	Subject  string          `json:"subject"` // what changed: an sn, a filing or instance id
	Data     json.RawMessage `json:"data"`    // compact JSON object; its keys sorted
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// GenesisHash is the PrevHash of the first event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// CanonicalAuditData returns the canonical JSON of an event's data: compact, keys sorted
// (encoding/json sorts map keys), HTML left unescaped.
func CanonicalAuditData(data map[string]any) (json.RawMessage, error) {
	if data == nil {
		return json.RawMessage("{}"), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(data); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// ComputeHash returns the hash the event must carry: SHA-256 over the previous hash and the
// canonical form of every other field, each on its own line, the time in UTC.
func (e *AuditEvent) ComputeHash() string {
	h := sha256.New()
	for _, s := range []string{
		e.PrevHash,
		strconv.FormatInt(e.Seq, 10),
		e.Time.UTC().Format(time.RFC3339Nano),
		strconv.Quote(e.Actor),
		strconv.Quote(e.Action),
		strconv.Quote(e.Subject),
	} {
		h.Write([]byte(s))
		h.Write([]byte{'\n'})
	}
	h.Write(e.Data)
	return hex.EncodeToString(h.Sum(nil))
}

// AuditVerification is the outcome of checking the whole chain.
type AuditVerification struct {
	Events   int64  `json:"events"`
	OK       bool   `json:"ok"`
	FirstBad int64  `json:"first_bad,omitempty"` // seq of the first event that does not match
	Problem  string `json:"problem,omitempty"`   // gap, prev_hash or hash
}

// VerifyChain checks events that follow an event with hash prev and seq prevSeq, in order. It
// returns the seq of the first bad event and the problem, or 0 and "".
func VerifyChain(prevSeq int64, prev string, events []*AuditEvent) (int64, string) {
	for _, e := range events {
		switch {
		case e.Seq != prevSeq+1:
			return prevSeq + 1, "gap"
		case e.PrevHash != prev:
			return e.Seq, "prev_hash"
		case e.ComputeHash() != e.Hash:
			return e.Seq, "hash"
		}
		prevSeq, prev = e.Seq, e.Hash
	}
	return 0, ""
}

// AuditFilter selects audit events. Zero fields select all.
type AuditFilter struct {
	Subject  string
	Action   string
	AfterSeq int64
	Limit    int
}

// AuditService reads the audit log; the other services append to it in the transaction of
// each change.
type AuditService interface {
	// FindAuditEvents returns events in seq order. Admin only.
	FindAuditEvents(ctx context.Context, filter AuditFilter) ([]*AuditEvent, error)

	// VerifyAudit checks the whole chain. Admin only.
	VerifyAudit(ctx context.Context) (*AuditVerification, error)
}
