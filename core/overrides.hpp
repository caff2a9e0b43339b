#pragma once
// Operator overrides (product.md §2.6): pin a record to a target, drain a target, freeze all
// automation. Each may carry an expiry and a reason. Expiry is wall-clock time, because an
// override must expire on time across restarts, when no monotonic clock survives.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clock.hpp"

namespace planb::core {

enum class OverrideKind { Pin, Drain, Freeze };
std::string_view nameOf(OverrideKind kind);  // "pin", "drain", "freeze"

struct Override {
  OverrideKind kind = OverrideKind::Pin;
  std::string subject;  // the record (pin), the target (drain); empty for freeze
  std::string target;   // pin only: the target the record is pinned to
  std::string reason;
  std::string user;  // who set it
  WallTime created_at{};
  std::optional<WallTime> expires_at;

  bool expired(WallTime now) const { return expires_at && *expires_at <= now; }
  friend bool operator==(const Override&, const Override&) = default;
};

// The overrides in force; at most one per (kind, subject).
class Overrides {
 public:
  Overrides() = default;
  explicit Overrides(std::vector<Override> all);

  // Sets or replaces the override of the same kind and subject; returns the one it replaced.
  std::optional<Override> set(Override o);
  // Removes the override of KIND on SUBJECT; returns it, or nullopt when there was none.
  std::optional<Override> remove(OverrideKind kind, const std::string& subject);
  // Removes and returns the overrides whose expiry is at or before NOW.
  std::vector<Override> expire(WallTime now);

  const Override* pinOf(const std::string& record) const;
  bool drained(const std::string& target) const;
  const Override* freeze() const;
  std::size_t count(OverrideKind kind) const;
  const std::vector<Override>& all() const noexcept { return all_; }

 private:
  const Override* find(OverrideKind kind, const std::string& subject) const;

  std::vector<Override> all_;  // in the order they were set
};

}  // namespace planb::core
