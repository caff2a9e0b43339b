#pragma once
// The last rehearsal of one provider for one zone (product.md §11): what the rehearser reports and
// what status, metrics, the status page and preflight read. Pure data, no I/O.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "core/clock.hpp"

namespace planb::core {

// The steps of a rehearsal, in order. A rehearsal stops at the first that fails (the clean-up is
// still tried after a failed visibility check, so nothing is left behind).
enum class RehearsalStep {
  Read,     // the provider answered a read of `_planb-rehearsal.<zone>` (credentials work)
  Write,    // it accepted the TXT record holding this rehearsal's token
  Visible,  // every server that must answer it does (the zone's verify_servers, ...)
  Cleanup,  // the TXT record is gone again
};

struct RehearsalRecord {
  bool passed = false;
  WallTime started{};  // when this rehearsal began (wall clock, for status and metrics)
  WallTime ended{};
  std::optional<RehearsalStep> failed_step;  // nullopt when passed
  std::string error;  // what failed and where, never a secret; empty when passed
  // Write accepted → visible on every server: planb_rehearsal_duration_seconds.
  std::optional<std::chrono::milliseconds> visible_after;
  std::optional<WallTime> last_success;  // the last rehearsal that passed, nullopt: none yet
};

// By (zone, provider). A pair absent from the map was never rehearsed.
using RehearsalKey = std::pair<std::string, std::string>;
using RehearsalRecords = std::map<RehearsalKey, RehearsalRecord>;

}  // namespace planb::core
