#pragma once
// Reading planb.toml from disk into a TOML document.

#include <optional>
#include <string>

#include "config/error_list.hpp"
#include "config/table_reader.hpp"

namespace planb::config {

// Reads and parses the file at `path`. When it cannot be read ("FILE: cannot read: reason") or is
// not valid TOML ("FILE:LINE:COL: syntax error: …"), reports that and returns nullopt.
std::optional<TomlValue> parseTomlFile(const std::string& path, ErrorList& errors);

// The same for TEXT, read from PATH (only named in positions).
std::optional<TomlValue> parseTomlText(const std::string& text, const std::string& path,
                                       ErrorList& errors);

}  // namespace planb::config
