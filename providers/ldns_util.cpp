#include "providers/ldns_util.hpp"

#include <sys/time.h>

#include <array>
#include <cstdlib>
#include <ctime>

namespace planb::providers {
namespace {

RdfPtr makeAddress(const std::string& host) {
  RdfPtr address(ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, host.c_str()));
  if (!address) {
    address.reset(ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, host.c_str()));
  }
  return address;
}

// Failures before any reply arrived: retrying may help.
bool isNetworkStatus(ldns_status status) {
  return status == LDNS_STATUS_ERR || status == LDNS_STATUS_NETWORK_ERR ||
         status == LDNS_STATUS_SOCKET_ERROR || status == LDNS_STATUS_RES_NO_NS ||
         status == LDNS_STATUS_ADDRESS_ERR;
}

std::uint64_t readUint48(const ldns_rdf* rdf) {
  std::uint64_t value = 0;
  if (rdf != nullptr && ldns_rdf_size(rdf) == 6) {
    const std::uint8_t* data = ldns_rdf_data(rdf);
    for (int i = 0; i < 6; ++i) {
      value = (value << 8) | data[i];
    }
  }
  return value;
}

// RFC 8945 §5.4.3: ldns checks the MAC only, the client checks |now - Time Signed| <= Fudge.
bool signedWithinFudge(const ldns_pkt* reply) {
  const ldns_rr* tsig = ldns_pkt_tsig(reply);
  if (tsig == nullptr || ldns_rr_rd_count(tsig) < 3) {
    return false;
  }
  auto signed_at = static_cast<std::int64_t>(readUint48(ldns_rr_rdf(tsig, 1)));
  std::int64_t fudge = ldns_rdf2native_int16(ldns_rr_rdf(tsig, 2));
  std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  return std::llabs(now - signed_at) <= fudge;
}

}  // namespace

bool isIpAddress(const std::string& host) {
  return makeAddress(host) != nullptr;
}

RdfPtr makeDname(const std::string& name) {
  if (name.empty() || name.back() != '.') {
    return nullptr;
  }
  return RdfPtr(ldns_dname_new_frm_str(name.c_str()));
}

std::vector<std::uint8_t> toWire(const ldns_pkt* pkt) {
  std::uint8_t* data = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&data, pkt, &size) != LDNS_STATUS_OK || data == nullptr) {
    std::free(data);
    return {};
  }
  std::vector<std::uint8_t> wire(data, data + size);
  std::free(data);
  return wire;
}

std::string rcodeName(int rcode) {
  static constexpr std::array<const char*, 11> kNames = {
      "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
      "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};
  if (rcode >= 0 && rcode < static_cast<int>(kNames.size())) {
    return kNames[static_cast<std::size_t>(rcode)];
  }
  return "RCODE " + std::to_string(rcode);
}

std::string tsigErrorName(int error) {
  switch (error) {
    case 0:
      return "NOERROR";
    case 16:
      return "BADSIG";
    case 17:
      return "BADKEY";
    case 18:
      return "BADTIME";
    case 19:
      return "BADMODE";
    case 20:
      return "BADNAME";
    case 21:
      return "BADALG";
    case 22:
      return "BADTRUNC";
    default:
      return "TSIG error " + std::to_string(error);
  }
}

int tsigError(const ldns_pkt* reply) {
  const ldns_rr* tsig = reply != nullptr ? ldns_pkt_tsig(reply) : nullptr;
  if (tsig == nullptr || ldns_rr_rd_count(tsig) < 6) {
    return 0;
  }
  return ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5));
}

Result<Reply> exchange(const net::HostPort& server, std::chrono::milliseconds timeout,
                       const ldns_pkt* message, const TsigKey* key, std::string_view what) {
  const std::string label = server.str();
  RdfPtr address = makeAddress(server.host);
  if (!address) {
    return ProviderError{
        ErrorKind::Permanent, "server \"" + server.host + "\" is not an IPv4 or IPv6 address", {}};
  }
  ResolverPtr resolver(ldns_resolver_new());
  if (!resolver || ldns_resolver_push_nameserver(resolver.get(), address.get()) != LDNS_STATUS_OK) {
    return ProviderError{ErrorKind::Transient, "out of memory preparing a resolver", {}};
  }
  ldns_resolver_set_port(resolver.get(), server.port);
  ldns_resolver_set_random(resolver.get(), false);
  // TCP from the start: no truncation, so no TC fallback that re-sends a signed message with
  // EDNS added and a broken MAC (pitfall 6).
  ldns_resolver_set_usevc(resolver.get(), true);
  ldns_resolver_set_fallback(resolver.get(), false);
  ldns_resolver_set_recursive(resolver.get(), false);
  // One attempt: retries and backoff belong to the caller, who re-reads first.
  ldns_resolver_set_retry(resolver.get(), 1);
  auto ms = timeout.count() > 0 ? timeout.count() : 1;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  ldns_resolver_set_timeout(resolver.get(), tv);
  if (key != nullptr) {
    // ldns_send verifies the reply's MAC with the resolver's key.
    ldns_resolver_set_tsig_keyname(resolver.get(), key->name.c_str());
    ldns_resolver_set_tsig_algorithm(resolver.get(), ldnsAlgorithmName(key->algorithm));
    ldns_resolver_set_tsig_keydata(resolver.get(), key->secret.reveal().c_str());
  }

  ldns_pkt* raw_reply = nullptr;
  // ldns_send, not ldns_resolver_send_pkt: the latter frees the reply on any non-OK status,
  // losing the RCODE of a BADKEY/BADSIG answer (pitfall 4).
  ldns_status status = ldns_send(&raw_reply, resolver.get(), message);
  PktPtr reply(raw_reply);
  if (!reply) {
    std::string detail = ldns_get_errorstr_by_id(status);
    if (isNetworkStatus(status)) {
      return ProviderError{ErrorKind::Transient,
                           "no reply from " + label + " to " + std::string(what) + " within " +
                               std::to_string(ms) + " ms (" + detail + ")",
                           {}};
    }
    return ProviderError{
        ErrorKind::Permanent,
        "malformed reply from " + label + " to " + std::string(what) + " (" + detail + ")",
        {}};
  }
  if (ldns_pkt_id(reply.get()) != ldns_pkt_id(message) || !ldns_pkt_qr(reply.get())) {
    return ProviderError{ErrorKind::Transient,
                         "reply from " + label + " to " + std::string(what) +
                             " does not answer it (ID or QR mismatch)",
                         {}};
  }
  bool authenticated = key != nullptr && status == LDNS_STATUS_OK && signedWithinFudge(reply.get());
  return Reply{std::move(reply), authenticated};
}

}  // namespace planb::providers
