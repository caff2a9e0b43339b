#include "txt_query.hpp"

#include <algorithm>
#include <thread>

#include "core/dns_name.hpp"
#include "providers/ldns_util.hpp"

namespace planb::daemon {

namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
using providers::ErrorKind;
using providers::ProviderError;

constexpr auto kQueryTimeout = 1s;
constexpr auto kPollPause = 100ms;  // between two queries of a server that does not answer it yet

// One TXT RR's character-strings, joined as one value (RFC 1035 §3.3.14; RFC 7208 §3.3 joins
// them the same way).
std::string txtValue(const ldns_rr* rr) {
  std::string value;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
    const std::uint8_t* data = ldns_rdf_data(rdf);
    std::size_t size = ldns_rdf_size(rdf);
    if (size == 0) {
      continue;
    }
    std::size_t length = std::min<std::size_t>(data[0], size - 1);  // a length octet, then text
    value.append(reinterpret_cast<const char*>(data + 1), length);
  }
  return value;
}

}  // namespace

providers::Result<std::vector<std::string>> queryTxt(const config::HostPort& server,
                                                     const std::string& name,
                                                     std::chrono::milliseconds timeout) {
  const std::string canonical = core::canonicalName(name);
  const std::string what = "the TXT query for " + canonical;
  providers::RdfPtr owner = providers::makeDname(canonical);
  if (!owner) {
    return ProviderError{ErrorKind::Permanent, "\"" + name + "\" is not a valid domain name", {}};
  }
  providers::PktPtr message(
      ldns_pkt_query_new(ldns_rdf_clone(owner.get()), LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, 0));
  if (!message) {
    return ProviderError{ErrorKind::Transient, "out of memory building " + what, {}};
  }
  ldns_pkt_set_rd(message.get(), false);  // the server itself, never its resolver
  ldns_pkt_set_random_id(message.get());
  providers::Result<providers::Reply> exchanged =
      providers::exchange(server, timeout, message.get(), nullptr, what);
  if (auto* error = std::get_if<ProviderError>(&exchanged)) {
    return std::move(*error);
  }
  const ldns_pkt* reply = std::get<providers::Reply>(exchanged).packet.get();
  const auto rcode = static_cast<int>(ldns_pkt_get_rcode(reply));
  if (rcode == LDNS_RCODE_NXDOMAIN && ldns_pkt_aa(reply)) {
    return std::vector<std::string>{};
  }
  if (rcode != LDNS_RCODE_NOERROR) {
    ErrorKind kind = rcode == LDNS_RCODE_SERVFAIL  ? ErrorKind::Transient
                     : rcode == LDNS_RCODE_REFUSED ? ErrorKind::Refused
                                                   : ErrorKind::Permanent;
    return ProviderError{
        kind, server.str() + " answered " + what + " with " + providers::rcodeName(rcode), {}};
  }
  if (!ldns_pkt_aa(reply)) {
    return ProviderError{ErrorKind::Permanent,
                         server.str() + " is not authoritative for " + canonical +
                             " (no AA flag in its answer: a referral or a cached answer)",
                         {}};
  }
  std::vector<std::string> values;
  const ldns_rr_list* answer = ldns_pkt_answer(reply);
  for (std::size_t i = 0; answer != nullptr && i < ldns_rr_list_rr_count(answer); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answer, i);
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_TXT &&
        ldns_dname_compare(ldns_rr_owner(rr), owner.get()) == 0) {
      values.push_back(txtValue(rr));
    }
  }
  return values;
}

std::vector<std::string> serversMissingTxt(const std::vector<config::HostPort>& servers,
                                           const std::string& name, const std::string& value,
                                           std::chrono::milliseconds within,
                                           const std::atomic<bool>& stop) {
  const Steady::time_point deadline = Steady::now() + within;
  std::vector<std::string> missing;
  for (const config::HostPort& server : servers) {
    std::string last;
    for (;;) {
      auto answer = queryTxt(server, name, kQueryTimeout);
      if (auto* values = std::get_if<std::vector<std::string>>(&answer)) {
        if (std::find(values->begin(), values->end(), value) != values->end()) {
          last.clear();
          break;
        }
        last = values->empty() ? "answered no TXT" : "answered another TXT value";
      } else {
        last = std::get<ProviderError>(answer).message;
      }
      if (stop || Steady::now() >= deadline) {
        break;
      }
      std::this_thread::sleep_for(kPollPause);
    }
    if (!last.empty()) {
      missing.push_back(server.str() + " (" + last + ")");
    }
  }
  return missing;
}

}  // namespace planb::daemon
