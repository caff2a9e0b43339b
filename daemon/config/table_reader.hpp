#pragma once
// Reading one table of planb.toml: which keys it may hold, values of the expected types, and errors
// that point at the key they are about. All readers of a file share one ErrorList, so loading goes
// on after a problem and reports every one.

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <toml.hpp>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/error_list.hpp"
#include "config/source_lines.hpp"

namespace planb::config {

// Tables keep their keys sorted, so that loading is deterministic.
using TomlValue = toml::basic_value<toml::discard_comments, std::map, std::vector>;

enum class Presence { Optional, Required };

// One string of a list, with where it was written, for errors about it found later.
struct ListItem {
  std::string text;
  std::string key_path;  // e.g. "record[0].targets[1]"
  SourcePos pos;
};

class TableReader {
 public:
  // `table` must be a TOML table; `path` is its key path ("" for the document, "target[1]").
  TableReader(const TomlValue& table, std::string path, ErrorList& errors);

  // Reports every key outside `allowed`: inline secrets and `not_yet_supported` keys with their
  // own message, others as unknown keys.
  void checkKeys(const std::vector<std::string_view>& allowed,
                 const std::vector<std::string_view>& not_yet_supported = {}) const;

  // The "type" key, which decides what else the table may hold. Returns it when it is one of
  // `supported`; otherwise reports that ("<what> type "x" is not supported yet" for the types of
  // `not_yet_supported`) and the caller checks nothing more: the other keys would only add noise.
  std::optional<std::string> schemaType(
      std::string_view what, const std::vector<std::string_view>& supported,
      const std::vector<std::string_view>& not_yet_supported) const;

  bool has(std::string_view key) const { return find(key) != nullptr; }
  const TomlValue* find(std::string_view key) const;
  std::string keyPath(std::string_view key) const;
  SourcePos pos() const;                         // the table's header, or its first key
  SourcePos keyPos(std::string_view key) const;  // the key itself, or pos() when it is absent
  void error(std::string_view key, std::string message) const;
  void error(const ListItem& item, std::string message) const;
  void typeError(std::string_view key, std::string_view expected) const;

  // A string value, without reporting anything when it is absent or not a string.
  std::optional<std::string> peekString(std::string_view key) const;

  // Typed reads return nullopt when the key is absent (reported when Required) or its value is
  // wrong (always reported). Strings are never empty.
  std::optional<std::string> string(std::string_view key, Presence = Presence::Optional) const;
  std::optional<std::string> name(std::string_view key, Presence = Presence::Optional) const;
  std::optional<std::string> dnsName(std::string_view key, Presence = Presence::Optional) const;
  std::optional<std::string> filePath(std::string_view key, const Environment& environment,
                                      Presence = Presence::Optional) const;
  std::optional<std::uint32_t> count(
      std::string_view key, std::uint32_t min,
      std::uint32_t max = std::numeric_limits<std::uint32_t>::max()) const;
  std::optional<Millis> duration(std::string_view key) const;
  std::optional<HostPort> address(std::string_view key, std::optional<std::uint16_t> default_port,
                                  Presence = Presence::Optional) const;
  std::optional<std::vector<ListItem>> stringList(std::string_view key,
                                                  Presence = Presence::Optional) const;
  std::optional<std::vector<std::int64_t>> integerList(std::string_view key) const;
  std::optional<std::vector<HostPort>> addressList(std::string_view key,
                                                   std::optional<std::uint16_t> default_port) const;

  // One of a fixed set of words, e.g. log_level = "info".
  template <typename T>
  std::optional<T> choice(std::string_view key,
                          std::initializer_list<std::pair<std::string_view, T>> options) const;

  // A [sub.table]: nullopt when absent or not a table (reported).
  std::optional<TableReader> table(std::string_view key) const;
  // An [[array.of.tables]]: empty when absent, nullopt when not an array (reported).
  std::optional<std::vector<TableReader>> tables(std::string_view key) const;

 private:
  // A table of the same document: positions come from the same index of its lines.
  TableReader(const TomlValue& table, std::string path, ErrorList& errors,
              std::shared_ptr<const SourceLines> lines);
  // The value of `key` when it has the expected type; reports absence (when Required) and a wrong
  // type.
  const TomlValue* typed(std::string_view key, toml::value_t type, Presence presence) const;
  void reportBadChoice(std::string_view key, const std::string& text,
                       const std::vector<std::string_view>& options) const;

  const TomlValue* table_;
  std::string path_;
  ErrorList* errors_;
  std::shared_ptr<const SourceLines> lines_;
};

template <typename T>
std::optional<T> TableReader::choice(
    std::string_view key, std::initializer_list<std::pair<std::string_view, T>> options) const {
  std::optional<std::string> text = string(key);
  if (!text) {
    return std::nullopt;
  }
  std::vector<std::string_view> names;
  for (const auto& [option, value] : options) {
    if (*text == option) {
      return value;
    }
    names.push_back(option);
  }
  reportBadChoice(key, *text, names);
  return std::nullopt;
}

// For messages: "text" in double quotes, and "a", "b" or "c".
std::string inQuotes(std::string_view text);
std::string quotedAlternatives(const std::vector<std::string_view>& words);

}  // namespace planb::config
