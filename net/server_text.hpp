#pragma once
// What a server says (an error message, a reply body) quoted in planb's logs and errors: the
// server is not trusted to be short, single-line or free of terminal escapes.

#include <cstddef>
#include <string>
#include <string_view>

namespace planb::net {

// Server text longer than this is cut: a whole HTML page or a stack trace is not useful in a log.
inline constexpr std::size_t kMaxServerText = 200;

// TEXT without its surrounding blanks, cut to `max_bytes` ("..." marks the cut), on one line:
// line breaks and tabs become spaces, and every other byte outside printable ASCII (control
// characters, ESC and DEL among them, and non-ASCII bytes, which a cut could leave as broken
// UTF-8) is written as \xHH.
std::string quoteServerText(std::string_view text, std::size_t max_bytes = kMaxServerText);

}  // namespace planb::net
