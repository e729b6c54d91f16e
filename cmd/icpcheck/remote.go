package main

import (
	"context"

	"github.com/icpcheck/icpcheck"
	icphttp "github.com/icpcheck/icpcheck/http"
	"github.com/spf13/pflag"
)

// remoteFlags registers the AccessKey pair that --server mode signs with. The environment
// variables are the better place for the secret: a flag shows in the process list.
func (m *Main) remoteFlags(f *pflag.FlagSet) {
	f.StringVar(&m.AccessKeyID, "access-key-id", m.env("ICPCHECK_ACCESS_KEY_ID", ""), "AccessKey id to sign --server requests with (env ICPCHECK_ACCESS_KEY_ID)")
	f.StringVar(&m.AccessKeySecret, "access-key-secret", m.env("ICPCHECK_ACCESS_KEY_SECRET", ""), "AccessKey secret to sign --server requests with (env ICPCHECK_ACCESS_KEY_SECRET)")
}

// remoteStore returns the store of --server: an HTTP client of the server's REST API,
// signing with the AccessKey pair. The context is returned unchanged: the server decides who
// is acting, by the key.
func (m *Main) remoteStore(ctx context.Context) (icpcheck.Store, context.Context, error) {
	if m.AccessKeyID == "" || m.AccessKeySecret == "" {
		return nil, nil, usageError{icpcheck.Errorf(icpcheck.EINVALID, "credentials_required")}
	}
	c, err := icphttp.NewClient(m.Server, m.AccessKeyID, m.AccessKeySecret)
	if err != nil {
		return nil, nil, usageError{err}
	}
	c.Lang = m.lang
	m.closers = append(m.closers, c.Close)
	return c, ctx, nil
}
