package storetest

import (
	"regexp"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
)

var (
	keyIDPattern  = regexp.MustCompile(`^LTAI[0-9A-Za-z]{20}$`)
	secretPattern = regexp.MustCompile(`^[0-9A-Za-z]{30}$`)
)

func testAccounts(t *testing.T, open OpenFunc) {
	t.Run("CreateAccessKey", func(t *testing.T) {
		e := NewEnv(t, open)
		k, err := e.DB.CreateAccessKey(e.Admin, "1001", icpcheck.RoleCustomer)
		NoError(t, err)
		if !keyIDPattern.MatchString(k.ID) || !secretPattern.MatchString(k.Secret) {
			t.Fatalf("key %q secret %q: want LTAI+20 and 30 base62 characters", k.ID, k.Secret)
		}
		if k.Account != "1001" || k.Role != icpcheck.RoleCustomer || !k.CreatedAt.Equal(Start) {
			t.Fatalf("key=%+v", k)
		}
		k2, err := e.DB.CreateAccessKey(e.Admin, "1001", icpcheck.RoleCustomer)
		NoError(t, err)
		if k2.ID == k.ID || k2.Secret == k.Secret {
			t.Fatal("two keys share an id or a secret")
		}
		got, err := e.DB.FindAccessKey(Anonymous, k.ID)
		NoError(t, err)
		if got.Secret != k.Secret || got.Account != "1001" || got.Role != icpcheck.RoleCustomer {
			t.Fatalf("FindAccessKey=%+v, want %+v", got, k)
		}
		a, err := e.DB.FindAccount(e.Admin, "1001")
		NoError(t, err)
		if a.Role != icpcheck.RoleCustomer {
			t.Fatalf("account role=%s", a.Role)
		}
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		e := NewEnv(t, open)
		_, err := e.DB.CreateAccessKey(e.Admin, "01x", icpcheck.RoleCustomer)
		WantError(t, err, icpcheck.EINVALID, "bad_account")
		_, err = e.DB.CreateAccessKey(e.Admin, "1001", "root")
		WantError(t, err, icpcheck.EINVALID, "bad_role")
		_, err = e.DB.CreateAccessKey(e.Admin, "1001", icpcheck.RoleAdmin)
		NoError(t, err)
		_, err = e.DB.CreateAccessKey(e.Admin, "1001", icpcheck.RoleCustomer)
		WantError(t, err, icpcheck.ECONFLICT, "role_mismatch")
		_, err = e.DB.FindAccessKey(Anonymous, "LTAInope")
		WantError(t, err, icpcheck.ENOTFOUND, "key_not_found")
		_, err = e.DB.FindAccount(e.Admin, "999")
		WantError(t, err, icpcheck.ENOTFOUND, "account_not_found")
	})
	t.Run("Keys", func(t *testing.T) {
		e := NewEnv(t, open)
		k1, err := e.DB.CreateAccessKey(e.Admin, "1001", icpcheck.RoleCustomer)
		NoError(t, err)
		k2, err := e.DB.CreateAccessKey(e.Admin, "1002", icpcheck.RoleCustomer)
		NoError(t, err)
		all, err := e.DB.FindAccessKeys(e.Admin, "")
		NoError(t, err)
		if len(all) != 2 {
			t.Fatalf("admin lists %d keys, want 2", len(all))
		}
		for _, k := range all {
			if k.Secret != "" {
				t.Fatalf("FindAccessKeys shows the secret of %s", k.ID)
			}
		}
		own, err := e.DB.FindAccessKeys(Customer("1001"), "")
		NoError(t, err)
		if len(own) != 1 || own[0].ID != k1.ID {
			t.Fatalf("customer lists %+v, want its own key only", own)
		}
		other, err := e.DB.FindAccessKeys(Customer("1001"), "1002")
		NoError(t, err)
		if len(other) != 0 {
			t.Fatalf("customer lists another's keys: %+v", other)
		}
		WantError(t, e.DB.DeleteAccessKey(Customer("1001"), k2.ID), icpcheck.ENOTFOUND, "key_not_found")
		NoError(t, e.DB.DeleteAccessKey(Customer("1001"), k1.ID))
		_, err = e.DB.FindAccessKey(Anonymous, k1.ID)
		WantError(t, err, icpcheck.ENOTFOUND, "key_not_found")
		WantError(t, e.DB.DeleteAccessKey(e.Admin, k1.ID), icpcheck.ENOTFOUND, "key_not_found")
		_, err = e.DB.FindAccount(Customer("1001"), "1002")
		WantError(t, err, icpcheck.ENOTFOUND, "account_not_found")
		_, err = e.DB.CreateAccessKey(Customer("1001"), "1001", icpcheck.RoleCustomer)
		WantError(t, err, icpcheck.EFORBIDDEN, "admin_only")
		_, err = e.DB.CreateAccessKey(Anonymous, "1001", icpcheck.RoleCustomer)
		WantError(t, err, icpcheck.EUNAUTHORIZED, "unauthenticated")
		e.Invariants(t)
	})
	t.Run("Nonce", func(t *testing.T) {
		e := NewEnv(t, open)
		exp := Start.Add(15 * time.Minute)
		NoError(t, e.DB.UseNonce(Anonymous, "LTAIkey", "n1", exp))
		WantError(t, e.DB.UseNonce(Anonymous, "LTAIkey", "n1", exp), icpcheck.ECONFLICT, "nonce_used")
		NoError(t, e.DB.UseNonce(Anonymous, "LTAIother", "n1", exp))
		WantError(t, e.DB.UseNonce(Anonymous, "LTAIkey", "", exp), icpcheck.EINVALID, "required")
		e.Clock.Advance(16 * time.Minute)
		NoError(t, e.DB.UseNonce(Anonymous, "LTAIkey", "n1", e.Clock.Now().Add(15*time.Minute)))
		WantError(t, e.DB.UseNonce(Anonymous, "LTAIkey", "n1", exp), icpcheck.ECONFLICT, "nonce_used")
		// Many nonces: the periodic sweep of expired ones must not refuse or lose a live one.
		for i := range 600 {
			NoError(t, e.DB.UseNonce(Anonymous, "LTAIbulk", "b"+itoa(i), e.Clock.Now().Add(time.Minute)))
		}
		WantError(t, e.DB.UseNonce(Anonymous, "LTAIbulk", "b599", e.Clock.Now().Add(time.Minute)), icpcheck.ECONFLICT, "nonce_used")
	})
}
