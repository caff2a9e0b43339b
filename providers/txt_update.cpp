#include "providers/txt_update.hpp"

#include <vector>

#include "core/dns_name.hpp"

namespace planb::providers {
namespace {

// An RR of TYPE with no RDATA: the delete-RRset and RRset-(non)existence forms.
RrPtr bareRr(const ldns_rdf* owner, ldns_rr_class rr_class, ldns_rr_type type) {
  RrPtr rr(ldns_rr_new());
  ldns_rr_set_owner(rr.get(), ldns_rdf_clone(owner));
  ldns_rr_set_ttl(rr.get(), 0);
  ldns_rr_set_class(rr.get(), rr_class);
  ldns_rr_set_type(rr.get(), type);
  return rr;
}

// VALUE as one character-string in wire form (length byte, bytes): never parsed as zone text, so
// quotes and backslashes in it are data.
RdfPtr characterString(const std::string& value) {
  std::vector<std::uint8_t> wire;
  wire.reserve(value.size() + 1);
  wire.push_back(static_cast<std::uint8_t>(value.size()));
  wire.insert(wire.end(), value.begin(), value.end());
  return RdfPtr(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, wire.size(), wire.data()));
}

}  // namespace

TxtUpdate txtUpdateFor(const TxtWrite& write) {
  TxtUpdate update = txtDeleteFor(write.record);
  update.value = write.value;
  update.ttl = write.ttl;
  return update;
}

TxtUpdate txtDeleteFor(const RecordRef& record) {
  TxtUpdate update;
  update.zone = core::canonicalName(record.zone);
  update.name = core::canonicalName(record.name);
  return update;
}

std::optional<ProviderError> txtValueError(const std::string& value) {
  if (value.size() > kMaxTxtValueBytes) {
    return ProviderError{ErrorKind::Permanent,
                         "a TXT value of " + std::to_string(value.size()) +
                             " bytes is longer than one character-string (at most " +
                             std::to_string(kMaxTxtValueBytes) + ")",
                         {}};
  }
  return std::nullopt;
}

Result<PktPtr> buildTxtUpdate(const TxtUpdate& update, std::uint16_t id) {
  RdfPtr zone = makeDname(update.zone);
  if (!zone) {
    return ProviderError{
        ErrorKind::Permanent, "zone \"" + update.zone + "\" is not an absolute domain name", {}};
  }
  RdfPtr name = makeDname(update.name);
  if (!name) {
    return ProviderError{ErrorKind::Permanent,
                         "record name \"" + update.name + "\" is not an absolute domain name",
                         {}};
  }
  RrListPtr prerequisites(ldns_rr_list_new());
  RrListPtr changes(ldns_rr_list_new());
  ldns_rr_list_push_rr(changes.get(),
                       bareRr(name.get(), LDNS_RR_CLASS_ANY, LDNS_RR_TYPE_TXT).release());
  if (update.value) {
    if (std::optional<ProviderError> error = txtValueError(*update.value)) {
      return std::move(*error);
    }
    RdfPtr text = characterString(*update.value);
    if (!text) {
      return ProviderError{ErrorKind::Transient, "out of memory building an UPDATE", {}};
    }
    ldns_rr_list_push_rr(prerequisites.get(),
                         bareRr(name.get(), LDNS_RR_CLASS_NONE, LDNS_RR_TYPE_CNAME).release());
    RrPtr added = bareRr(name.get(), LDNS_RR_CLASS_IN, LDNS_RR_TYPE_TXT);
    ldns_rr_set_ttl(added.get(), update.ttl);
    ldns_rr_push_rdf(added.get(), text.release());
    ldns_rr_list_push_rr(changes.get(), added.release());
  }
  // ldns_update_pkt_new takes the zone name and copies the lists.
  PktPtr message(ldns_update_pkt_new(zone.release(), LDNS_RR_CLASS_IN, prerequisites.get(),
                                     changes.get(), nullptr));
  if (!message) {
    return ProviderError{ErrorKind::Transient, "out of memory building an UPDATE", {}};
  }
  ldns_pkt_set_rd(message.get(), false);
  ldns_pkt_set_id(message.get(), id);
  return message;
}

std::optional<ProviderError> classifyTxtUpdateReply(const TxtUpdate& update,
                                                    const std::string& server_label,
                                                    const std::string& key_name, int rcode,
                                                    int tsig_error, bool authenticated) {
  if (tsig_error == 0 && rcode == LDNS_RCODE_YXRRSET && update.value) {
    return ProviderError{
        ErrorKind::Conflict, update.name + " holds a CNAME: no TXT is written beside it", {}};
  }
  return classifySubjectReply({update.zone, update.name, "TXT"}, server_label, key_name, rcode,
                              tsig_error, authenticated);
}

}  // namespace planb::providers
