package signature_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"

	"github.com/icpcheck/icpcheck/signature"
)

// capture is a server that verifies every request it receives and remembers the outcome.
type capture struct {
	*httptest.Server
	mu      sync.Mutex
	results []error
}

func newCapture(tb testing.TB, v *signature.Verifier) *capture {
	tb.Helper()
	c := &capture{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, err := v.Verify(r, body)
		c.mu.Lock()
		c.results = append(c.results, err)
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if e, ok := signature.AsError(err); ok {
			w.WriteHeader(e.Status)
			json.NewEncoder(w).Encode(map[string]string{"RequestId": "r", "HostId": r.Host, "Code": e.Code, "Message": e.Message})
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"RequestId": "r"})
	}))
	tb.Cleanup(c.Close)
	return c
}

func (c *capture) last(tb testing.TB) error {
	tb.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.results) == 0 {
		tb.Fatal("the server received no request")
	}
	return c.results[len(c.results)-1]
}

func (c *capture) host() string { u, _ := url.Parse(c.URL); return u.Host }

func TestSDK_CurrentV3Verifies(t *testing.T) {
	srv := newCapture(t, &signature.Verifier{Keys: newKeys("key1", "secret1")})
	client, err := openapi.NewClient(&openapiutil.Config{
		AccessKeyId: dara.String("key1"), AccessKeySecret: dara.String("secret1"),
		Endpoint: dara.String(srv.host()), Protocol: dara.String("HTTP"),
	})
	if err != nil {
		t.Fatal(err)
	}
	params := &openapiutil.Params{
		Action: dara.String("ProductBindBsn"), Version: dara.String("2015-05-12"), Protocol: dara.String("HTTPS"),
		Pathname: dara.String("/"), Method: dara.String("POST"), AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}
	for name, req := range map[string]*openapiutil.OpenApiRequest{
		"Query": {Query: openapiutil.Query(map[string]any{"resourceType": 1, "resourceId": "i-bp1 中文*~", "aliuid": int64(1234567890123456), "num": 2})},
		"Form":  {Body: map[string]any{"resourceId": "i-bp1 中文*~", "num": 2}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := client.CallApi(params, req, &dara.RuntimeOptions{}); err != nil {
				t.Fatalf("CallApi: %v", err)
			}
			if err := srv.last(t); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestSDK_CurrentV3WrongSecret(t *testing.T) {
	srv := newCapture(t, &signature.Verifier{Keys: newKeys("key1", "secret1")})
	client, err := openapi.NewClient(&openapiutil.Config{
		AccessKeyId: dara.String("key1"), AccessKeySecret: dara.String("wrong"),
		Endpoint: dara.String(srv.host()), Protocol: dara.String("HTTP"),
	})
	if err != nil {
		t.Fatal(err)
	}
	params := &openapiutil.Params{
		Action: dara.String("GetBsnBySn"), Version: dara.String("2015-05-12"), Protocol: dara.String("HTTP"),
		Pathname: dara.String("/"), Method: dara.String("POST"), AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}
	_, err = client.CallApi(params, &openapiutil.OpenApiRequest{Query: map[string]*string{"sn": dara.String("x")}}, &dara.RuntimeOptions{})
	wantRefusal(t, srv.last(t), signature.CodeSignatureDoesNotMatch, 400)
	if err == nil {
		t.Fatal("CallApi succeeded with a wrong secret")
	}
}

func TestSDK_OlderV1Verifies(t *testing.T) {
	srv := newCapture(t, &signature.Verifier{Keys: newKeys("key1", "secret1")})
	client, err := sdk.NewClientWithAccessKey("cn-hangzhou", "key1", "secret1")
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"POST", "GET"} {
		t.Run(method, func(t *testing.T) {
			req := requests.NewCommonRequest()
			req.Method = method
			req.Scheme = "http"
			req.Domain = srv.host()
			req.Product = "Bsn"
			req.Version = "2015-05-12"
			req.ApiName = "ProductBindBsn"
			req.QueryParams["resourceId"] = "i-bp1 中文*~+"
			req.QueryParams["num"] = "2"
			if method == "POST" {
				req.FormParams["aliuid"] = "1234567890123456"
			}
			if _, err := client.ProcessCommonRequest(req); err != nil {
				t.Fatalf("ProcessCommonRequest: %v", err)
			}
			if err := srv.last(t); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestSDK_OlderV1Refusals(t *testing.T) {
	keys := newKeys("key1", "secret1")
	now := time.Now()
	srv := newCapture(t, &signature.Verifier{Keys: keys, Now: func() time.Time { return now.Add(time.Hour) }})
	client, err := sdk.NewClientWithAccessKey("cn-hangzhou", "key1", "secret1")
	if err != nil {
		t.Fatal(err)
	}
	req := requests.NewCommonRequest()
	req.Scheme, req.Domain, req.Product, req.Version, req.ApiName = "http", srv.host(), "Bsn", "2015-05-12", "GetBsnBySn"
	_, err = client.ProcessCommonRequest(req)
	wantRefusal(t, srv.last(t), signature.CodeTimestampExpired, 400)
	if err == nil {
		t.Fatal("a stale request succeeded")
	}
}
