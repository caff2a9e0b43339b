#pragma once
// audit.jsonl under state_dir: one JSON object a line for every DNS change and every operator
// action. An operator action is fsynced before it is acknowledged; a DNS change is written at once
// (so a kill -9 loses nothing) and fsynced with the next sync(), so a failover of many records is
// not slowed by one fsync per write. Newest entries are read back by `planbctl history`.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace planb::daemon {

using AuditEntry = nlohmann::ordered_json;

enum class Durability {
  Synced,   // on disk (fsync) before append returns
  Written,  // in the file (survives the process) before append returns; on disk at sync()
};

class AuditLog {
 public:
  explicit AuditLog(std::string directory);

  const std::string& path() const noexcept { return path_; }

  // Fleet mode: every entry names the node that wrote it, and each line also goes to MIRROR
  // (the fleet's shared history in etcd).
  void setNode(std::string node) { node_ = std::move(node); }
  void setMirror(std::function<void(const std::string& line)> mirror) {
    mirror_ = std::move(mirror);
  }

  // Stamps ENTRY with `time` (RFC 3339, UTC) and appends it. On failure (a full disk, say) the
  // entry is kept in memory and written before the next one; the error names the file.
  std::optional<std::string> append(AuditEntry entry, core::WallTime at,
                                    Durability durability = Durability::Synced);

  // Writes the entries kept in memory by an earlier failure, and fsyncs what was appended as
  // Written since the last fsync; nothing to do is cheap.
  std::optional<std::string> sync();

  // At most LIMIT entries, newest first, including those still waiting to be written. A line
  // that does not parse (torn by a crash mid-write) is skipped and counted in `skipped` (among the
  // lines read). The file is never rotated, so it is read from its end, only as far back as LIMIT
  // entries (at least kTail) reach, and that reading is reused until the file's size or mtime
  // changes: whatever the limits asked, the event loop never parses the whole file.
  std::vector<AuditEntry> newest(std::size_t limit, std::size_t* skipped = nullptr) const;
  static constexpr std::size_t kTail = 50;

  // Bytes read from the file by newest() so far, for tests.
  std::size_t bytesRead() const noexcept { return bytes_read_; }

  std::size_t pending() const noexcept { return pending_.size(); }

 private:
  std::optional<std::string> write(const std::string& lines, bool fsync);
  std::string openError() const;  // why open() of path_ failed, from errno

  std::string path_;
  std::vector<std::string> pending_;  // serialized lines not yet in the file
  bool unsynced_ = false;             // lines in the file but maybe not on disk
  std::string node_;
  std::function<void(const std::string&)> mirror_;

  // The newest entries of the file as last read, and which version of the file that was.
  struct Tail {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    std::int64_t mtime_ns = 0;
    std::vector<AuditEntry> entries;  // newest first
    std::size_t skipped = 0;
    bool whole = false;  // reached the start of the file
  };
  mutable Tail tail_;
  mutable std::size_t bytes_read_ = 0;
};

std::string rfc3339(core::WallTime t);  // 2026-11-27T04:30:00.123Z

}  // namespace planb::daemon
