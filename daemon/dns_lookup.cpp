#include "dns_lookup.hpp"

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/ascii.hpp"
#include "providers/ldns_util.hpp"

namespace planb::daemon {

namespace {

using net::Error;
using net::ErrorKind;
using providers::PktPtr;

std::string rdfText(const ldns_rdf* rdf) {
  std::unique_ptr<char, decltype(&std::free)> text(ldns_rdf2str(rdf), &std::free);
  return text ? std::string(text.get()) : std::string();
}

// One question to one server; the reply whatever its RCODE, or why there is none.
net::Result<PktPtr> ask(const net::HostPort& server, const std::string& name, ldns_rr_type type,
                        bool recursive, std::chrono::milliseconds timeout) {
  providers::RdfPtr owner = providers::makeDname(name);
  if (!owner) {
    return Error{ErrorKind::Permanent, "\"" + name + "\" is not a valid domain name", {}};
  }
  PktPtr message(ldns_pkt_query_new(owner.release(), type, LDNS_RR_CLASS_IN, 0));
  if (!message) {
    return Error{ErrorKind::Transient, "out of memory asking for " + name, {}};
  }
  ldns_pkt_set_rd(message.get(), recursive);
  ldns_pkt_set_random_id(message.get());
  const std::string what = "the query for " + name + " on " + server.str();
  net::Result<providers::Reply> reply =
      providers::exchange(server, timeout, message.get(), nullptr, what);
  if (auto* error = net::errorIn(reply)) {
    return std::move(*error);
  }
  return std::move(std::get<providers::Reply>(reply).packet);
}

// The RCODE of a reply as an error, or nullopt for NOERROR.
std::optional<Error> rcodeError(const ldns_pkt* reply, const net::HostPort& server,
                                const std::string& name) {
  auto rcode = static_cast<int>(ldns_pkt_get_rcode(reply));
  if (rcode == LDNS_RCODE_NOERROR) {
    return std::nullopt;
  }
  return Error{rcode == LDNS_RCODE_NXDOMAIN ? ErrorKind::NotFound : ErrorKind::Transient,
               server.str() + " answered " + providers::rcodeName(rcode) + " for " + name,
               std::nullopt};
}

void collect(const ldns_rr_list* list, ldns_rr_type type, const ldns_rdf* owner,
             std::vector<std::string>& into) {
  for (std::size_t i = 0; list != nullptr && i < ldns_rr_list_rr_count(list); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(list, i);
    if (ldns_rr_get_type(rr) != type || ldns_rr_rd_count(rr) < 1) {
      continue;
    }
    if (owner != nullptr && ldns_dname_compare(ldns_rr_owner(rr), owner) != 0) {
      continue;
    }
    std::string text = rdfText(ldns_rr_rdf(rr, 0));
    if (type == LDNS_RR_TYPE_NS) {
      text = core::asciiLower(text);
    }
    if (!text.empty() && std::find(into.begin(), into.end(), text) == into.end()) {
      into.push_back(text);
    }
  }
}

}  // namespace

net::Result<std::vector<std::string>> resolveAddresses(const std::vector<net::HostPort>& resolvers,
                                                       const std::string& host,
                                                       std::chrono::milliseconds timeout) {
  std::string name = host.empty() || host.back() == '.' ? host : host + ".";
  Error last{ErrorKind::Transient, "no resolver to ask", std::nullopt};
  for (const net::HostPort& server : resolvers) {
    std::vector<std::string> addresses;
    std::optional<Error> failed;
    for (ldns_rr_type type : {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA}) {
      net::Result<PktPtr> reply = ask(server, name, type, true, timeout);
      if (auto* error = net::errorIn(reply)) {
        failed = std::move(*error);
        break;
      }
      const ldns_pkt* packet = std::get<PktPtr>(reply).get();
      if (auto error = rcodeError(packet, server, name)) {
        failed = std::move(*error);
        break;
      }
      // The resolver followed the CNAME chain: every address in the answer is the host's.
      collect(ldns_pkt_answer(packet), type, nullptr, addresses);
    }
    if (!failed && addresses.empty()) {
      failed = Error{ErrorKind::NotFound, server.str() + " knows no address of " + name, {}};
    }
    if (!failed) {
      return addresses;
    }
    last = std::move(*failed);
  }
  return last;
}

net::Result<std::vector<std::string>> lookupNameServers(const std::vector<net::HostPort>& servers,
                                                        const std::string& zone, bool recursive,
                                                        std::chrono::milliseconds timeout) {
  Error last{ErrorKind::Transient, "no server to ask", std::nullopt};
  providers::RdfPtr owner = providers::makeDname(zone);
  if (!owner) {
    return Error{ErrorKind::Permanent, "\"" + zone + "\" is not a valid domain name", {}};
  }
  for (const net::HostPort& server : servers) {
    net::Result<PktPtr> reply = ask(server, zone, LDNS_RR_TYPE_NS, recursive, timeout);
    if (auto* error = net::errorIn(reply)) {
      last = std::move(*error);
      continue;
    }
    const ldns_pkt* packet = std::get<PktPtr>(reply).get();
    if (auto error = rcodeError(packet, server, zone)) {
      last = std::move(*error);
      continue;
    }
    std::vector<std::string> names;
    collect(ldns_pkt_answer(packet), LDNS_RR_TYPE_NS, owner.get(), names);
    if (!recursive) {
      // A parent answers with a referral: the delegation is in the authority section.
      collect(ldns_pkt_authority(packet), LDNS_RR_TYPE_NS, owner.get(), names);
    }
    if (names.empty()) {
      last = Error{ErrorKind::NotFound, server.str() + " serves no NS set for " + zone, {}};
      continue;
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  return last;
}

std::vector<net::HostPort> systemResolvers(const std::string& resolv_conf) {
  std::vector<net::HostPort> servers;
  std::ifstream in(resolv_conf);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string keyword;
    std::string address;
    if (words >> keyword >> address && keyword == "nameserver") {
      address = address.substr(0, address.find('%'));  // a link-local scope is not a HostPort's
      servers.push_back({address, 53});
    }
  }
  return servers;
}

}  // namespace planb::daemon
