#pragma once
// ldns inside planb: owners for its objects and the one way a message goes to a server and back
// (shared by queries and UPDATEs). Internal to planb_providers and its tests.

// Before ldns: without __bool_true_false_are_defined, ldns/common.h #defines `false` as 0 and
// `bool` as _Bool, which breaks later C++ headers (`bool(x) <=> false` in <optional>).
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers)
// clang-format off
#include <ldns/ldns.h>
// clang-format on

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/url.hpp"
#include "providers/dns_provider.hpp"
#include "providers/tsig_key.hpp"

namespace planb::providers {

struct LdnsPktDeleter {
  void operator()(ldns_pkt* p) const noexcept { ldns_pkt_free(p); }
};
struct LdnsRrDeleter {
  void operator()(ldns_rr* rr) const noexcept { ldns_rr_free(rr); }
};
struct LdnsRrListDeleter {
  void operator()(ldns_rr_list* list) const noexcept { ldns_rr_list_deep_free(list); }
};
struct LdnsRdfDeleter {
  void operator()(ldns_rdf* rdf) const noexcept { ldns_rdf_deep_free(rdf); }
};
struct LdnsResolverDeleter {
  void operator()(ldns_resolver* r) const noexcept { ldns_resolver_deep_free(r); }
};

using PktPtr = std::unique_ptr<ldns_pkt, LdnsPktDeleter>;
using RrPtr = std::unique_ptr<ldns_rr, LdnsRrDeleter>;
using RrListPtr = std::unique_ptr<ldns_rr_list, LdnsRrListDeleter>;
using RdfPtr = std::unique_ptr<ldns_rdf, LdnsRdfDeleter>;
using ResolverPtr = std::unique_ptr<ldns_resolver, LdnsResolverDeleter>;

// An absolute domain name; null when NAME is not one.
RdfPtr makeDname(const std::string& name);

// True for an IPv4 or IPv6 literal (as HostPort holds it, without brackets): servers are
// addresses, so a failover never waits on name resolution.
bool isIpAddress(const std::string& host);

// The packet in wire format; empty when ldns cannot render it.
std::vector<std::uint8_t> toWire(const ldns_pkt* pkt);

// "NOTAUTH", "RCODE 12"; "BADKEY", "TSIG error 30".
std::string rcodeName(int rcode);
std::string tsigErrorName(int error);

// The TSIG Error field of a reply, 0 when it carries no TSIG RR (ldns leaves it to the caller:
// pitfall 5).
int tsigError(const ldns_pkt* reply);

struct Reply {
  PktPtr packet;
  // Signed queries only: the reply's MAC verified with the key and it was signed within the
  // fudge of this host's clock.
  bool authenticated = false;
};

// Sends MESSAGE to SERVER over TCP and waits for the reply, at most about TIMEOUT per step
// (connect, read). One fresh resolver per call: ldns marks a failed server dead for the
// resolver's lifetime (pitfall 7). With a KEY, MESSAGE must already be signed with it; the reply
// is then verified. Errors: Transient for network failures, a mismatched ID; Permanent for a
// server address that is not an IP, a malformed reply. WHAT ("the UPDATE of www.example.com.")
// is used in messages.
Result<Reply> exchange(const net::HostPort& server, std::chrono::milliseconds timeout,
                       const ldns_pkt* message, const TsigKey* key, std::string_view what);

}  // namespace planb::providers
