#include "providers/google_reply.hpp"

#include <nlohmann/json.hpp>

#include "core/ascii.hpp"
#include "core/dns_name.hpp"

namespace planb::providers {

using Json = nlohmann::json;

namespace {

// An optional array: absent is empty (Google omits empty lists), anything but an array throws.
const Json::array_t& googleList(const Json& object, const char* key) {
  static const Json::array_t kEmpty;
  auto it = object.find(key);
  if (it == object.end()) {
    return kEmpty;
  }
  return it->get_ref<const Json::array_t&>();  // throws type_error when not an array
}

std::string googleOptionalString(const Json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? std::string() : it->get<std::string>();
}

}  // namespace

GoogleRrsetPage parseGoogleRrsetPage(const Json& reply) {
  GoogleRrsetPage page;
  for (const Json& r : googleList(reply, "rrsets")) {
    GoogleRrset set;
    set.name = r.at("name").get<std::string>();
    set.type = r.at("type").get<std::string>();
    // ttl is an integer in the reference; absent only on sets with a routing policy's own TTLs.
    if (auto ttl = r.find("ttl"); ttl != r.end()) {
      set.ttl = ttl->get<std::uint32_t>();
    }
    for (const Json& d : googleList(r, "rrdatas")) {
      set.rrdatas.push_back(d.get<std::string>());
    }
    set.routing_policy = r.contains("routingPolicy");
    set.raw = r.dump();
    page.rrsets.push_back(std::move(set));
  }
  page.next_page_token = googleOptionalString(reply, "nextPageToken");
  return page;
}

GoogleChange parseGoogleChange(const Json& reply) {
  return GoogleChange{reply.at("id").get<std::string>(), reply.at("status").get<std::string>()};
}

GoogleZone parseGoogleZone(const Json& zone) {
  GoogleZone z;
  z.name = zone.at("name").get<std::string>();
  z.dns_name = zone.at("dnsName").get<std::string>();
  z.visibility = googleOptionalString(zone, "visibility");
  for (const Json& ns : googleList(zone, "nameServers")) {
    z.name_servers.push_back(ns.get<std::string>());
  }
  return z;
}

GoogleZonePage parseGoogleZonePage(const Json& reply) {
  GoogleZonePage page;
  for (const Json& z : googleList(reply, "managedZones")) {
    page.zones.push_back(parseGoogleZone(z));
  }
  page.next_page_token = googleOptionalString(reply, "nextPageToken");
  return page;
}

std::optional<GoogleErrorBody> parseGoogleError(const Json& reply) {
  if (!reply.is_object()) {
    return std::nullopt;
  }
  auto error = reply.find("error");
  if (error == reply.end() || !error->is_object()) {
    return std::nullopt;
  }
  GoogleErrorBody body;
  if (auto m = error->find("message"); m != error->end() && m->is_string()) {
    body.message = m->get<std::string>();
  }
  if (auto s = error->find("status"); s != error->end() && s->is_string()) {
    body.status = s->get<std::string>();
  }
  if (auto list = error->find("errors"); list != error->end() && list->is_array()) {
    for (const Json& e : *list) {
      if (!e.is_object()) {
        continue;
      }
      if (auto r = e.find("reason"); r != e.end() && r->is_string()) {
        body.reasons.push_back(r->get<std::string>());
      }
      if (body.message.empty()) {
        if (auto m = e.find("message"); m != e.end() && m->is_string()) {
          body.message = m->get<std::string>();
        }
      }
    }
  }
  return body;
}

ErrorKind googleErrorKind(long status, const std::vector<std::string>& reasons) {
  auto has = [&reasons](std::string_view reason) {
    for (const std::string& r : reasons) {
      if (r == reason) {
        return true;
      }
    }
    return false;
  };
  if (status == 429 || has("rateLimitExceeded") || has("userRateLimitExceeded")) {
    return ErrorKind::RateLimited;
  }
  if (has("quotaExceeded")) {
    return ErrorKind::Permanent;
  }
  if (status >= 500) {
    return ErrorKind::Transient;
  }
  if (status == 412 || status == 409 || has("conditionNotMet") || has("alreadyExists")) {
    return ErrorKind::Conflict;
  }
  if (status == 401 || status == 403) {
    return ErrorKind::Auth;
  }
  if (status == 404) {
    return ErrorKind::NotFound;
  }
  return ErrorKind::Permanent;
}

std::optional<std::string> googleChangeRefIn(std::string_view message, std::string_view list) {
  std::string key = "entity.change." + std::string(list) + "[";
  auto at = message.find(key);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  std::size_t from = at + key.size();
  std::size_t to = message.find(']', from);
  if (to == std::string_view::npos || to == from) {
    return std::nullopt;
  }
  return std::string(message.substr(from, to - from));
}

ServedRecord googleServedAt(const std::vector<const GoogleRrset*>& at_name) {
  ServedRecord served;
  const GoogleRrset* cname = nullptr;
  for (const GoogleRrset* set : at_name) {
    if (set->type == "CNAME" && !set->routing_policy && set->rrdatas.size() == 1 &&
        cname == nullptr) {
      cname = set;
      continue;
    }
    served.kind = ServedRecord::Kind::Conflict;
    served.conflict_type = set->type == "CNAME" ? "CNAME (with a routing policy)" : set->type;
    return served;
  }
  if (cname != nullptr) {
    served.kind = ServedRecord::Kind::Cname;
    served.target = core::canonicalName(cname->rrdatas.front());
    served.ttl = cname->ttl;
  }
  return served;
}

std::string googleQuoteTxt(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
  return out;
}

std::string googleUnquoteTxt(std::string_view rrdata) {
  std::string out;
  std::size_t i = 0;
  while (i < rrdata.size()) {
    if (rrdata[i] == ' ') {
      ++i;
    } else if (rrdata[i] == '"') {
      for (++i; i < rrdata.size() && rrdata[i] != '"'; ++i) {
        if (rrdata[i] == '\\' && i + 1 < rrdata.size()) {
          ++i;
        }
        out += rrdata[i];
      }
      ++i;  // the closing quote
    } else {
      for (; i < rrdata.size() && rrdata[i] != ' '; ++i) {
        out += rrdata[i];
      }
    }
  }
  return out;
}

}  // namespace planb::providers
