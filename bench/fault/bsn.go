package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck/signature"
)

// bsnClient calls the Filing Service API (Alibaba Cloud's Bsn, 2015-05-12) as the older
// SDKs do: parameters signed with signature V1, in the query of a GET or the form body of a
// POST. The http package's client speaks REST only.
type bsnClient struct {
	url  string
	http *http.Client
}

// bsnList is the answer of ProductBindBsn and GetBsnByResource.
type bsnList struct {
	Datas struct {
		BsnDO []string `json:"bsnDO"`
	} `json:"datas"`
}

// call sends one action signed with key and decodes its answer into out; a refusal is a
// *bsnError, no answer a *transportError.
func (c *bsnClient) call(ctx context.Context, key keyPair, method, action string, params url.Values, out any) error {
	params.Set("Action", action)
	params.Set("Version", "2015-05-12")
	var nonce [16]byte
	rand.Read(nonce[:])
	signature.SignV1(params, method, key.ID, key.Secret, time.Now(), hex.EncodeToString(nonce[:]))
	var req *http.Request
	var err error
	if method == http.MethodGet {
		req, err = http.NewRequestWithContext(ctx, method, c.url+"/?"+params.Encode(), nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, c.url+"/", strings.NewReader(params.Encode()))
		if req != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &transportError{err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &transportError{err}
	}
	if resp.StatusCode >= 300 {
		var doc struct{ Code string }
		if json.Unmarshal(data, &doc) != nil || doc.Code == "" {
			doc.Code = "no error document"
		}
		return &bsnError{status: resp.StatusCode, code: doc.Code}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &bsnError{status: resp.StatusCode, code: fmt.Sprintf("undecodable answer: %v", err)}
	}
	return nil
}

// productBindBsn issues num numbers to an instance of owner.
func (c *bsnClient) productBindBsn(ctx context.Context, key keyPair, resourceType int, instanceID, owner string, num int) ([]string, error) {
	var res bsnList
	err := c.call(ctx, key, http.MethodPost, "ProductBindBsn", url.Values{
		"resourceType": {strconv.Itoa(resourceType)}, "resourceId": {instanceID}, "aliuid": {owner}, "num": {strconv.Itoa(num)},
	}, &res)
	return res.Datas.BsnDO, err
}

// getBsnByResource lists every number of an instance of owner.
func (c *bsnClient) getBsnByResource(ctx context.Context, key keyPair, resourceType int, instanceID, owner string) ([]string, error) {
	var res bsnList
	err := c.call(ctx, key, http.MethodGet, "GetBsnByResource", url.Values{
		"resourceType": {strconv.Itoa(resourceType)}, "resourceId": {instanceID}, "aliuid": {owner},
	}, &res)
	return res.Datas.BsnDO, err
}
