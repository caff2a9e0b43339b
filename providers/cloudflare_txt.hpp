#pragma once
// The content of a Cloudflare TXT record. Cloudflare's API reference now says of it: "The content
// must consist of quoted "character strings" (RFC 1035), each with a length of up to 255 bytes"
// (the TXTRecord schema, github:cloudflare/cloudflare-typescript pull 1777), and the dashboard
// warns on every unquoted one: "The content field of TXT records must be in quotation marks"
// (github:DNSControl/dnscontrol issues 3172 and 3621, github:go-acme/lego pull 2521). The API
// still takes unquoted content (github:cloudflare/terraform-provider-cloudflare issue 6354), and
// records written before the change hold it, so both are read.

#include <string>
#include <string_view>

namespace planb::providers {

// `value` as one quoted character-string, with '"' and '\' escaped (RFC 1035 §5.1).
std::string cloudflareTxtContent(std::string_view value);

// The text a record's content holds: quoted character-strings unescaped and joined (how a
// resolver's reader sees a TXT record of several strings), or unquoted content as it is.
std::string cloudflareTxtText(std::string_view content);

}  // namespace planb::providers
