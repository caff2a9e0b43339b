#pragma once
// The RFC 2136 UPDATE that swaps one CNAME atomically, built as a pure function of its inputs
// (so it is checked byte for byte against test vectors), then signed, then its reply classified.
//
//   zone:          ZONE SOA IN
//   prerequisite:  NAME 0 IN CNAME EXPECTED   (ExactValue: compare-and-swap on the old value)
//                  NAME 0 ANY CNAME           (Exists)
//                  NAME 0 NONE CNAME          (NotExists: the name holds no CNAME)
//   update:        NAME 0 ANY CNAME           (delete the RRset)
//                  NAME TTL IN CNAME NEW      (add)

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "providers/dns_provider.hpp"
#include "providers/ldns_util.hpp"
#include "providers/tsig_key.hpp"

namespace planb::providers {

enum class Prerequisite { ExactValue, Exists, NotExists };

struct CnameUpdate {
  std::string zone;  // canonical names throughout
  std::string name;
  std::string new_target;
  std::uint32_t ttl = 60;
  Prerequisite prerequisite = Prerequisite::NotExists;
  std::string expected_target;  // ExactValue only
};

// The update a ReplaceRequest asks for: ExactValue when it names the expected target, NotExists
// otherwise. Names are canonicalised.
CnameUpdate cnameUpdateFor(const ReplaceRequest& request);

// The unsigned message, RD=0 and ID=id (ldns_update_pkt_new sets RD=1, ID=0: pitfall 2). The
// empty delete/prerequisite RRs are built with setters, as ldns cannot parse them (pitfall 1).
// Errors (Permanent): a name that is not an absolute domain name.
Result<PktPtr> buildCnameUpdate(const CnameUpdate& update, std::uint16_t id);

// One message for several records of one zone (the first's): every record's prerequisite, in
// order, then every record's delete and add, in order. The server checks all prerequisites before
// it changes anything, and applies all updates or none (RFC 2136 §3.2, §3.4).
Result<PktPtr> buildCnameUpdates(const std::vector<CnameUpdate>& updates, std::uint16_t id);

// Appends KEY's TSIG RR (fudge 300 s, signed now). Nothing may change in the message afterwards:
// any changed byte is BADSIG.
Result<Unit> signUpdate(ldns_pkt* message, const TsigKey& key);

// What SERVER_LABEL's reply to UPDATE means: nullopt when it was applied. TSIG_ERROR is the
// reply's TSIG Error field (ldns does not check it: pitfall 5); AUTHENTICATED says the reply's
// MAC verified and is fresh. RCODEs and TSIG errors map to ErrorKinds:
//   TSIG error, NOTAUTH, NOERROR not authenticated -> Auth;  REFUSED -> Refused;
//   NXRRSET, YXRRSET -> Conflict;  SERVFAIL -> Transient;  FORMERR, NOTZONE, others -> Permanent.
std::optional<ProviderError> classifyUpdateReply(const CnameUpdate& update,
                                                 const std::string& server_label,
                                                 const std::string& key_name, int rcode,
                                                 int tsig_error, bool authenticated);

// What an UPDATE changes, for the messages of its reply's classification.
struct UpdateSubject {
  std::string zone;  // canonical
  std::string name;  // canonical
  std::string type;  // the one RR type it changes: "CNAME", "TXT"
};

// classifyUpdateReply for an UPDATE of SUBJECT without prerequisites of its own type (the TXT
// writes of a rehearsal): the same mapping, but NXRRSET and YXRRSET are refusals of whatever
// prerequisite it had, Conflict with the server's RCODE named, and REFUSED names TYPE.
std::optional<ProviderError> classifySubjectReply(const UpdateSubject& subject,
                                                  const std::string& server_label,
                                                  const std::string& key_name, int rcode,
                                                  int tsig_error, bool authenticated);

}  // namespace planb::providers
