#pragma once
// The name of a rehearsal's step, as logs, status, planbctl and the audit say it.

#include <string_view>

#include "core/rehearsal_record.hpp"

namespace planb::core {

constexpr std::string_view nameOf(RehearsalStep step) {
  switch (step) {
    case RehearsalStep::Read:
      return "read";
    case RehearsalStep::Write:
      return "write";
    case RehearsalStep::Visible:
      return "visible";
    case RehearsalStep::Cleanup:
      return "cleanup";
  }
  return "unknown";
}

}  // namespace planb::core
