package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/icpcheck/icpcheck"
)

// The methods below implement icpcheck.Store over the REST API, one route each; the server
// enforces who may do what, so the client passes every argument through unchanged.

func (c *Client) CreateAccessKey(ctx context.Context, account string, role icpcheck.Role) (*icpcheck.AccessKey, error) {
	var key icpcheck.AccessKey
	err := c.call(ctx, http.MethodPost, "/v1/keys", nil, &KeyBody{Account: account, Role: role}, &key)
	return orNil(&key, err)
}

// FindAccessKey returns the key without its secret: a server never sends a secret after
// creating it, so a remote client cannot verify signatures with it.
func (c *Client) FindAccessKey(ctx context.Context, id string) (*icpcheck.AccessKey, error) {
	var key icpcheck.AccessKey
	err := c.call(ctx, http.MethodGet, "/v1/keys/"+pathEscape(id), nil, nil, &key)
	return orNil(&key, err)
}

func (c *Client) FindAccessKeys(ctx context.Context, account string) ([]*icpcheck.AccessKey, error) {
	var keys AccessKeys
	err := c.call(ctx, http.MethodGet, "/v1/keys", values("account", account), nil, &keys)
	return keys.Keys, err
}

func (c *Client) DeleteAccessKey(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, "/v1/keys/"+pathEscape(id), nil, nil, nil)
}

func (c *Client) FindAccount(ctx context.Context, id string) (*icpcheck.Account, error) {
	var a icpcheck.Account
	err := c.call(ctx, http.MethodGet, "/v1/accounts/"+pathEscape(id), nil, nil, &a)
	return orNil(&a, err)
}

// UseNonce is done by the server itself for every signed request, this client's included;
// there is no route to record a nonce on a server's behalf.
func (c *Client) UseNonce(ctx context.Context, keyID, nonce string, expires time.Time) error {
	return icpcheck.Errorf(icpcheck.EFORBIDDEN, "server_only")
}

func (c *Client) PutInstance(ctx context.Context, in *icpcheck.Instance) (icpcheck.PutAction, error) {
	if err := in.Validate(); err != nil {
		return "", err
	}
	var res PutResult
	err := c.call(ctx, http.MethodPut, "/v1/instances/"+pathEscape(in.ID), nil, in, &res)
	return res.Action, err
}

// PutInstances sends the batch to the REST import in one request, which the server puts in one
// transaction (a batch is at most icpcheck.MaxPutBatch). Instances that do not validate are
// refused here without being sent.
func (c *Client) PutInstances(ctx context.Context, ins []*icpcheck.Instance) ([]icpcheck.PutResult, error) {
	if len(ins) > icpcheck.MaxPutBatch {
		return nil, icpcheck.Invalid("", "batch_too_large", icpcheck.MaxPutBatch)
	}
	results := make([]icpcheck.PutResult, len(ins))
	send := make([]*icpcheck.Instance, 0, len(ins)) // never nil: an empty batch is "[]"
	at := make([]int, 0, len(ins))                  // the result of each of send
	for i, in := range ins {
		if in == nil {
			results[i].Err = icpcheck.Invalid("", "required")
			continue
		}
		if err := in.Validate(); err != nil {
			results[i].Err = err
			continue
		}
		send, at = append(send, in), append(at, i)
	}
	var imp Import
	if err := c.call(ctx, http.MethodPost, "/v1/instances", nil, send, &imp); err != nil {
		return nil, err
	}
	if len(imp.Results) != len(send) {
		return nil, badResponse(http.StatusOK, fmt.Errorf("%d results for %d instances", len(imp.Results), len(send)))
	}
	for _, r := range imp.Results {
		if r.Index < 0 || r.Index >= len(at) {
			return nil, badResponse(http.StatusOK, fmt.Errorf("result for instance %d of %d", r.Index, len(send)))
		}
		res := &results[at[r.Index]]
		if r.Error != nil {
			res.Err = r.Error.asError(ErrorStatus(r.Error.Kind))
		} else {
			res.Action = r.Action
		}
	}
	return results, nil
}

func (c *Client) FindInstance(ctx context.Context, id string) (*icpcheck.InstanceRecord, error) {
	var rec icpcheck.InstanceRecord
	err := c.call(ctx, http.MethodGet, "/v1/instances/"+pathEscape(id), nil, nil, &rec)
	return orNil(&rec, err)
}

func (c *Client) FindInstances(ctx context.Context, f icpcheck.InstanceFilter) ([]*icpcheck.InstanceRecord, int, error) {
	q := values("owner", f.Owner, "product", f.Product, "status", string(f.Status))
	for _, id := range f.IDs {
		q.Add("id", id)
	}
	page(q, f.Offset, f.Limit)
	var list List[*icpcheck.InstanceRecord]
	err := c.call(ctx, http.MethodGet, "/v1/instances", q, nil, &list)
	return list.Items, list.Total, err
}

func (c *Client) CheckInstance(ctx context.Context, id string, at time.Time) (*icpcheck.CheckResult, error) {
	q := url.Values{}
	if !at.IsZero() {
		q.Set("at", at.Format(time.RFC3339Nano))
	}
	var rep Report
	if err := c.call(ctx, http.MethodGet, "/v1/instances/"+pathEscape(id)+"/check", q, nil, &rep); err != nil {
		return nil, err
	}
	return rep.Result(), nil
}

func (c *Client) IssueNumbers(ctx context.Context, req icpcheck.IssueRequest) ([]*icpcheck.ServiceNumber, error) {
	body := &IssueBody{Num: &req.Num, Owner: req.Owner, Product: req.Product}
	var res Numbers
	err := c.call(ctx, http.MethodPost, "/v1/instances/"+pathEscape(req.InstanceID)+"/numbers", nil, body, &res)
	return res.Numbers, err
}

func (c *Client) FindNumber(ctx context.Context, sn string) (*icpcheck.ServiceNumber, error) {
	var n icpcheck.ServiceNumber
	err := c.call(ctx, http.MethodGet, "/v1/numbers/"+pathEscape(sn), nil, nil, &n)
	return orNil(&n, err)
}

func (c *Client) FindNumbers(ctx context.Context, f icpcheck.NumberFilter) ([]*icpcheck.ServiceNumber, int, error) {
	q := values("instance_id", f.InstanceID, "account", f.Account)
	if f.State != nil {
		q.Set("state", strconv.Itoa(int(*f.State)))
	}
	page(q, f.Offset, f.Limit)
	var list List[*icpcheck.ServiceNumber]
	err := c.call(ctx, http.MethodGet, "/v1/numbers", q, nil, &list)
	return list.Items, list.Total, err
}

func (c *Client) GrantNumber(ctx context.Context, sn, owner, grantee, notes string) (*icpcheck.ServiceNumber, error) {
	if grantee == "" {
		return nil, icpcheck.Invalid("grant_to", "required")
	}
	var n icpcheck.ServiceNumber
	body := &GrantBody{GrantTo: grantee, Owner: owner, Notes: notes}
	err := c.call(ctx, http.MethodPost, "/v1/numbers/"+pathEscape(sn)+"/grant", nil, body, &n)
	return orNil(&n, err)
}

func (c *Client) VoidNumber(ctx context.Context, sn, reason string) (*icpcheck.ServiceNumber, error) {
	var n icpcheck.ServiceNumber
	err := c.call(ctx, http.MethodPost, "/v1/numbers/"+pathEscape(sn)+"/void", nil, &VoidBody{Reason: reason}, &n)
	return orNil(&n, err)
}

func (c *Client) CreateFiling(ctx context.Context, req icpcheck.FilingCreate) (*icpcheck.Filing, error) {
	body := &FilingBody{Type: req.Type, Filer: req.Filer, SN: req.SN, InstanceID: req.InstanceID,
		Domains: req.Domains, AppName: req.AppName, Access: accessBody(req.Access)}
	var f icpcheck.Filing
	err := c.call(ctx, http.MethodPost, "/v1/filings", nil, body, &f)
	return orNil(&f, err)
}

func accessBody(a icpcheck.AccessInfo) AccessBody {
	b := AccessBody{Provider: a.Provider, Method: a.Method, Region: a.Region, IPs: make([]string, len(a.IPs))}
	for i, ip := range a.IPs {
		b.IPs[i] = ip.String()
	}
	return b
}

func (c *Client) FindFiling(ctx context.Context, id string) (*icpcheck.Filing, error) {
	return c.filing(ctx, http.MethodGet, id, "", nil)
}

func (c *Client) FindFilings(ctx context.Context, f icpcheck.FilingFilter) ([]*icpcheck.Filing, int, error) {
	q := values("filer", f.Filer, "instance_id", f.InstanceID, "sn", f.SN, "state", string(f.State),
		"type", string(f.Type), "domain", f.Domain)
	page(q, f.Offset, f.Limit)
	var list List[*icpcheck.Filing]
	err := c.call(ctx, http.MethodGet, "/v1/filings", q, nil, &list)
	return list.Items, list.Total, err
}

func (c *Client) UpdateFiling(ctx context.Context, id string, upd icpcheck.FilingUpdate) (*icpcheck.Filing, error) {
	body := &FilingUpdateBody{Domains: upd.Domains, AppName: upd.AppName}
	if upd.Access != nil {
		a := accessBody(*upd.Access)
		body.Access = &a
	}
	return c.filing(ctx, http.MethodPatch, id, "", body)
}

func (c *Client) SubmitFiling(ctx context.Context, id string) (*icpcheck.Filing, error) {
	return c.filing(ctx, http.MethodPost, id, "/submit", nil)
}

func (c *Client) ApproveFiling(ctx context.Context, id, beianNum string) (*icpcheck.Filing, error) {
	return c.filing(ctx, http.MethodPost, id, "/approve", &ApproveBody{BeianNum: beianNum})
}

func (c *Client) RejectFiling(ctx context.Context, id, reason string) (*icpcheck.Filing, error) {
	return c.filing(ctx, http.MethodPost, id, "/reject", &RejectBody{Reason: reason})
}

func (c *Client) DeregisterFiling(ctx context.Context, id string) (*icpcheck.Filing, error) {
	return c.filing(ctx, http.MethodPost, id, "/deregister", nil)
}

func (c *Client) RemoveProvider(ctx context.Context, id string) (*icpcheck.Filing, error) {
	return c.filing(ctx, http.MethodPost, id, "/remove-provider", nil)
}

// filing calls a route of one filing and returns the filing it answers with.
func (c *Client) filing(ctx context.Context, method, id, suffix string, body any) (*icpcheck.Filing, error) {
	var f icpcheck.Filing
	err := c.call(ctx, method, "/v1/filings/"+pathEscape(id)+suffix, nil, body, &f)
	return orNil(&f, err)
}

func (c *Client) FindAuditEvents(ctx context.Context, f icpcheck.AuditFilter) ([]*icpcheck.AuditEvent, error) {
	q := values("subject", f.Subject, "action", f.Action)
	if f.AfterSeq > 0 {
		q.Set("after_seq", strconv.FormatInt(f.AfterSeq, 10))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(min(f.Limit, icpcheck.MaxPageSize)))
	}
	var res AuditEvents
	err := c.call(ctx, http.MethodGet, "/v1/audit", q, nil, &res)
	return res.Events, err
}

func (c *Client) VerifyAudit(ctx context.Context) (*icpcheck.AuditVerification, error) {
	var v icpcheck.AuditVerification
	err := c.call(ctx, http.MethodGet, "/v1/audit/verify", nil, nil, &v)
	return orNil(&v, err)
}

// orNil returns v, or nil with err.
func orNil[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

// values builds a query of name, value pairs, leaving out empty values: a zero filter field
// selects all, as it does locally.
func values(pairs ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	return q
}

// page adds paging to a query the way the store reads it: offset 0 and limit 0 are the
// defaults, and a limit past the largest page is the largest page.
func page(q url.Values, offset, limit int) {
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(min(limit, icpcheck.MaxPageSize)))
	}
}
