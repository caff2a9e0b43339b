#pragma once
// The names one kind of table defines ([[provider]], [[zone]], [[target]], [[record]], probes of a
// target): a name is defined once, and references to names must resolve.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/table_reader.hpp"

namespace planb::config {

class NameIndex {
 public:
  explicit NameIndex(std::string kind) : kind_(std::move(kind)) {}

  // Defines the name held by `key` of `table`; a second definition is reported there.
  void define(const std::string& name, const TableReader& table, std::string_view key = "name");

  // Defines the table's name, if it has one, without reporting anything: for tables whose only
  // reported problem is their type, which still define a name others may refer to.
  void defineQuietly(const TableReader& table);

  bool contains(const std::string& name) const { return names_.count(name) != 0; }
  const std::string& kind() const noexcept { return kind_; }

 private:
  std::string kind_;  // "provider", "target", …: for messages
  std::map<std::string, SourcePos> names_;
};

// Reads a required list of references, e.g. a record's targets: not empty, no name twice, each
// defined in `index`.
std::vector<std::string> readReferences(const TableReader& table, std::string_view key,
                                        const NameIndex& index);

}  // namespace planb::config
