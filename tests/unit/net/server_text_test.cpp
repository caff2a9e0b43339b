#include "net/server_text.hpp"

#include <doctest/doctest.h>

#include <string>

using planb::net::kMaxServerText;
using planb::net::quoteServerText;

TEST_CASE("printable server text is quoted as it is, without its surrounding blanks") {
  CHECK(quoteServerText("Conflicts with pre-existing RRset") ==
        "Conflicts with pre-existing RRset");
  CHECK(quoteServerText("  \r\n rate limited\n") == "rate limited");
  CHECK(quoteServerText(" \n\t") == "");
}

TEST_CASE("line breaks and tabs become spaces, so the quote stays on one line") {
  CHECK(quoteServerText("a\nb\rc\td") == "a b c d");
}

TEST_CASE("other control characters, ESC and DEL among them, are escaped as \\xHH") {
  CHECK(quoteServerText("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
  CHECK(quoteServerText("del\x7f") == "del\\x7f");
  CHECK(quoteServerText(std::string("nul\0!", 5)) == "nul\\x00!");
}

TEST_CASE("non-ASCII bytes are escaped, so a cut never leaves broken UTF-8") {
  CHECK(quoteServerText("caf\xc3\xa9") == "caf\\xc3\\xa9");
}

TEST_CASE("long server text is cut, and the cut is marked") {
  const std::string page(kMaxServerText + 1, 'x');
  CHECK(quoteServerText(page) == std::string(kMaxServerText, 'x') + "...");
  CHECK(quoteServerText(std::string(kMaxServerText, 'x')) == std::string(kMaxServerText, 'x'));
  CHECK(quoteServerText("abcdef", 3) == "abc...");
}
