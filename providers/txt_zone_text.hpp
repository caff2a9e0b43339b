#pragma once
// TXT RDATA as zone-file text (RFC 1035 §5.1), the form APIs such as PowerDNS' take and give:
// character-strings in double quotes, a quote or backslash inside escaped with a backslash, other
// bytes outside printable ASCII as \DDD (decimal).

#include <optional>
#include <string>
#include <string_view>

namespace planb::providers {

// VALUE as one quoted character-string: "a \"b\" c". Every byte outside 0x20..0x7e is written
// \DDD, so the text is printable ASCII (and valid UTF-8 inside a JSON body).
std::string quoteTxt(std::string_view value);

// The bytes of TEXT's character-strings, joined: quoted strings (escapes resolved) or unquoted
// words, separated by blanks. nullopt when TEXT is malformed (an unclosed quote, a \DDD above
// 255, a trailing backslash).
std::optional<std::string> unquoteTxt(std::string_view text);

}  // namespace planb::providers
