#include "overrides.hpp"

#include <algorithm>

namespace planb::core {

std::string_view nameOf(OverrideKind kind) {
  switch (kind) {
    case OverrideKind::Pin:
      return "pin";
    case OverrideKind::Drain:
      return "drain";
    case OverrideKind::Freeze:
      return "freeze";
  }
  return "unknown";
}

Overrides::Overrides(std::vector<Override> all) {
  for (Override& o : all) {
    set(std::move(o));
  }
}

std::optional<Override> Overrides::set(Override o) {
  std::optional<Override> replaced = remove(o.kind, o.subject);
  all_.push_back(std::move(o));
  return replaced;
}

std::optional<Override> Overrides::remove(OverrideKind kind, const std::string& subject) {
  auto it = std::find_if(all_.begin(), all_.end(),
                         [&](const Override& o) { return o.kind == kind && o.subject == subject; });
  if (it == all_.end()) {
    return std::nullopt;
  }
  Override removed = std::move(*it);
  all_.erase(it);
  return removed;
}

std::vector<Override> Overrides::expire(WallTime now) {
  std::vector<Override> expired;
  auto it = std::stable_partition(all_.begin(), all_.end(),
                                  [now](const Override& o) { return !o.expired(now); });
  std::move(it, all_.end(), std::back_inserter(expired));
  all_.erase(it, all_.end());
  return expired;
}

const Override* Overrides::find(OverrideKind kind, const std::string& subject) const {
  for (const Override& o : all_) {
    if (o.kind == kind && o.subject == subject) {
      return &o;
    }
  }
  return nullptr;
}

const Override* Overrides::pinOf(const std::string& record) const {
  return find(OverrideKind::Pin, record);
}

bool Overrides::drained(const std::string& target) const {
  return find(OverrideKind::Drain, target) != nullptr;
}

const Override* Overrides::freeze() const {
  return find(OverrideKind::Freeze, "");
}

std::size_t Overrides::count(OverrideKind kind) const {
  return static_cast<std::size_t>(std::count_if(
      all_.begin(), all_.end(), [kind](const Override& o) { return o.kind == kind; }));
}

}  // namespace planb::core
