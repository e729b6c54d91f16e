package http_test

import "testing"

// postgresOpener returns the PostgreSQL store opener when ICPCHECK_TEST_POSTGRES is set.
func postgresOpener(tb testing.TB) *opener { return nil }
