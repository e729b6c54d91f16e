package signature_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/signature"
)

// memKeys is a signature.Keys over a map, with nonces remembered as the store remembers them.
type memKeys struct {
	mu     sync.Mutex
	keys   map[string]*icpcheck.AccessKey
	nonces map[string]time.Time
	err    error // returned by every call when set: the store is down
}

func newKeys(pairs ...string) *memKeys {
	k := &memKeys{keys: map[string]*icpcheck.AccessKey{}, nonces: map[string]time.Time{}}
	for i := 0; i+1 < len(pairs); i += 2 {
		k.keys[pairs[i]] = &icpcheck.AccessKey{ID: pairs[i], Secret: pairs[i+1], Account: "1234567890123456", Role: icpcheck.RoleCustomer}
	}
	return k
}

func (k *memKeys) FindAccessKey(ctx context.Context, id string) (*icpcheck.AccessKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err != nil {
		return nil, k.err
	}
	key, ok := k.keys[id]
	if !ok {
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "key_not_found")
	}
	copied := *key
	return &copied, nil
}

func (k *memKeys) UseNonce(ctx context.Context, keyID, nonce string, expires time.Time) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err != nil {
		return k.err
	}
	if _, used := k.nonces[keyID+"\x00"+nonce]; used {
		return icpcheck.Errorf(icpcheck.ECONFLICT, "nonce_used")
	}
	k.nonces[keyID+"\x00"+nonce] = expires
	return nil
}

// fixedVerifier returns a verifier over keys whose clock stands at now.
func fixedVerifier(keys signature.Keys, now time.Time) *signature.Verifier {
	return &signature.Verifier{Keys: keys, Now: func() time.Time { return now }}
}

// mustTime parses an RFC 3339 time or fails the test.
func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// wantRefusal fails unless err is a *signature.Error with code and status.
func wantRefusal(tb testing.TB, err error, code string, status int) {
	tb.Helper()
	e, ok := signature.AsError(err)
	if !ok {
		tb.Fatalf("err = %v (%T), want a refusal %s", err, err, code)
	}
	if e.Code != code || e.Status != status {
		tb.Fatalf("refusal = %s/%d, want %s/%d (%s)", e.Code, e.Status, code, status, e.Message)
	}
	for _, lang := range i18n.Langs {
		if !i18n.Has(e.Key) || e.Localized(lang) == "" {
			tb.Fatalf("refusal %s has no %s text under %q", e.Code, lang, e.Key)
		}
	}
}
