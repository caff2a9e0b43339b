#include "providers/dns_update.hpp"

#include "core/dns_name.hpp"

namespace planb::providers {
namespace {

constexpr std::uint16_t kFudgeSeconds = 300;

// An RR with no RDATA (written with RDLENGTH 0): delete-RRset and RRset-(non)existence forms.
RrPtr emptyRr(const ldns_rdf* owner, ldns_rr_class rr_class) {
  RrPtr rr(ldns_rr_new());
  ldns_rr_set_owner(rr.get(), ldns_rdf_clone(owner));
  ldns_rr_set_ttl(rr.get(), 0);
  ldns_rr_set_class(rr.get(), rr_class);
  ldns_rr_set_type(rr.get(), LDNS_RR_TYPE_CNAME);
  return rr;
}

RrPtr cnameRr(const ldns_rdf* owner, std::uint32_t ttl, RdfPtr target) {
  RrPtr rr = emptyRr(owner, LDNS_RR_CLASS_IN);
  ldns_rr_set_ttl(rr.get(), ttl);
  ldns_rr_push_rdf(rr.get(), target.release());
  return rr;
}

ProviderError badName(const std::string& what, const std::string& name) {
  return ProviderError{
      ErrorKind::Permanent, what + " \"" + name + "\" is not an absolute domain name", {}};
}

std::string tsigHint(int tsig_error) {
  switch (tsig_error) {
    case 16:
      return " (the secret differs from the server's)";
    case 17:
      return " (the server has no key of that name and algorithm)";
    case 18:
      return " (the clocks differ by more than the 300 s fudge; check NTP)";
    default:
      return "";
  }
}

}  // namespace

CnameUpdate cnameUpdateFor(const ReplaceRequest& request) {
  CnameUpdate update;
  update.zone = core::canonicalName(request.record.zone);
  update.name = core::canonicalName(request.record.name);
  update.new_target = core::canonicalName(request.new_target);
  update.ttl = request.ttl;
  if (request.expected_target) {
    update.prerequisite = Prerequisite::ExactValue;
    update.expected_target = core::canonicalName(*request.expected_target);
  }
  return update;
}

Result<PktPtr> buildCnameUpdate(const CnameUpdate& update, std::uint16_t id) {
  return buildCnameUpdates({update}, id);
}

Result<PktPtr> buildCnameUpdates(const std::vector<CnameUpdate>& updates, std::uint16_t id) {
  if (updates.empty()) {
    return ProviderError{ErrorKind::Permanent, "an UPDATE needs at least one record", {}};
  }
  RdfPtr zone = makeDname(updates.front().zone);
  if (!zone) {
    return badName("zone", updates.front().zone);
  }
  RrListPtr prerequisites(ldns_rr_list_new());
  RrListPtr changes(ldns_rr_list_new());
  for (const CnameUpdate& update : updates) {
    RdfPtr name = makeDname(update.name);
    RdfPtr target = makeDname(update.new_target);
    if (!name) {
      return badName("record name", update.name);
    }
    if (!target) {
      return badName("new target", update.new_target);
    }
    switch (update.prerequisite) {
      case Prerequisite::ExactValue: {
        RdfPtr expected = makeDname(update.expected_target);
        if (!expected) {
          return badName("expected target", update.expected_target);
        }
        ldns_rr_list_push_rr(prerequisites.get(),
                             cnameRr(name.get(), 0, std::move(expected)).release());
        break;
      }
      case Prerequisite::Exists:
        ldns_rr_list_push_rr(prerequisites.get(), emptyRr(name.get(), LDNS_RR_CLASS_ANY).release());
        break;
      case Prerequisite::NotExists:
        ldns_rr_list_push_rr(prerequisites.get(),
                             emptyRr(name.get(), LDNS_RR_CLASS_NONE).release());
        break;
    }
    ldns_rr_list_push_rr(changes.get(), emptyRr(name.get(), LDNS_RR_CLASS_ANY).release());
    ldns_rr_list_push_rr(changes.get(),
                         cnameRr(name.get(), update.ttl, std::move(target)).release());
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

Result<Unit> signUpdate(ldns_pkt* message, const TsigKey& key) {
  ldns_status status = ldns_pkt_tsig_sign(message, key.name.c_str(), key.secret.reveal().c_str(),
                                          kFudgeSeconds, ldnsAlgorithmName(key.algorithm), nullptr);
  if (status != LDNS_STATUS_OK) {
    return ProviderError{ErrorKind::Permanent,
                         "cannot sign with TSIG key \"" + displayName(key) + "\" (" +
                             std::string(nameOf(key.algorithm)) +
                             "): " + ldns_get_errorstr_by_id(status),
                         {}};
  }
  return Unit{};
}

std::optional<ProviderError> classifyUpdateReply(const CnameUpdate& update,
                                                 const std::string& server_label,
                                                 const std::string& key_name, int rcode,
                                                 int tsig_error, bool authenticated) {
  if (tsig_error == 0 && (rcode == LDNS_RCODE_NXRRSET || rcode == LDNS_RCODE_YXRRSET)) {
    std::string lost = "compare-and-swap lost: " + update.name;
    if (update.prerequisite == Prerequisite::ExactValue && rcode == LDNS_RCODE_NXRRSET) {
      lost += " no longer points to " + update.expected_target;
    } else if (update.prerequisite == Prerequisite::Exists && rcode == LDNS_RCODE_NXRRSET) {
      lost += " no longer has a CNAME";
    } else if (update.prerequisite == Prerequisite::NotExists && rcode == LDNS_RCODE_YXRRSET) {
      lost += " already has a CNAME";
    } else {
      lost += ": prerequisite failed (" + rcodeName(rcode) + ")";
    }
    return ProviderError{ErrorKind::Conflict, lost, {}};
  }
  return classifySubjectReply({update.zone, update.name, "CNAME"}, server_label, key_name, rcode,
                              tsig_error, authenticated);
}

std::optional<ProviderError> classifySubjectReply(const UpdateSubject& subject,
                                                  const std::string& server_label,
                                                  const std::string& key_name, int rcode,
                                                  int tsig_error, bool authenticated) {
  const std::string of = " the UPDATE of " + subject.name;
  auto error = [](ErrorKind kind, std::string message) {
    return ProviderError{kind, std::move(message), {}};
  };
  if (tsig_error != 0) {
    return error(ErrorKind::Auth, "server " + server_label + " rejected TSIG key \"" + key_name +
                                      "\": " + tsigErrorName(tsig_error) + tsigHint(tsig_error));
  }
  switch (rcode) {
    case LDNS_RCODE_NOERROR:
      if (!authenticated) {
        return error(ErrorKind::Auth,
                     "the reply of " + server_label + " to" + of +
                         " is not authenticated by TSIG key \"" + key_name +
                         "\" (bad or missing MAC, or signed more than 300 s away from this "
                         "host's clock); whether it was applied is unknown");
      }
      return std::nullopt;
    case LDNS_RCODE_NOTAUTH:
      return error(ErrorKind::Auth, "server " + server_label + " answered" + of +
                                        " with NOTAUTH: it rejected TSIG key \"" + key_name +
                                        "\" or is not authoritative for zone " + subject.zone);
    case LDNS_RCODE_REFUSED:
      return error(ErrorKind::Refused,
                   "server " + server_label + " refused" + of + " (REFUSED): TSIG key \"" +
                       key_name + "\" may not change its " + subject.type + " (update-policy)");
    case LDNS_RCODE_NXRRSET:
    case LDNS_RCODE_YXRRSET:
      return error(ErrorKind::Conflict, "server " + server_label + " refused" + of + " with " +
                                            rcodeName(rcode) + ": a prerequisite failed");
    case LDNS_RCODE_SERVFAIL:
      return error(ErrorKind::Transient,
                   "server " + server_label + " failed" + of + " (SERVFAIL); nothing was changed");
    case LDNS_RCODE_NOTZONE:
      return error(ErrorKind::Permanent, "server " + server_label + " answered" + of +
                                             " with NOTZONE: the name is not in zone " +
                                             subject.zone);
    case LDNS_RCODE_NOTIMPL:
      return error(ErrorKind::Permanent,
                   "server " + server_label + " does not implement UPDATE (NOTIMP)");
    default:
      return error(ErrorKind::Permanent,
                   "server " + server_label + " rejected" + of + " with " + rcodeName(rcode));
  }
}

}  // namespace planb::providers
