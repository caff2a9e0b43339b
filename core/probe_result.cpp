#include "probe_result.hpp"

namespace planb::core {

std::string_view nameOf(ProbeFailure failure) {
  switch (failure) {
    case ProbeFailure::None:
      return "success";
    case ProbeFailure::Timeout:
      return "timeout";
    case ProbeFailure::Refused:
      return "refused";
    case ProbeFailure::Tls:
      return "tls";
    case ProbeFailure::Status:
      return "status";
    case ProbeFailure::Body:
      return "body";
    case ProbeFailure::Dns:
      return "dns";
    case ProbeFailure::Exec:
      return "exec";
    case ProbeFailure::Internal:
      return "internal";
  }
  return "internal";
}

}  // namespace planb::core
