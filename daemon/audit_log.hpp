#pragma once
// audit.jsonl under state_dir: one JSON object a line for every DNS change and every operator
// action, appended and fsynced before the action is acknowledged. Newest entries are read back
// by `planbctl history`.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace planb::daemon {

using AuditEntry = nlohmann::ordered_json;

class AuditLog {
 public:
  explicit AuditLog(std::string directory);

  const std::string& path() const noexcept { return path_; }

  // Stamps ENTRY with `time` (RFC 3339, UTC) and appends it. On failure (a full disk, say) the
  // entry is kept in memory and written before the next one; the error names the file.
  std::optional<std::string> append(AuditEntry entry, core::WallTime at);

  // At most LIMIT entries, newest first, including those still waiting to be written. A line
  // that does not parse (torn by a crash mid-write) is skipped and counted in `skipped`.
  std::vector<AuditEntry> newest(std::size_t limit, std::size_t* skipped = nullptr) const;

  std::size_t pending() const noexcept { return pending_.size(); }

 private:
  std::optional<std::string> write(const std::string& lines);

  std::string path_;
  std::vector<std::string> pending_;  // serialized lines not yet on disk
};

std::string rfc3339(core::WallTime t);  // 2026-11-27T04:30:00.123Z

}  // namespace planb::daemon
