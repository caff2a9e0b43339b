#pragma once
// Percent-encoding (RFC 3986 §2.1) as every HTTP API of planb wants it: upper-case hex, a space
// as %20 (never '+'), and only the unreserved characters A-Z a-z 0-9 - . _ ~ left literal. The
// published vectors of AWS SigV4 and Alibaba RPC V1 and the URLs of PowerDNS and Cloudflare all
// use this one set; SigV4 paths keep their '/' separators too.

#include <string>
#include <string_view>

namespace planb::net {

enum class Literal {
  Unreserved,          // query names and values, path segments, signature strings
  UnreservedAndSlash,  // a whole path, its '/' separators kept
};

std::string percentEncode(std::string_view text, Literal literal = Literal::Unreserved);

}  // namespace planb::net
