#pragma once
// The RFC 2136 UPDATEs of the rehearsal's TXT record (product.md §11), built as pure functions of
// their inputs like the CNAME swap (dns_update.hpp), then signed and classified the same way.
// Only TXT is ever changed: another type at the name stays.
//
//   write:   zone:          ZONE SOA IN
//            prerequisite:  NAME 0 NONE CNAME       (no CNAME at the name: a server would ignore
//                                                    the added TXT and still answer NOERROR,
//                                                    RFC 2136 §3.4.2.2)
//            update:        NAME 0 ANY TXT          (delete the TXT RRset)
//                           NAME TTL IN TXT "VALUE" (add the one value)
//   delete:  zone:          ZONE SOA IN
//            update:        NAME 0 ANY TXT          (absent already: a no-op, NOERROR)

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "providers/dns_provider.hpp"
#include "providers/dns_update.hpp"
#include "providers/ldns_util.hpp"

namespace planb::providers {

// One character-string holds at most 255 bytes (RFC 1035 §3.3): TxtWrite's limit.
inline constexpr std::size_t kMaxTxtValueBytes = 255;

struct TxtUpdate {
  std::string zone;  // canonical names
  std::string name;
  std::optional<std::string> value;  // nullopt: delete the TXT RRset only
  std::uint32_t ttl = 60;
};

// The update a TxtWrite asks for (value set) or a deleteTxt (no value); names canonicalised.
TxtUpdate txtUpdateFor(const TxtWrite& write);
TxtUpdate txtDeleteFor(const RecordRef& record);

// The error a value TxtWrite may not carry (Permanent: longer than one character-string).
std::optional<ProviderError> txtValueError(const std::string& value);

// The unsigned message, RD=0 and ID=id. Errors (Permanent): a name that is not absolute, a value
// over kMaxTxtValueBytes.
Result<PktPtr> buildTxtUpdate(const TxtUpdate& update, std::uint16_t id);

// What SERVER_LABEL's reply to UPDATE means, as classifyUpdateReply says it; a YXRRSET (the
// write's prerequisite) is a Conflict saying that the name holds a CNAME.
std::optional<ProviderError> classifyTxtUpdateReply(const TxtUpdate& update,
                                                    const std::string& server_label,
                                                    const std::string& key_name, int rcode,
                                                    int tsig_error, bool authenticated);

}  // namespace planb::providers
