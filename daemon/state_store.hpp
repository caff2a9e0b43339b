#pragma once
// state.json under state_dir: what each record serves and where it was applied, written
// atomically so a restart (kill -9 included) neither flips nor forgets.

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/overrides.hpp"

namespace planb::daemon {

struct PersistedRecord {
  std::optional<std::string> target;              // the target planb decided the record serves
  std::vector<core::WallTime> automatic_changes;  // for hold-down and the flip budget
  std::map<std::string, std::string> applied;     // provider -> target verified there
};

struct PersistedState {
  std::map<std::string, PersistedRecord> records;  // by canonical record name
  std::vector<core::Override> overrides;           // operator overrides in force
};

// state.json's format, also used for the records and overrides fleet mode keeps in etcd.
std::string encodeState(const PersistedState& state);
// Throws std::exception on anything that is not a state document of a known version.
PersistedState decodeState(const std::string& json);

// Makes state_dir ready: creates it 0700 (its parents as the umask says) when missing; refuses a
// directory owned by anyone but OWNER (planbd's user) or writable by group or others, who could
// plant a symlink or rewrite the overrides. The error names the directory and what is wrong.
std::optional<std::string> prepareStateDir(const std::string& directory, uid_t owner);

class StateStore {
 public:
  explicit StateStore(std::string directory);

  const std::string& path() const noexcept { return path_; }

  // A missing file is an empty state. An unreadable or corrupt one is moved aside (so nothing
  // is overwritten) and reported in `problem`; planbd then relearns what DNS serves.
  PersistedState load(std::string* problem);

  // Temp file, fsync, rename, fsync of the directory. Returns the error, naming the file, when
  // the state could not be written (a full disk, say): the previous file is left intact.
  std::optional<std::string> save(const PersistedState& state);

  // The reconciler owns the records and the operator desk the overrides: each saves its part
  // and the store writes both, starting from what load() found.
  std::optional<std::string> saveRecords(std::map<std::string, PersistedRecord> records);
  std::optional<std::string> saveOverrides(std::vector<core::Override> overrides);

 private:
  std::string directory_;
  std::string path_;
  PersistedState last_;  // what load() found, then what was last asked to be saved
};

}  // namespace planb::daemon
