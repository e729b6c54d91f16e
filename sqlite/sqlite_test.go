package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/sqlite"
	"github.com/icpcheck/icpcheck/sqlstore"
	"github.com/icpcheck/icpcheck/storetest"
)

// MustOpenDB opens a store in a new file of the test's temporary directory.
func MustOpenDB(t *testing.T, opts sqlstore.Options) *sqlstore.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "icpcheck.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) { storetest.Run(t, MustOpenDB) }

func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	db, err := sqlite.Open(path, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600: the file holds AccessKey secrets", fi.Mode().Perm())
	}
	var mode string
	if err := db.QueryRow(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q (%v), want wal", mode, err)
	}
	// Opening again applies no migration twice.
	db2, err := sqlite.Open(path, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db2.Close()
	if _, err := sqlite.Open(filepath.Join(t.TempDir(), "no", "such", "dir.db"), sqlstore.Options{}); err == nil {
		t.Fatal("opening in a missing directory succeeded")
	}
	if _, err := sqlite.Open("", sqlstore.Options{}); err == nil {
		t.Fatal("opening an empty path succeeded")
	}
}

func TestMain(m *testing.M) {
	storetest.CrashChild(func(path string) (*sqlstore.DB, error) { return sqlite.Open(path, sqlstore.Options{}) })
	os.Exit(m.Run())
}

// TestCrash kills processes that issue numbers with SIGKILL, many times: nothing they
// reported is lost, no quota is exceeded, and the file passes SQLite's integrity check.
func TestCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	open := func(path string) (*sqlstore.DB, error) { return sqlite.Open(path, sqlstore.Options{}) }
	storetest.RunCrash(t, path, 20, open, func(t *testing.T, db *sqlstore.DB) {
		var result string
		if err := db.QueryRow(t.Context(), `PRAGMA integrity_check`).Scan(&result); err != nil || result != "ok" {
			t.Fatalf("integrity_check: %q (%v)", result, err)
		}
	})
}

// TestNoncesKept demands that the nonces, which live in a file of their own, are still
// refused after the store is closed and opened again, and that the file is private too.
func TestNoncesKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "icpcheck.db")
	expires := time.Now().Add(time.Hour)
	db, err := sqlite.Open(path, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UseNonce(t.Context(), "LTAIkey", "n1", expires); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if fi, err := os.Stat(path + sqlite.NonceSuffix); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("nonce file: %v %v, want mode 0600", fi, err)
	}
	db, err = sqlite.Open(path, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.UseNonce(t.Context(), "LTAIkey", "n1", expires); icpcheck.ErrorReason(err) != "nonce_used" {
		t.Fatalf("reused nonce after reopening: err=%v, want nonce_used", err)
	}
	if err := db.UseNonce(t.Context(), "LTAIkey", "n2", expires); err != nil {
		t.Fatal(err)
	}
}
