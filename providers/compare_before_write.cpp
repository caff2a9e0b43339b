#include "providers/compare_before_write.hpp"

namespace planb::providers {

namespace {

ProviderError conflict(std::string message) {
  return ProviderError{ErrorKind::Conflict, std::move(message), std::nullopt};
}

}  // namespace

Result<WriteNeed> compareBeforeWrite(const ServedRecord& served, const ReplaceRequest& request) {
  const std::string& name = request.record.name;
  switch (served.kind) {
    case ServedRecord::Kind::Conflict:
      return conflict(name + " holds a " + served.conflict_type +
                      " record; planb does not overwrite records of other types");
    case ServedRecord::Kind::Cname:
      if (served.target == request.new_target) {
        // Already there (an earlier attempt that timed out had landed), or only the TTL changes.
        return served.ttl == request.ttl ? WriteNeed::AlreadyServed : WriteNeed::Write;
      }
      if (request.expected_target != served.target) {
        return conflict(name + " serves " + served.target + ", not " +
                        (request.expected_target ? "the expected " + *request.expected_target
                                                 : std::string("no CNAME as expected")));
      }
      return WriteNeed::Write;
    case ServedRecord::Kind::Absent:
      if (request.expected_target) {
        return conflict(name + " serves nothing, not the expected " + *request.expected_target);
      }
      return WriteNeed::Write;
  }
  return WriteNeed::Write;
}

}  // namespace planb::providers
