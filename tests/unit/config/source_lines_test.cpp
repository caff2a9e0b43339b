// SourceLines locates a value where toml11's own location() does, without counting lines anew.

#include "config/source_lines.hpp"

#include <doctest/doctest.h>

#include <string>

#include "config/error_list.hpp"
#include "config/toml_document.hpp"

namespace planb::config {
namespace {

TomlValue parsed(const std::string& text) {
  ErrorList errors;
  std::optional<TomlValue> document = parseTomlText(text, "planb.toml", errors);
  REQUIRE(document);
  return *document;
}

// Every value below `value`, `value` included, located both ways.
void checkEverywhere(const SourceLines& lines, const TomlValue& value, int& checked) {
  const toml::source_location expected = value.location();
  SourceLines::Location found = lines.locate(value);
  CAPTURE(expected.line_str());
  CHECK(found.file == expected.file_name());
  CHECK(found.line == expected.line());
  CHECK(found.column == expected.column());
  CHECK(found.line_text == expected.line_str());
  ++checked;
  if (value.is_table()) {
    for (const auto& [key, child] : value.as_table()) {
      checkEverywhere(lines, child, checked);
    }
  } else if (value.is_array()) {
    for (const TomlValue& child : value.as_array()) {
      checkEverywhere(lines, child, checked);
    }
  }
}

TEST_CASE("every value is located at toml11's line, column and line text") {
  const TomlValue document = parsed(
      "# a comment\n"
      "[daemon]\n"
      "state_dir = \"/var/lib/planb\"   # trailing\n"
      "\n"
      "[[target]]\r\n"
      "name = \"é-aws\"\n"
      "  [[target.probe]]\n"
      "  name = \"use1\"\n"
      "  address = \"192.0.2.10:443\"\n"
      "[[record]]\n"
      "targets = [\n"
      "  \"aws\",\n"
      "  \"gcp\",\n"
      "]\n"
      "inline = { a = 1, b = [2, 3] }\n"
      "last = true");
  SourceLines lines(document);
  int checked = 0;
  checkEverywhere(lines, document, checked);
  CHECK(checked > 15);
}

TEST_CASE("a value thousands of lines down is located on its own line") {
  std::string text;
  for (int i = 0; i < 5000; ++i) {
    text += "[[record]]\nname = \"www" + std::to_string(i) + ".example.com\"\n";
  }
  const TomlValue document = parsed(text);
  SourceLines lines(document);
  const TomlValue& last = document.as_table().at("record").as_array().back().as_table().at("name");
  SourceLines::Location found = lines.locate(last);
  CHECK(found.line == 10000);
  CHECK(found.column == 8);
  CHECK(found.line_text == "name = \"www4999.example.com\"");
}

TEST_CASE("a value of another document is located by toml11 itself") {
  const TomlValue one = parsed("a = 1\n");
  const TomlValue other = parsed("\n\nb = 2\n");
  SourceLines lines(one);
  SourceLines::Location found = lines.locate(other.as_table().at("b"));
  CHECK(found.line == 3);
  CHECK(found.column == 5);
  CHECK(found.line_text == "b = 2");
}

}  // namespace
}  // namespace planb::config
