#pragma once
// For providers whose API has no compare-and-swap (PowerDNS, Cloudflare, Alibaba DNS): the read
// just before the write is the compare. A change by another writer between that read and the
// write is overwritten; verification and the periodic resync report it.

#include "providers/dns_provider.hpp"

namespace planb::providers {

enum class WriteNeed {
  Write,          // send the write
  AlreadyServed,  // the name already serves the new target with the wanted TTL
};

// Conflict when the name holds another type, or serves something other than
// `request.expected_target` (nullopt: no CNAME at all).
Result<WriteNeed> compareBeforeWrite(const ServedRecord& served, const ReplaceRequest& request);

}  // namespace planb::providers
