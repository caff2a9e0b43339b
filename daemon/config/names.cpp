#include "config/names.hpp"

#include <algorithm>

namespace planb::config {

void NameIndex::define(const std::string& name, const TableReader& table, std::string_view key) {
  auto [it, inserted] = names_.try_emplace(name, table.keyPos(key));
  if (!inserted) {
    table.error(key, "duplicate " + kind_ + " name " + inQuotes(name) + " (first defined on line " +
                         std::to_string(it->second.line) + ")");
  }
}

void NameIndex::defineQuietly(const TableReader& table) {
  if (std::optional<std::string> name = table.peekString("name")) {
    names_.try_emplace(*name, table.keyPos("name"));
  }
}

std::vector<std::string> readReferences(const TableReader& table, std::string_view key,
                                        const NameIndex& index) {
  std::vector<std::string> names;
  std::optional<std::vector<ListItem>> items = table.stringList(key, Presence::Required);
  if (!items) {
    return names;
  }
  if (items->empty() && table.find(key)->as_array().empty()) {
    table.error(key, "the list is empty: name at least one " + index.kind());
  }
  for (const ListItem& item : *items) {
    if (std::find(names.begin(), names.end(), item.text) != names.end()) {
      table.error(item, index.kind() + " " + inQuotes(item.text) + " is listed twice");
      continue;
    }
    if (!index.contains(item.text)) {
      table.error(item, "undefined " + index.kind() + " " + inQuotes(item.text));
    }
    names.push_back(item.text);
  }
  return names;
}

}  // namespace planb::config
