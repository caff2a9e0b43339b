// [rehearsal]: how often planbd proves each provider's write path (product.md §11).

#include "config/sections.hpp"
#include "core/duration.hpp"

namespace planb::config {

RehearsalConfig readRehearsal(const std::optional<TableReader>& table) {
  RehearsalConfig rehearsal;
  if (!table) {
    return rehearsal;
  }
  rehearsal.pos = table->pos();
  table->checkKeys({"interval", "timeout"});
  // "0s" turns rehearsals off; duration() takes positive durations only, so zero is read first.
  std::optional<std::string> text = table->peekString("interval");
  std::optional<Millis> zero = text ? core::parseDuration(*text) : std::nullopt;
  if (zero && zero->count() == 0) {
    rehearsal.interval = Millis{0};
  } else if (auto interval = table->duration("interval")) {
    rehearsal.interval = *interval;
  }
  if (auto timeout = table->duration("timeout")) {
    rehearsal.timeout = *timeout;
  }
  // A rehearsal still running when the next is due would only pile up behind itself.
  if (rehearsal.interval.count() > 0 && rehearsal.timeout >= rehearsal.interval) {
    table->error("timeout", "timeout " + core::formatDuration(rehearsal.timeout) +
                                " must be shorter than interval " +
                                core::formatDuration(rehearsal.interval) +
                                " (or turn rehearsals off with interval = \"0s\")");
  }
  return rehearsal;
}

}  // namespace planb::config
