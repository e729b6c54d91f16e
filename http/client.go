package http

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/signature"
)

// MaxResponseSize bounds what the client reads of one response.
const MaxResponseSize = 256 << 20

// UserAgent names the client in the server's logs.
const UserAgent = "icpcheck-client/1"

// DefaultClientTimeout bounds one call of the client, end to end.
const DefaultClientTimeout = 2 * time.Minute

// Client is an icpcheck.Store that works against a remote icpcheck server through its REST
// API, signing each request with an AccessKey pair (V3). The server decides what the key may
// see and do; refusals come back as the *icpcheck.Error the server refused with, same Code,
// Reason, Field and Checks. A Client is safe for concurrent use.
type Client struct {
	URL             *url.URL // the server's base URL
	AccessKeyID     string
	AccessKeySecret string
	Lang            i18n.Lang // asked for in Accept-Language; errors are re-rendered locally anyway
	HTTPClient      *http.Client
	Now             func() time.Time
}

var _ icpcheck.Store = (*Client)(nil)

// NewClient returns a client of the server at rawURL (http:// or https://).
func NewClient(rawURL, keyID, secret string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(rawURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, icpcheck.Invalid("server", "bad_server_url", rawURL)
	}
	return &Client{
		URL:             u,
		AccessKeyID:     keyID,
		AccessKeySecret: secret,
		Lang:            i18n.ZH,
		HTTPClient:      &http.Client{Timeout: DefaultClientTimeout},
		Now:             time.Now,
	}, nil
}

// Close releases the client's idle connections.
func (c *Client) Close() error {
	c.HTTPClient.CloseIdleConnections()
	return nil
}

// Ping reports whether the server is ready: up, with its database reachable.
func (c *Client) Ping(ctx context.Context) error {
	return c.call(ctx, http.MethodGet, "/readyz", nil, nil, nil)
}

// call sends one signed request and decodes a 2xx answer into out (when out is not nil) or
// a refusal into an *icpcheck.Error.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return icpcheck.Internal("http.client.encode", err)
		}
	}
	u := *c.URL
	u.Path = c.URL.Path + path
	u.RawPath = ""
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return icpcheck.Internal("http.client.request", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Accept-Language", string(c.Lang))
	signature.SignV3(req, body, c.AccessKeyID, c.AccessKeySecret, c.Now(), newNonce())
	resp, err := c.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &icpcheck.Error{Code: icpcheck.EUNAVAILABLE, Reason: "server_unreachable", Params: []any{c.URL.Host}, Op: "http.client", Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseSize+1))
	switch {
	case err != nil:
		return &icpcheck.Error{Code: icpcheck.EUNAVAILABLE, Reason: "server_unreachable", Params: []any{c.URL.Host}, Op: "http.client", Err: err}
	case len(data) > MaxResponseSize:
		return badResponse(resp.StatusCode, errors.New("response too large"))
	case resp.StatusCode >= 300:
		return responseError(resp.StatusCode, data)
	case out == nil || resp.StatusCode == http.StatusNoContent:
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return badResponse(resp.StatusCode, err)
	}
	return nil
}

// responseError reads a refusal: the REST API's error document, or for a response without
// one (a proxy's page, say) an error of the status's code.
func responseError(status int, data []byte) error {
	var doc ErrorResponse
	if err := json.Unmarshal(data, &doc); err != nil || doc.Error.Code == "" {
		return badResponse(status, fmt.Errorf("status %d without an error document", status))
	}
	return doc.Error.asError(status)
}

func badResponse(status int, err error) error {
	code := errorCodeOf(status)
	if status < 300 {
		code = icpcheck.EINTERNAL
	}
	reason := "bad_response"
	if code == icpcheck.EUNAVAILABLE {
		reason = "server_unreachable"
	}
	return &icpcheck.Error{Code: code, Reason: reason, Params: []any{status}, Op: "http.client", Err: err}
}

// newNonce returns a random nonce for one signature.
func newNonce() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// pathEscape escapes one path segment (an id).
func pathEscape(s string) string { return url.PathEscape(s) }
