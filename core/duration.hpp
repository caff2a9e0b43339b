#pragma once
// Durations as written in the configuration and on the command line: "250ms", "2s", "5m", "1h".

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace planb::core {

using Millis = std::chrono::milliseconds;

// Parses a non-negative duration with a unit (ms, s, m, h, d); compound forms such as "1m30s"
// are accepted. Returns nullopt for anything else (no unit, negative, overflow).
std::optional<Millis> parseDuration(std::string_view text);

// The shortest exact spelling of a duration: 1500ms -> "1500ms", 120000ms -> "2m".
std::string formatDuration(Millis d);

}  // namespace planb::core
