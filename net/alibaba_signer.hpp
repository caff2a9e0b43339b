#pragma once
// Alibaba Cloud RPC signature V1 (HMAC-SHA1), provider-apis.md §5, as pure functions: the
// timestamp and the nonce are the caller's, so every published vector (§10.4) is a unit test.

#include <map>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace planb::net {

// Request parameters by name. std::map orders std::string keys by unsigned byte value, which is
// the order the signature wants (§5 step 2).
using RpcParams = std::map<std::string, std::string>;

// "k=v&k=v" of every parameter except Signature, encoded and sorted (§5 steps 1-2).
std::string alibabaCanonicalQuery(const RpcParams& params);

// METHOD&%2F&percentEncode(canonical query) (§5 step 3).
std::string alibabaStringToSign(std::string_view method, const RpcParams& params);

// Base64(HMAC-SHA1(access_key_secret + "&", string to sign)) (§5 step 4).
std::string alibabaSignatureV1(std::string_view method, const RpcParams& params,
                               std::string_view access_key_secret);

// The canonical query with "&Signature=<encoded signature>" appended: the query string of a GET
// or the form body of a POST (§5 step 5).
std::string alibabaSignedQuery(std::string_view method, const RpcParams& params,
                               std::string_view access_key_secret);

// UTC "yyyy-MM-ddTHH:mm:ssZ", the format of the Timestamp parameter.
std::string alibabaTimestamp(core::WallTime time);

// `params` plus the common V1 parameters: AccessKeyId, SignatureMethod=HMAC-SHA1,
// SignatureVersion=1.0, SignatureNonce and Timestamp (formatted from `time`). Action, Version
// and Format stay the caller's.
RpcParams withV1CommonParams(RpcParams params, std::string_view access_key_id, core::WallTime time,
                             std::string_view nonce);

}  // namespace planb::net
