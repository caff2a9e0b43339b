// Deeply nested arrays and inline tables are refused before toml11's recursive parser sees them.

#include "config/toml_nesting.hpp"

#include <doctest/doctest.h>

#include <string>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace planb::config {
namespace {

constexpr int kHostileDepth = 10'000;

std::string nestedArrays(int depth) {
  return "a = " + std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']') + "\n";
}

std::string nestedInlineTables(int depth) {
  std::string text = "x = ";
  for (int i = 0; i < depth; ++i) {
    text += "{a=";
  }
  text += "1";
  text += std::string(static_cast<std::size_t>(depth), '}');
  return text + "\n";
}

TEST_CASE("ten thousand nested arrays are refused at the bracket past the limit, not parsed") {
  ConfigError e = testing::onlyErrorOf("# hostile\n" + nestedArrays(kHostileDepth));
  CHECK(e.pos.line == 2);
  CHECK(e.pos.column == 5 + kMaxTomlNesting);  // "a = " then 64 brackets
  CHECK(e.key_path.empty());
  CHECK(e.message == "arrays and inline tables are nested deeper than 64 levels");
}

TEST_CASE("ten thousand nested inline tables are refused at the brace past the limit") {
  ConfigError e = testing::onlyErrorOf(nestedInlineTables(kHostileDepth));
  CHECK(e.pos.line == 1);
  CHECK(e.pos.column == 5 + 3 * kMaxTomlNesting);  // "x = " then 64 "{a="
  CHECK(e.message == "arrays and inline tables are nested deeper than 64 levels");
}

TEST_CASE("nesting is counted outside strings and comments only") {
  std::string brackets(200, '[');
  CHECK_FALSE(findDeepNesting("a = \"" + brackets + "\"\n"));
  CHECK_FALSE(findDeepNesting("a = '" + brackets + "'\n"));
  CHECK_FALSE(findDeepNesting("a = \"\"\"\n" + brackets + "\n\"\"\"\n"));
  CHECK_FALSE(findDeepNesting("a = '''\n" + brackets + "\n'''\n"));
  CHECK_FALSE(findDeepNesting("# " + brackets + "\n"));
  CHECK_FALSE(findDeepNesting("a = \"\\\"" + brackets + "\"\n"));  // an escaped quote
  CHECK_FALSE(findDeepNesting(nestedArrays(64)));
  auto past = findDeepNesting("s = \"[[\"\n" + nestedArrays(65));
  REQUIRE(past);
  CHECK(past->line == 2);
  CHECK(past->column == 5 + 64);
}

TEST_CASE("tables, arrays of tables and shallow nesting side by side load as before") {
  std::string text = "[[t]]\na = [[1, 2], [3, [4, {b = [5]}]]]\n[[t]]\na = []\n";
  for (int i = 0; i < 100; ++i) {
    text += "[s" + std::to_string(i) + "]\nv = [{x = [1]}]\n";
  }
  CHECK_FALSE(findDeepNesting(text));
}

}  // namespace
}  // namespace planb::config
