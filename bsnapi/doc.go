// Package bsnapi serves Alibaba Cloud's Filing Service API (product Bsn, version
// 2015-05-12) over the icpcheck ledger, so that partner and reseller systems written against
// Alibaba Cloud, and Alibaba Cloud's own SDKs, work against icpcheck with only the endpoint
// changed.
//
// The API is RPC style: GET or POST to /, the Action and Version in the query, a form body or
// (for the current SDKs' V3 signature) the signed x-acs-action and x-acs-version headers, the
// operation's parameters in the query or a form body. Each request is signed with V1 or V3
// (package signature) by an AccessKey pair of the store; a customer's key acts for its own
// aliuid only, an admin's for any.
//
//	ProductBindBsn    resourceType, resourceId, aliuid, num  -> {"requestId", "datas": {"bsnDO": [sn, ...]}}
//	GetBsnByResource  resourceType, resourceId, aliuid       -> the same, every number of the instance in issue order
//	GetBsnBySn        sn                                     -> {"requestId", "sn", "status", "beianNum", "aliUid",
//	                                                             "resourceType", "resourceId", "opSource": 2}
//	GrantBsnCode      Sn, AliUid (or Aliuid), GrantToAliuid, Notes
//	                                                          -> {"RequestId", "Sn", "AliUid", "GrantToAliuid", "Notes", "Success"}
//
// resourceType is the policy's code of a product (ProductRule.ResourceType); a code the
// policy gives no product is refused with 600, and a product without a code is served through
// the REST API only.
//
// # Errors
//
// Every error is a JSON body {"RequestId", "HostId", "Code", "Message"}, the Message in the
// language of Accept-Language (zh-CN by default, or en). A request that never reaches an
// operation gets Alibaba Cloud's gateway code; an operation's refusal gets the numeric code
// that Alibaba Cloud's Filing Service API documents, as a string, with HTTP status 400 as its
// documents give it (403 for 604, an authorization refusal).
//
//	gateway code                 status  when
//	MissingParameter             400     Action, Version or a credential is absent
//	InvalidParameter             400     a malformed query or form, a parameter given twice, Format other than JSON
//	InvalidVersion               400     Version is not 2015-05-12
//	InvalidAction.NotFound       404     Action is not one of the four
//	UnsupportedHTTPMethod        400     neither GET nor POST
//	RequestBodyTooLarge          413     a body over MaxBodySize
//	InvalidAccessKeyId.NotFound  404     no such AccessKey
//	SignatureDoesNotMatch        400     a wrong secret or a tampered request
//	SignatureNonceUsed           400     a replayed nonce
//	InvalidTimeStamp.Expired     400     a timestamp outside 15 minutes
//	InvalidTimeStamp.Format      400     a timestamp that is not ISO 8601
//	IncompleteSignature, InvalidSignatureMethod, InvalidSecurityToken.Malformed
//	                             400     a signature icpcheck cannot check (see package signature)
//	InternalError                500     a bug: logged in full, a generic message
//	ServiceUnavailable           503     the database cannot be reached; retry later
//
// The operations' codes, from Alibaba Cloud's published Bsn error lists (GetBsnBySn,
// GetBsnByResource, ProductBindBsn, GrantBsnCode), and the icpcheck reasons each stands for:
//
//	code  published meaning                         icpcheck reason or check
//	600   该类产品不支持备案 product type not supported   resourceType with no product in the policy; a number
//	                                                 of a REST-only product (GetBsnBySn)
//	602   必填参数不能为空 required parameter empty       a required parameter absent or empty
//	603   备案服务码限制为每次1~20个 num not 1..20       num_out_of_range, or num not an integer
//	604   绑定账号和接口调用账号不一致 account is not     a customer key naming another aliuid (forbidden_account,
//	      the caller's                                EFORBIDDEN, EUNAUTHORIZED from the store)
//	401   账号ID无效 invalid account id                 aliuid, AliUid or GrantToAliuid not an account id;
//	                                                 grant_to_self; account_not_found (grantee); bad_account
//	402   实例无效 invalid instance                     instance_not_found (also a product that does not match
//	                                                 resourceType, and, to a customer, another account's
//	                                                 instance); a malformed resourceId
//	403   当前实例无可备案IP no fileable IP             not_eligible with the public_ip check failing
//	406   备案服务码不存在 number not found              sn_not_found; a malformed sn
//	412   绑定账号不是实例拥有者 not the owner           not_owner; aliuid is not the instance's owner
//	413   当前实例状态不适合备案 instance not suitable    not_eligible for any other check (status, region,
//	                                                 billing, subscription, expiry ...); the failing
//	                                                 checks are named in the Message
//	609   该实例绑定备案服务码个数已达上限 quota reached   quota_exceeded
//	616   检索备案服务码不属于入参账号 not that account's  sn_not_owned
//	504   操作失败 operation failed                     sn_not_unbound, already_granted, and any other
//	                                                 conflict: the published lists have no closer code
//	407   无此信息 no such information                  any other ENOTFOUND
//
// Where the published lists have no code for a reason (sn_not_unbound, already_granted), the
// documented generic 504 stands in, and the Message names the reason. A customer asking
// GetBsnBySn for another account's number gets 406, not 616: the store does not reveal that
// the number exists.
package bsnapi
