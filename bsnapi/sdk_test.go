package bsnapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/bsnapi"
)

// sdkClient is one of Alibaba Cloud's SDKs pointed at the test server: call sends one Action
// as that SDK sends it and returns the body, or the SDK's own error.
type sdkClient interface {
	call(tb testing.TB, action string, params map[string]string) (body []byte, err error)
}

// sdkError returns the code and HTTP status that an SDK's own error type carries, and its
// whole text.
func sdkError(tb testing.TB, err error) (code string, status int, text string) {
	tb.Helper()
	var te *tea.SDKError
	var se *sdkerrors.ServerError
	switch {
	case errors.As(err, &te):
		return tea.StringValue(te.Code), tea.IntValue(te.StatusCode), err.Error()
	case errors.As(err, &se):
		return se.ErrorCode(), se.HttpStatus(), err.Error() + " " + se.Recommend()
	}
	tb.Fatalf("%v (%T) is neither SDK's error type", err, err)
	return "", 0, ""
}

// currentSDK is github.com/alibabacloud-go/darabonba-openapi/v2 with the V3 signature, called
// with exactly the Params of the generated Bsn client (bsn-20150512): RPC, POST, formData,
// the operation's parameters in the query.
type currentSDK struct {
	client  *openapi.Client
	version string
}

func newCurrentSDK(tb testing.TB, e *env, key *icpcheck.AccessKey) *currentSDK {
	tb.Helper()
	client, err := openapi.NewClient(&openapiutil.Config{
		AccessKeyId: dara.String(key.ID), AccessKeySecret: dara.String(key.Secret),
		Endpoint: dara.String(e.host()), Protocol: dara.String("HTTP"), RegionId: dara.String("cn-hangzhou"),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return &currentSDK{client: client, version: bsnapi.APIVersion}
}

func (c *currentSDK) call(tb testing.TB, action string, params map[string]string) ([]byte, error) {
	tb.Helper()
	query := map[string]*string{}
	for k, v := range params {
		query[k] = dara.String(v)
	}
	res, err := c.client.CallApi(&openapiutil.Params{
		Action: dara.String(action), Version: dara.String(c.version), Protocol: dara.String("HTTPS"),
		Pathname: dara.String("/"), Method: dara.String("POST"), AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}, &openapiutil.OpenApiRequest{Query: query}, &dara.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	// The generated client converts the result into its response model this way.
	var meta struct {
		StatusCode *int32 `json:"statusCode"`
	}
	if err := dara.Convert(res, &meta); err != nil {
		tb.Fatal(err)
	}
	body, err := json.Marshal(res["body"])
	if err != nil {
		tb.Fatal(err)
	}
	if tea.Int32Value(meta.StatusCode) != 200 {
		tb.Fatalf("CallApi: status %d without an error", tea.Int32Value(meta.StatusCode))
	}
	return body, nil
}

// olderSDK is github.com/aliyun/alibaba-cloud-sdk-go with requests.NewCommonRequest and the
// V1 signature.
type olderSDK struct {
	client  *sdk.Client
	host    string
	version string
}

func newOlderSDK(tb testing.TB, e *env, key *icpcheck.AccessKey) *olderSDK {
	tb.Helper()
	client, err := sdk.NewClientWithAccessKey("cn-hangzhou", key.ID, key.Secret)
	if err != nil {
		tb.Fatal(err)
	}
	return &olderSDK{client: client, host: e.host(), version: bsnapi.APIVersion}
}

func (c *olderSDK) call(tb testing.TB, action string, params map[string]string) ([]byte, error) {
	tb.Helper()
	req := requests.NewCommonRequest()
	req.Method = requests.POST
	req.Scheme = "http"
	req.Domain = c.host
	req.Product = "Bsn"
	req.Version = c.version
	req.ApiName = action
	for k, v := range params {
		req.QueryParams[k] = v
	}
	res, err := c.client.ProcessCommonRequest(req)
	if err != nil {
		return nil, err
	}
	if res.GetHttpStatus() != 200 {
		tb.Fatalf("ProcessCommonRequest: status %d without an error", res.GetHttpStatus())
	}
	return res.GetHttpContentBytes(), nil
}

// Models as the generated Bsn client declares them: the SDK decodes into these types, so a
// field of the wrong JSON type fails the decode.
type (
	bsnListModel struct {
		RequestId *string `json:"requestId"`
		Datas     *struct {
			BsnDO []*string `json:"bsnDO"`
		} `json:"datas"`
	}
	bsnDetailModel struct {
		RequestId    *string `json:"requestId"`
		Sn           *string `json:"sn"`
		Status       *int32  `json:"status"`
		BeianNum     *string `json:"beianNum"`
		AliUid       *int64  `json:"aliUid"`
		ResourceType *int32  `json:"resourceType"`
		ResourceId   *string `json:"resourceId"`
		OpSource     *int32  `json:"opSource"`
	}
	grantModel struct {
		AliUid        *int64  `json:"AliUid"`
		GrantToAliuid *int64  `json:"GrantToAliuid"`
		Notes         *string `json:"Notes"`
		RequestId     *string `json:"RequestId"`
		Sn            *string `json:"Sn"`
		Success       *bool   `json:"Success"`
	}
)

// decode decodes a body strictly into a model, failing on a field the model lacks.
func decode(tb testing.TB, body []byte, model any) {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(model); err != nil {
		tb.Fatalf("decoding %s into %T: %v", body, model, err)
	}
}

// sdks opens each SDK with a key, and with a key and another Version.
var sdks = []struct {
	name string
	open func(tb testing.TB, e *env, key *icpcheck.AccessKey) sdkClient
	with func(tb testing.TB, e *env, key *icpcheck.AccessKey, version string) sdkClient
}{
	{
		"CurrentV3",
		func(tb testing.TB, e *env, key *icpcheck.AccessKey) sdkClient { return newCurrentSDK(tb, e, key) },
		func(tb testing.TB, e *env, key *icpcheck.AccessKey, version string) sdkClient {
			c := newCurrentSDK(tb, e, key)
			c.version = version
			return c
		},
	},
	{
		"OlderV1",
		func(tb testing.TB, e *env, key *icpcheck.AccessKey) sdkClient { return newOlderSDK(tb, e, key) },
		func(tb testing.TB, e *env, key *icpcheck.AccessKey, version string) sdkClient {
			c := newOlderSDK(tb, e, key)
			c.version = version
			return c
		},
	},
}

func TestSDKs_EndToEnd(t *testing.T) {
	for _, tc := range sdks {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			a, b := tc.open(t, e, e.keys[alice]), tc.open(t, e, e.keys[bob])
			ok := func(c sdkClient, action string, params map[string]string, model any) {
				t.Helper()
				body, err := c.call(t, action, params)
				if err != nil {
					t.Fatalf("%s: %v", action, err)
				}
				decode(t, body, model)
			}
			refused := func(c sdkClient, action string, params map[string]string, wantCode string, wantStatus int) {
				t.Helper()
				wantSDKError(t, c, action, params, wantCode, wantStatus)
			}
			instance := map[string]string{"resourceType": "1", "resourceId": "i-alice-1", "aliuid": alice}
			withNum := func(n string) map[string]string {
				m := map[string]string{"num": n}
				for k, v := range instance {
					m[k] = v
				}
				return m
			}

			// Issue, then list: the list is the issued numbers in issue order.
			var issued, more bsnListModel
			ok(a, "ProductBindBsn", withNum("2"), &issued)
			ok(a, "ProductBindBsn", withNum("3"), &more)
			var listed bsnListModel
			ok(a, "GetBsnByResource", instance, &listed)
			want := append(tea.StringSliceValue(issued.Datas.BsnDO), tea.StringSliceValue(more.Datas.BsnDO)...)
			if got := tea.StringSliceValue(listed.Datas.BsnDO); strings.Join(got, ",") != strings.Join(want, ",") || len(got) != 5 {
				t.Fatalf("listed %v, want %v", got, want)
			}

			// Past the quota of 5, and num outside 1..20.
			refused(a, "ProductBindBsn", withNum("1"), bsnapi.CodeQuotaReached, 400)
			refused(a, "ProductBindBsn", withNum("21"), bsnapi.CodeNumOutOfRange, 400)
			refused(a, "ProductBindBsn", withNum("0"), bsnapi.CodeNumOutOfRange, 400)

			// Look up.
			sn := want[0]
			var detail bsnDetailModel
			ok(a, "GetBsnBySn", map[string]string{"sn": sn}, &detail)
			if tea.StringValue(detail.Sn) != sn || tea.Int32Value(detail.Status) != 0 || tea.Int64Value(detail.AliUid) != 1234567890123456 ||
				tea.Int32Value(detail.ResourceType) != 1 || tea.StringValue(detail.ResourceId) != "i-alice-1" ||
				tea.Int32Value(detail.OpSource) != 2 || detail.BeianNum == nil || *detail.BeianNum != "" {
				t.Fatalf("GetBsnBySn = %s", mustJSON(t, detail))
			}

			// Grant to bob, who may then look the number up; before, he may not.
			refused(b, "GetBsnBySn", map[string]string{"sn": sn}, bsnapi.CodeSNNotFound, 400)
			var grant grantModel
			ok(a, "GrantBsnCode", map[string]string{"Sn": sn, "AliUid": alice, "GrantToAliuid": bob, "Notes": "授予子公司使用"}, &grant)
			if !tea.BoolValue(grant.Success) || tea.Int64Value(grant.GrantToAliuid) != 2234567890123456 || tea.StringValue(grant.Sn) != sn {
				t.Fatalf("GrantBsnCode = %s", mustJSON(t, grant))
			}
			ok(b, "GetBsnBySn", map[string]string{"sn": sn}, &detail)

			// Another customer's aliuid, a bad Version, a bad Action.
			refused(b, "GetBsnByResource", instance, bsnapi.CodeAccountMismatch, 403)
			refused(b, "GrantBsnCode", map[string]string{"Sn": want[1], "AliUid": alice, "GrantToAliuid": bob}, bsnapi.CodeAccountMismatch, 403)
			refused(a, "DeleteBsn", instance, bsnapi.CodeInvalidAction, 404)
		})
	}
}

// wantSDKError fails unless the call fails with code and status in the SDK's own error type.
func wantSDKError(tb testing.TB, c sdkClient, action string, params map[string]string, code string, status int) string {
	tb.Helper()
	_, err := c.call(tb, action, params)
	if err == nil {
		tb.Fatalf("%s succeeded, want %d %s", action, status, code)
	}
	gotCode, gotStatus, text := sdkError(tb, err)
	if gotCode != code || gotStatus != status {
		tb.Fatalf("%s: %d %s, want %d %s (%s)", action, gotStatus, gotCode, status, code, text)
	}
	return text
}

func TestSDKs_Refusals(t *testing.T) {
	for _, tc := range sdks {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			real := e.keys[alice]
			sn := e.issue(t, "i-alice-1", alice, 1)[0]
			lookup := map[string]string{"sn": sn}

			// A wrong secret: the refusal names neither secret.
			wrong := &icpcheck.AccessKey{ID: real.ID, Secret: "not-the-secret"}
			text := wantSDKError(t, tc.open(t, e, wrong), "GetBsnBySn", lookup, "SignatureDoesNotMatch", 400)
			if strings.Contains(text, real.Secret) || strings.Contains(text, wrong.Secret) {
				t.Fatalf("the refusal holds a secret: %s", text)
			}
			if tc.name == "OlderV1" && !strings.Contains(text, "InvalidAccessKeySecret") {
				// The older SDK compares the server's string to sign with its own and, when
				// they are equal, tells its user that the secret is wrong.
				t.Fatalf("the server's string to sign differs from the SDK's: %s", text)
			}

			// An unknown key.
			unknown := &icpcheck.AccessKey{ID: "LTAI5tNoSuchKey", Secret: real.Secret}
			wantSDKError(t, tc.open(t, e, unknown), "GetBsnBySn", lookup, "InvalidAccessKeyId.NotFound", 404)

			// A stale timestamp: the server's clock runs 20 minutes ahead of the SDK's.
			e.skew.Store(int64(20 * time.Minute / time.Second))
			wantSDKError(t, tc.open(t, e, real), "GetBsnBySn", lookup, "InvalidTimeStamp.Expired", 400)
			e.skew.Store(0)

			// Another customer's aliuid, a bad Version, a bad Action.
			wantSDKError(t, tc.open(t, e, e.keys[bob]), "GetBsnByResource",
				map[string]string{"resourceType": "1", "resourceId": "i-alice-1", "aliuid": alice}, bsnapi.CodeAccountMismatch, 403)
			wantSDKError(t, tc.with(t, e, real, "2020-01-01"), "GetBsnBySn", lookup, bsnapi.CodeInvalidVersion, 400)
			wantSDKError(t, tc.open(t, e, real), "GetBsnBySN", lookup, bsnapi.CodeInvalidAction, 404)

			// The right key still works after all that.
			if _, err := tc.open(t, e, real).call(t, "GetBsnBySn", lookup); err != nil {
				t.Fatalf("GetBsnBySn: %v", err)
			}
		})
	}
}
