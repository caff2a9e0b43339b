#include "net/error.hpp"

namespace planb::net {

std::string_view nameOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Auth:
      return "auth";
    case ErrorKind::Refused:
      return "refused";
    case ErrorKind::Conflict:
      return "conflict";
    case ErrorKind::NotFound:
      return "not_found";
    case ErrorKind::RateLimited:
      return "rate_limited";
    case ErrorKind::Transient:
      return "transient";
    case ErrorKind::Permanent:
      return "permanent";
  }
  return "permanent";
}

}  // namespace planb::net
