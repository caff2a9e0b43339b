#include "providers/dns_query.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/dns_name.hpp"
#include "providers/ldns_util.hpp"

namespace planb::providers {
namespace {

std::string rrTypeName(ldns_rr_type type) {
  std::unique_ptr<char, decltype(&std::free)> text(ldns_rr_type2str(type), &std::free);
  return text ? std::string(text.get()) : "TYPE" + std::to_string(static_cast<int>(type));
}

// The error REPLY of SERVER_LABEL to WHAT (the query for NAME) is, if it is no authoritative
// answer (NOERROR or NXDOMAIN, AA set).
std::optional<ProviderError> checkAnswer(const ldns_pkt* reply, const std::string& label,
                                         const std::string& what, const std::string& name) {
  const auto rcode = static_cast<int>(ldns_pkt_get_rcode(reply));
  if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
    ErrorKind kind = rcode == LDNS_RCODE_SERVFAIL  ? ErrorKind::Transient
                     : rcode == LDNS_RCODE_REFUSED ? ErrorKind::Refused
                                                   : ErrorKind::Permanent;
    return ProviderError{kind, label + " answered " + what + " with " + rcodeName(rcode), {}};
  }
  if (!ldns_pkt_aa(reply)) {
    return ProviderError{ErrorKind::Permanent,
                         label + " is not authoritative for " + name +
                             " (no AA flag in its answer: a referral or a cached answer)",
                         {}};
  }
  return std::nullopt;
}

// One authoritative answer (NOERROR or NXDOMAIN, AA set) for NAME/TYPE, or the error.
Result<PktPtr> query(const net::HostPort& server, const std::string& name, ldns_rr_type type,
                     std::chrono::milliseconds timeout) {
  const std::string what = "the " + rrTypeName(type) + " query for " + name;
  RdfPtr owner = makeDname(name);
  if (!owner) {
    return ProviderError{ErrorKind::Permanent, "\"" + name + "\" is not a valid domain name", {}};
  }
  PktPtr message(ldns_pkt_query_new(owner.release(), type, LDNS_RR_CLASS_IN, 0));
  if (!message) {
    return ProviderError{ErrorKind::Transient, "out of memory building " + what, {}};
  }
  ldns_pkt_set_rd(message.get(), false);  // ask the server itself, never its resolver
  ldns_pkt_set_random_id(message.get());
  Result<Reply> exchanged = exchange(server, timeout, message.get(), nullptr, what);
  if (auto* error = errorIn(exchanged)) {
    return std::move(*error);
  }
  PktPtr reply = std::move(std::get<Reply>(exchanged).packet);
  if (std::optional<ProviderError> error = checkAnswer(reply.get(), server.str(), what, name)) {
    return std::move(*error);
  }
  return reply;
}

// What the answer section says about NAME: its CNAME, else the lowest-numbered other type.
ServedRecord servedAt(const ldns_pkt* reply, const std::string& name) {
  RdfPtr owner = makeDname(name);
  ServedRecord served;
  int lowest = 0;
  const ldns_rr_list* answer = ldns_pkt_answer(reply);
  for (std::size_t i = 0; answer != nullptr && i < ldns_rr_list_rr_count(answer); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answer, i);
    const auto type = static_cast<int>(ldns_rr_get_type(rr));
    if (ldns_dname_compare(ldns_rr_owner(rr), owner.get()) != 0) {
      continue;
    }
    if (type == LDNS_RR_TYPE_CNAME && ldns_rr_rd_count(rr) == 1) {
      std::unique_ptr<char, decltype(&std::free)> target(ldns_rdf2str(ldns_rr_rdf(rr, 0)),
                                                         &std::free);
      served.kind = ServedRecord::Kind::Cname;
      served.target = core::canonicalName(target ? target.get() : "");
      served.ttl = ldns_rr_ttl(rr);
      return served;
    }
    // DNSSEC records accompany data; they are no conflict of their own.
    if (type != LDNS_RR_TYPE_RRSIG && type != LDNS_RR_TYPE_NSEC && type != LDNS_RR_TYPE_NSEC3 &&
        (lowest == 0 || type < lowest)) {
      lowest = type;
    }
  }
  if (lowest != 0) {
    served.kind = ServedRecord::Kind::Conflict;
    served.conflict_type = rrTypeName(static_cast<ldns_rr_type>(lowest));
  }
  return served;
}

// The text of every RR of TYPE owned by NAME in REPLY's answer section: a TXT record's
// character-strings joined, an NS record's host name canonical.
std::vector<std::string> valuesAt(const ldns_pkt* reply, const std::string& name,
                                  ldns_rr_type type) {
  RdfPtr owner = makeDname(name);
  std::vector<std::string> values;
  const ldns_rr_list* answer = ldns_pkt_answer(reply);
  for (std::size_t i = 0; answer != nullptr && i < ldns_rr_list_rr_count(answer); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answer, i);
    if (ldns_rr_get_type(rr) != type || ldns_dname_compare(ldns_rr_owner(rr), owner.get()) != 0) {
      continue;
    }
    std::string value;
    for (std::size_t k = 0; k < ldns_rr_rd_count(rr); ++k) {
      const ldns_rdf* rdf = ldns_rr_rdf(rr, k);
      if (type == LDNS_RR_TYPE_TXT && ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_STR &&
          ldns_rdf_size(rdf) >= 1) {
        // Wire form: a length byte, then the bytes (ldns checked the length when it parsed).
        const auto* data = reinterpret_cast<const char*>(ldns_rdf_data(rdf));
        value.append(data + 1, std::min<std::size_t>(ldns_rdf_size(rdf) - 1,
                                                     static_cast<unsigned char>(data[0])));
      } else if (type == LDNS_RR_TYPE_NS && ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME) {
        std::unique_ptr<char, decltype(&std::free)> host(ldns_rdf2str(rdf), &std::free);
        value = core::canonicalName(host ? host.get() : "");
      }
    }
    values.push_back(std::move(value));
  }
  return values;
}

std::vector<std::string> sortedUnique(std::vector<std::string> values) {
  values.erase(std::remove(values.begin(), values.end(), std::string()), values.end());
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

ProviderError noZone(const std::string& label, const std::string& zone) {
  return ProviderError{
      ErrorKind::Permanent,
      label + " answered the NS query for " + zone + " with NXDOMAIN: it holds no such zone",
      {}};
}

// REPLY parsed from WIRE and checked as query() checks one, or the error.
Result<PktPtr> parseReply(const std::uint8_t* wire, std::size_t size, const std::string& label,
                          const std::string& what, const std::string& name) {
  ldns_pkt* parsed = nullptr;
  ldns_status status = ldns_wire2pkt(&parsed, wire, size);
  PktPtr reply(parsed);
  if (status != LDNS_STATUS_OK || !reply) {
    return ProviderError{ErrorKind::Permanent,
                         "malformed reply from " + label + ": " + ldns_get_errorstr_by_id(status),
                         {}};
  }
  if (std::optional<ProviderError> error = checkAnswer(reply.get(), label, what, name)) {
    return std::move(*error);
  }
  return reply;
}

}  // namespace

Result<ServedRecord> queryCname(const net::HostPort& server, const std::string& name,
                                std::chrono::milliseconds timeout) {
  const std::string canonical = core::canonicalName(name);
  Result<PktPtr> cname = query(server, canonical, LDNS_RR_TYPE_CNAME, timeout);
  if (auto* error = errorIn(cname)) {
    return std::move(*error);
  }
  const ldns_pkt* reply = std::get<PktPtr>(cname).get();
  if (ldns_pkt_get_rcode(reply) == LDNS_RCODE_NXDOMAIN) {
    return ServedRecord{};
  }
  ServedRecord served = servedAt(reply, canonical);
  if (served.kind == ServedRecord::Kind::Cname) {
    return served;
  }
  // NODATA: the name exists, or is an empty non-terminal. Over TCP an ANY query lists every
  // RRset there (BIND's minimal-any applies to UDP only).
  Result<PktPtr> any = query(server, canonical, LDNS_RR_TYPE_ANY, timeout);
  if (auto* error = errorIn(any)) {
    return std::move(*error);
  }
  return servedAt(std::get<PktPtr>(any).get(), canonical);
}

Result<ServedRecord> readCnameReply(const std::uint8_t* wire, std::size_t size,
                                    const std::string& name, const std::string& server_label) {
  const std::string canonical = core::canonicalName(name);
  Result<PktPtr> reply =
      parseReply(wire, size, server_label, "the CNAME query for " + canonical, canonical);
  if (auto* error = errorIn(reply)) {
    return std::move(*error);
  }
  if (ldns_pkt_get_rcode(std::get<PktPtr>(reply).get()) == LDNS_RCODE_NXDOMAIN) {
    return ServedRecord{};
  }
  return servedAt(std::get<PktPtr>(reply).get(), canonical);
}

Result<std::vector<std::string>> queryTxt(const net::HostPort& server, const std::string& name,
                                          std::chrono::milliseconds timeout) {
  const std::string canonical = core::canonicalName(name);
  Result<PktPtr> txt = query(server, canonical, LDNS_RR_TYPE_TXT, timeout);
  if (auto* error = errorIn(txt)) {
    return std::move(*error);
  }
  return valuesAt(std::get<PktPtr>(txt).get(), canonical, LDNS_RR_TYPE_TXT);
}

Result<std::vector<std::string>> queryNameServers(const net::HostPort& server,
                                                  const std::string& zone,
                                                  std::chrono::milliseconds timeout) {
  const std::string canonical = core::canonicalName(zone);
  Result<PktPtr> ns = query(server, canonical, LDNS_RR_TYPE_NS, timeout);
  if (auto* error = errorIn(ns)) {
    return std::move(*error);
  }
  const ldns_pkt* reply = std::get<PktPtr>(ns).get();
  if (ldns_pkt_get_rcode(reply) == LDNS_RCODE_NXDOMAIN) {
    return noZone(server.str(), canonical);
  }
  return sortedUnique(valuesAt(reply, canonical, LDNS_RR_TYPE_NS));
}

Result<std::vector<std::string>> readTxtReply(const std::uint8_t* wire, std::size_t size,
                                              const std::string& name,
                                              const std::string& server_label) {
  const std::string canonical = core::canonicalName(name);
  Result<PktPtr> reply =
      parseReply(wire, size, server_label, "the TXT query for " + canonical, canonical);
  if (auto* error = errorIn(reply)) {
    return std::move(*error);
  }
  return valuesAt(std::get<PktPtr>(reply).get(), canonical, LDNS_RR_TYPE_TXT);
}

Result<std::vector<std::string>> readNameServersReply(const std::uint8_t* wire, std::size_t size,
                                                      const std::string& zone,
                                                      const std::string& server_label) {
  const std::string canonical = core::canonicalName(zone);
  Result<PktPtr> reply =
      parseReply(wire, size, server_label, "the NS query for " + canonical, canonical);
  if (auto* error = errorIn(reply)) {
    return std::move(*error);
  }
  if (ldns_pkt_get_rcode(std::get<PktPtr>(reply).get()) == LDNS_RCODE_NXDOMAIN) {
    return noZone(server_label, canonical);
  }
  return sortedUnique(valuesAt(std::get<PktPtr>(reply).get(), canonical, LDNS_RR_TYPE_NS));
}

}  // namespace planb::providers
