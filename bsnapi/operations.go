package bsnapi

import (
	"context"
	"errors"
	"sort"
	"strconv"

	"github.com/icpcheck/icpcheck"
)

// operation runs one Action for an authenticated actor (also on ctx) and returns the body of
// its response.
type operation func(h *handler, ctx context.Context, actor icpcheck.Actor, p params, requestID string) (any, error)

var operations = map[string]operation{
	"ProductBindBsn":   (*handler).productBindBsn,
	"GetBsnByResource": (*handler).getBsnByResource,
	"GetBsnBySn":       (*handler).getBsnBySn,
	"GrantBsnCode":     (*handler).grantBsnCode,
}

// opSource is GetBsnBySn's constant opSource: Alibaba Cloud documents it as always 2.
const opSource = 2

// bsnList is the response of ProductBindBsn and GetBsnByResource: numbers as strings under
// datas.bsnDO, which the generated SDK models decode as a list of strings.
type bsnList struct {
	RequestID string   `json:"requestId"`
	Datas     bsnDatas `json:"datas"`
}

type bsnDatas struct {
	BsnDO []string `json:"bsnDO"`
}

// bsnDetail is the response of GetBsnBySn.
type bsnDetail struct {
	RequestID    string `json:"requestId"`
	SN           string `json:"sn"`
	Status       int    `json:"status"`
	BeianNum     string `json:"beianNum"`
	AliUID       int64  `json:"aliUid"`
	ResourceType int    `json:"resourceType"`
	ResourceID   string `json:"resourceId"`
	OpSource     int    `json:"opSource"`
}

// grantResult is the response of GrantBsnCode, whose fields Alibaba Cloud spells in
// upper camel case unlike the other three.
type grantResult struct {
	RequestID     string `json:"RequestId"`
	SN            string `json:"Sn"`
	AliUID        int64  `json:"AliUid"`
	GrantToAliuid int64  `json:"GrantToAliuid"`
	Notes         string `json:"Notes"`
	Success       bool   `json:"Success"`
}

// errorBody is every error response.
type errorBody struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
}

// productBindBsn issues num new numbers to an instance of aliuid, all or nothing.
func (h *handler) productBindBsn(ctx context.Context, actor icpcheck.Actor, p params, requestID string) (any, error) {
	rule, id, owner, err := h.resource(p)
	if err != nil {
		return nil, err
	}
	num, err := p.num()
	if err != nil {
		return nil, err
	}
	if err := actFor(actor, owner); err != nil {
		return nil, err
	}
	numbers, err := h.store.IssueNumbers(ctx, icpcheck.IssueRequest{InstanceID: id, Owner: owner, Product: rule.Name, Num: num})
	if err != nil {
		return nil, err
	}
	return &bsnList{RequestID: requestID, Datas: bsnDatas{BsnDO: sns(numbers)}}, nil
}

// getBsnByResource lists every number of an instance of aliuid, in issue order.
func (h *handler) getBsnByResource(ctx context.Context, actor icpcheck.Actor, p params, requestID string) (any, error) {
	rule, id, owner, err := h.resource(p)
	if err != nil {
		return nil, err
	}
	if err := actFor(actor, owner); err != nil {
		return nil, err
	}
	rec, err := h.store.FindInstance(ctx, id)
	switch {
	case err != nil:
		return nil, err
	case rec.Instance.Product != rule.Name:
		// As IssueNumbers does, an instance of another product is not the instance asked for.
		return nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "instance_not_found")
	case rec.Instance.Owner != owner:
		return nil, refuse(CodeNotOwner, "", owner, clip(id))
	}
	var all []*icpcheck.ServiceNumber
	for {
		page, total, err := h.store.FindNumbers(ctx, icpcheck.NumberFilter{
			InstanceID: id, Offset: len(all), Limit: icpcheck.MaxPageSize,
		})
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) == 0 || len(all) >= total {
			break
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Seq < all[j].Seq })
	return &bsnList{RequestID: requestID, Datas: bsnDatas{BsnDO: sns(all)}}, nil
}

// getBsnBySn describes one number the actor owns or was granted.
func (h *handler) getBsnBySn(ctx context.Context, actor icpcheck.Actor, p params, requestID string) (any, error) {
	sn, err := p.sn("sn")
	if err != nil {
		return nil, err
	}
	n, err := h.store.FindNumber(ctx, sn)
	if err != nil {
		return nil, err
	}
	rule := h.policy.Product(n.Product)
	if rule == nil || rule.ResourceType == 0 {
		// The number is of a product that the policy serves through REST only.
		return nil, refuse(CodeProductType, "product", n.Product)
	}
	owner, err := aliuid(n.Owner)
	if err != nil {
		return nil, err
	}
	return &bsnDetail{
		RequestID:    requestID,
		SN:           n.SN,
		Status:       int(n.State),
		BeianNum:     n.BeianNum,
		AliUID:       owner,
		ResourceType: rule.ResourceType,
		ResourceID:   n.InstanceID,
		OpSource:     opSource,
	}, nil
}

// grantBsnCode grants an unbound number of AliUid to GrantToAliuid.
func (h *handler) grantBsnCode(ctx context.Context, actor icpcheck.Actor, p params, requestID string) (any, error) {
	sn, err := p.sn("Sn")
	if err != nil {
		return nil, err
	}
	owner, err := p.accountAlias("AliUid", "Aliuid")
	if err != nil {
		return nil, err
	}
	grantee, err := p.account("GrantToAliuid")
	if err != nil {
		return nil, err
	}
	notes, err := p.notes()
	if err != nil {
		return nil, err
	}
	if err := actFor(actor, owner); err != nil {
		return nil, err
	}
	n, err := h.store.GrantNumber(ctx, sn, owner, grantee, notes)
	if err != nil {
		return nil, err
	}
	ownerID, err := aliuid(n.Owner)
	if err != nil {
		return nil, err
	}
	granteeID, err := aliuid(n.GrantedTo)
	if err != nil {
		return nil, err
	}
	return &grantResult{
		RequestID: requestID, SN: n.SN, AliUID: ownerID, GrantToAliuid: granteeID, Notes: n.GrantNotes, Success: true,
	}, nil
}

// resource reads the resourceType, resourceId and aliuid that name an instance of an account.
func (h *handler) resource(p params) (rule *icpcheck.ProductRule, id, owner string, err error) {
	for _, name := range []string{"resourceType", "resourceId", "aliuid"} {
		if _, err := p.required(name); err != nil {
			return nil, "", "", err
		}
	}
	if rule, err = p.product(h.policy); err != nil {
		return nil, "", "", err
	}
	if id, err = p.resourceID(); err != nil {
		return nil, "", "", err
	}
	if owner, err = p.account("aliuid"); err != nil {
		return nil, "", "", err
	}
	return rule, id, owner, nil
}

// actFor refuses a customer naming an account other than its own (604); an admin acts for
// any account.
func actFor(actor icpcheck.Actor, account string) error {
	if !actor.CanActFor(account) {
		return refuse(CodeAccountMismatch, "", account, actor.Account)
	}
	return nil
}

// aliuid converts a stored account id to the int64 that the API's aliUid fields carry.
func aliuid(account string) (int64, error) {
	n, err := strconv.ParseInt(account, 10, 64)
	if err != nil || !icpcheck.ValidAccountID(account) {
		return 0, icpcheck.Internal("bsnapi.aliuid", errors.Join(errBadStoredAccount, err))
	}
	return n, nil
}

var errBadStoredAccount = errors.New("bsnapi: the store holds an account id that is not an aliuid")

func sns(numbers []*icpcheck.ServiceNumber) []string {
	out := make([]string, len(numbers))
	for i, n := range numbers {
		out[i] = n.SN
	}
	return out
}
