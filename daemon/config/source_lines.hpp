#pragma once
// Where a value of a parsed planb.toml was written: line, column and the line's text, found by a
// binary search in the document's line starts, indexed once. toml11's own location() counts every
// newline before the value on each call, which made loading planb.toml quadratic in its size
// (3.3 s of CPU for 5,000 records; most of planbd's start with 1,000 probes).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <toml.hpp>
#include <vector>

namespace planb::config {

class SourceLines {
 public:
  struct Location {
    std::string file;
    std::uint32_t line = 0;    // from 1
    std::uint32_t column = 0;  // from 1, in bytes, as toml11 counts it
    std::string line_text;     // the whole line, without its newline
  };

  // Indexes the text that `any_value` of a parsed document was read from.
  template <typename Value>
  explicit SourceLines(const Value& any_value) : SourceLines(toml::detail::get_region(any_value)) {}

  // Where `value` starts, as toml11's location() says. A value of another text, or one not read
  // from text, is located by toml11 itself.
  template <typename Value>
  Location locate(const Value& value) const {
    if (std::optional<Location> found = locate(toml::detail::get_region(value))) {
      return *found;
    }
    const toml::source_location loc = value.location();
    return {loc.file_name(), loc.line(), loc.column(), loc.line_str()};
  }

 private:
  explicit SourceLines(const toml::detail::region_base* region);
  std::optional<Location> locate(const toml::detail::region_base* region) const;

  std::shared_ptr<const std::vector<char>> source_;  // null: nothing indexed
  std::string file_;
  std::vector<std::size_t> line_starts_;  // the offset of each line's first byte
};

}  // namespace planb::config
