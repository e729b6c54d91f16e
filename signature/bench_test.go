package signature_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck/signature"
)

// reusableNonces accepts every nonce, so that one signed request can be verified b.N times
// and the benchmark measures verification, not the nonce ledger.
type reusableNonces struct{ *memKeys }

func (reusableNonces) UseNonce(context.Context, string, string, time.Time) error { return nil }

// BenchmarkHMACBaseline is the bare cryptography of one V3 verification: two SHA-256 hashes
// and an HMAC over strings of the size a Filing Service API request has.
func BenchmarkHMACBaseline(b *testing.B) {
	canonical := make([]byte, 400)
	for b.Loop() {
		sum := sha256.Sum256(canonical)
		mac := hmac.New(sha256.New, []byte("secret1"))
		mac.Write(sum[:])
		mac.Sum(nil)
	}
}

func BenchmarkVerifyV1(b *testing.B) {
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	p := bsnParams()
	signature.SignV1(p, http.MethodGet, "key1", "secret1", now, "bench")
	r := httptest.NewRequest(http.MethodGet, "/?"+p.Encode(), nil)
	v := fixedVerifier(reusableNonces{newKeys("key1", "secret1")}, now)
	for b.Loop() {
		if _, err := v.Verify(r, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyV3(b *testing.B) {
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	r, body := v3Request(b, bsnParams(), url.Values{"note": {"x"}}, "secret1", now, "bench")
	v := fixedVerifier(reusableNonces{newKeys("key1", "secret1")}, now)
	for b.Loop() {
		if _, err := v.Verify(r, body); err != nil {
			b.Fatal(err)
		}
	}
}
