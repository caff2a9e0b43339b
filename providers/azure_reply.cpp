#include "providers/azure_reply.hpp"

#include <stdexcept>

namespace planb::providers {

namespace {

using Json = nlohmann::json;

// The properties a PUT sends back: those read, less what the service computes.
Json azureWritableProperties(const Json* read) {
  Json properties = Json::object();
  if (read != nullptr) {
    if (auto p = read->find("properties"); p != read->end() && p->is_object()) {
      properties = *p;
    }
  }
  properties.erase("fqdn");
  properties.erase("provisioningState");
  return properties;
}

}  // namespace

AzureRecordSet parseAzureRecordSet(const Json& record_set) {
  AzureRecordSet r;
  r.name = record_set.at("name").get<std::string>();
  const std::string& type = record_set.at("type").get_ref<const std::string&>();
  r.type = type.substr(type.rfind('/') + 1);
  if (r.type.empty() || r.name.empty()) {
    throw std::invalid_argument("record set without a name or a type");
  }
  if (auto e = record_set.find("etag"); e != record_set.end() && e->is_string()) {
    r.etag = e->get<std::string>();
  }
  const Json& properties = record_set.at("properties");
  if (auto t = properties.find("TTL"); t != properties.end() && !t->is_null()) {
    long long ttl = t->get<long long>();
    if (ttl < 0 || ttl > 0xffffffffLL) {
      throw std::invalid_argument("TTL out of range");
    }
    r.ttl = static_cast<std::uint32_t>(ttl);
  }
  if (auto c = properties.find("CNAMERecord"); c != properties.end() && c->is_object()) {
    if (auto v = c->find("cname");
        v != c->end() && v->is_string() && !v->get_ref<const std::string&>().empty()) {
      r.cname = v->get<std::string>();
    }
  }
  if (auto t = properties.find("targetResource"); t != properties.end() && t->is_object()) {
    if (auto id = t->find("id");
        id != t->end() && id->is_string() && !id->get_ref<const std::string&>().empty()) {
      r.alias = true;
    }
  }
  if (auto txt = properties.find("TXTRecords"); txt != properties.end() && txt->is_array()) {
    for (const Json& record : *txt) {
      std::string joined;
      for (const Json& part : record.at("value")) {
        joined += part.get<std::string>();
      }
      r.txt_values.push_back(std::move(joined));
    }
  }
  r.raw = record_set;
  return r;
}

AzureListPage parseAzureListPage(const Json& page) {
  AzureListPage result;
  for (const Json& record_set : page.at("value")) {
    result.record_sets.push_back(parseAzureRecordSet(record_set));
  }
  if (auto next = page.find("nextLink"); next != page.end() && next->is_string()) {
    result.next_link = next->get<std::string>();
  }
  return result;
}

AzureArmError parseAzureArmError(const Json& body) {
  AzureArmError e;
  if (!body.is_object()) {
    return e;
  }
  const Json* holder = &body;
  if (auto inner = body.find("error"); inner != body.end() && inner->is_object()) {
    holder = &*inner;
  }
  if (auto c = holder->find("code"); c != holder->end() && c->is_string()) {
    e.code = c->get<std::string>();
  }
  if (auto m = holder->find("message"); m != holder->end() && m->is_string()) {
    e.message = m->get<std::string>();
  }
  return e;
}

net::ErrorKind azureErrorKind(long status, std::string_view code) {
  using net::ErrorKind;
  if (status == 401 || status == 403) {
    return ErrorKind::Auth;
  }
  if (status == 404) {
    return ErrorKind::NotFound;
  }
  if (status == 409 || status == 412) {
    return ErrorKind::Conflict;
  }
  if (status == 429 || code == "SubscriptionRequestsThrottled" || code == "TooManyRequests") {
    return ErrorKind::RateLimited;
  }
  if (status >= 500) {
    return ErrorKind::Transient;
  }
  return ErrorKind::Permanent;
}

bool isAzureZoneMissing(std::string_view code) {
  return code == "ParentResourceNotFound" || code == "ResourceGroupNotFound" ||
         code == "SubscriptionNotFound" || code == "ResourceNotFound";
}

std::vector<std::string> azureNameServers(const Json& zone) {
  std::vector<std::string> servers;
  const Json& properties = zone.at("properties");
  if (auto ns = properties.find("nameServers"); ns != properties.end() && !ns->is_null()) {
    for (const Json& server : *ns) {
      servers.push_back(server.get<std::string>());
    }
  }
  return servers;
}

Json azureCnameBody(const Json* read, std::string_view target, std::uint32_t ttl) {
  Json properties = azureWritableProperties(read);
  properties["TTL"] = ttl;
  properties["CNAMERecord"] = Json{{"cname", std::string(target)}};
  return Json{{"properties", std::move(properties)}};
}

Json azureTxtBody(const Json* read, std::string_view value, std::uint32_t ttl) {
  Json properties = azureWritableProperties(read);
  properties["TTL"] = ttl;
  Json record = Json::object();
  record["value"] = Json::array({std::string(value)});
  properties["TXTRecords"] = Json::array({record});
  return Json{{"properties", std::move(properties)}};
}

}  // namespace planb::providers
