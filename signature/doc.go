// Package signature verifies and makes Alibaba Cloud's two request signatures, so that
// Alibaba Cloud's own SDKs, old and current, sign requests to icpcheck exactly as they sign
// requests to Alibaba Cloud, and so that icpcheck's own clients sign the same way.
//
// V1 is the RPC signature of the older SDKs (github.com/aliyun/alibaba-cloud-sdk-go):
// the parameters SignatureMethod=HMAC-SHA1, SignatureVersion=1.0, AccessKeyId,
// SignatureNonce, Timestamp and Signature travel with the request's other parameters in the
// query or a form body, and Signature is
//
//	Base64(HMAC-SHA1(secret + "&", Method + "&%2F&" + percentEncode(CanonicalizedQueryString)))
//
// over every parameter but Signature, sorted by name and percent-encoded as RFC 3986 says.
// Alibaba Cloud's documents call it "V2" in their newer pages; the wire names it 1.0.
//
// V3 is the signature of the current SDKs (github.com/alibabacloud-go/darabonba-openapi):
//
//	Authorization: ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<names>,Signature=<hex>
//
// where Signature is hex(HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex(SHA256(CanonicalRequest))))
// and the canonical request is the method, the path, the sorted query, the signed headers
// (lower-case name, colon, trimmed value), their names, and the hex SHA-256 of the body that
// the x-acs-content-sha256 header also carries.
//
// Both carry a timestamp (Timestamp, x-acs-date) that must be within the verifier's window
// of the server's clock, and a nonce (SignatureNonce, x-acs-signature-nonce) that the store
// records so that a replayed request is refused. Every refusal is an *Error with the gateway
// code and HTTP status that Alibaba Cloud's own gateway answers with, so that the SDKs
// surface it the way they surface Alibaba Cloud's.
package signature
