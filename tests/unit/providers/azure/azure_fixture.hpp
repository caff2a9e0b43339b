#pragma once
// An AzureProvider on a scripted transport that answers as Entra ID and ARM do (the shapes of
// azure-rest-api-specs' 2018-05-01 examples), from a small model of one zone's record sets: what
// each test then changes is the one reply it is about.

#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "fakes/manual_clock.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fakes/scripted_transport.hpp"
#include "fakes/temp_dir.hpp"
#include "providers/azure_provider.hpp"

namespace planb::testing {

inline const std::string kAzureSecret = "azure-Client~Secret.value-Q8w";
inline const std::string kAzureTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
inline const std::string kAzureClient = "11111111-2222-3333-4444-555555555555";
inline const std::string kAzureArm = "https://arm.test";
inline const std::string kAzureLogin = "https://login.test";
inline const std::string kAzureZonePath =
    "/subscriptions/sub-1/resourceGroups/rg-dns/providers/Microsoft.Network/dnsZones/example.com";

struct AzureFixture {
  using Json = nlohmann::json;

  TempDir dir;
  std::string secret_file = dir.path() + "/client_secret";
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  CountedCeiling counted;
  // (TYPE, lower-case relative name) -> record set as ARM serves it.
  std::map<std::pair<std::string, std::string>, Json> sets;
  int etags = 0;
  int tokens_issued = 0;
  int token_lifetime = 3599;
  std::size_t page = 100;  // record sets per listing page
  // Answers a request before the model does, when it returns a reply.
  std::function<std::optional<net::HttpResponse>(const net::HttpRequest&)> before;
  std::unique_ptr<providers::AzureProvider> provider;

  AzureFixture() {
    writeSecret(kAzureSecret);
    transport->answer([this](const net::HttpRequest& r) { return answer(r); });
    providers::AzureConfig config;
    config.name = "az";
    config.settings.tenant_id = kAzureTenant;
    config.settings.client_id = kAzureClient;
    config.settings.client_secret_file = secret_file;
    config.settings.subscription_id = "sub-1";
    config.settings.resource_group = "rg-dns";
    config.settings.login_endpoint = kAzureLogin;
    config.endpoint = kAzureArm;
    providers::AzureOptions options;
    options.ceiling = counted.bucket;
    provider = std::make_unique<providers::AzureProvider>(config, transport, clock, options);
  }

  void writeSecret(const std::string& value) {
    std::ofstream(secret_file) << value << "\n";
    ::chmod(secret_file.c_str(), 0600);
  }

  std::string nextEtag() { return "etag-" + std::to_string(++etags); }

  Json& put(const std::string& type, const std::string& name, Json properties) {
    properties["fqdn"] = (name == "@" ? std::string() : name + ".") + "example.com.";
    Json set = {{"id", kAzureZonePath + "/" + type + "/" + name},
                {"etag", nextEtag()},
                {"name", name},
                {"type", "Microsoft.Network/dnsZones/" + type},
                {"properties", properties}};
    return sets[{type, name}] = set;
  }
  Json& cname(const std::string& name, const std::string& target, int ttl = 300) {
    return put("CNAME", name, {{"TTL", ttl}, {"CNAMERecord", {{"cname", target}}}});
  }

  static net::HttpResponse json(long status, const Json& body, net::Headers headers = {}) {
    headers.emplace_back("content-type", "application/json; charset=utf-8");
    return reply(status, body.dump(), headers);
  }
  static Json armError(const std::string& code, const std::string& message) {
    return {{"error", {{"code", code}, {"message", message}}}};
  }

  // The requests of one method to ARM (not the token's).
  std::vector<net::HttpRequest> arm(const std::string& method = "") const {
    std::vector<net::HttpRequest> out;
    for (const auto& r : transport->requests) {
      if (r.url.rfind(kAzureArm, 0) == 0 && (method.empty() || r.method == method)) {
        out.push_back(r);
      }
    }
    return out;
  }

  static std::string header(const net::HttpRequest& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) {
        return v;
      }
    }
    return {};
  }

  net::Result<net::HttpResponse> answer(const net::HttpRequest& r) {
    if (before) {
      if (auto canned = before(r)) {
        return *canned;
      }
    }
    if (r.url.rfind(kAzureLogin, 0) == 0) {
      ++tokens_issued;
      return json(200, {{"token_type", "Bearer"},
                        {"expires_in", token_lifetime},
                        {"ext_expires_in", token_lifetime},
                        {"access_token", "token-" + std::to_string(tokens_issued)}});
    }
    std::string path = r.url.substr(kAzureArm.size());
    std::string query;
    if (auto q = path.find('?'); q != std::string::npos) {
      query = path.substr(q + 1);
      path = path.substr(0, q);
    }
    if (path == kAzureZonePath) {
      return json(
          200,
          {{"name", "example.com"},
           {"etag", "zone-etag"},
           {"location", "global"},
           {"type", "Microsoft.Network/dnsZones"},
           {"properties",
            {{"maxNumberOfRecordSets", 10000},
             {"numberOfRecordSets", sets.size()},
             {"nameServers", Json::array({"ns2-01.azure-dns.net.", "ns1-01.azure-dns.com."})}}}});
    }
    if (path.rfind(kAzureZonePath + "/", 0) != 0) {
      return json(404, armError("NotFound", "no such path"));
    }
    std::string rest = path.substr(kAzureZonePath.size() + 1);
    if (rest == "recordsets") {
      std::size_t skip = 0;
      if (auto s = query.find("skip="); s != std::string::npos) {
        skip = std::stoul(query.substr(s + 5));
      }
      Json value = Json::array();
      std::size_t i = 0;
      for (const auto& entry : sets) {
        if (i >= skip && i < skip + page) {
          value.push_back(entry.second);
        }
        ++i;
      }
      Json body = {{"value", value}};
      if (skip + page < sets.size()) {
        body["nextLink"] = kAzureArm + kAzureZonePath +
                           "/recordsets?api-version=2018-05-01&skip=" + std::to_string(skip + page);
      }
      return json(200, body);
    }
    std::string type = rest.substr(0, rest.find('/'));
    std::string name = rest.substr(rest.find('/') + 1);
    auto key = std::make_pair(type, name);
    auto found = sets.find(key);
    if (r.method == "GET") {
      if (found == sets.end()) {
        return json(404, armError("NotFound", "The resource record '" + name +
                                                  "' does not exist in resource group 'rg-dns' "
                                                  "of subscription 'sub-1'."));
      }
      return json(200, found->second);
    }
    if (r.method == "DELETE") {
      if (found == sets.end()) {
        return reply(204, "");
      }
      sets.erase(found);
      return reply(200, "");
    }
    // PUT
    std::string if_match = header(r, "If-Match");
    if (header(r, "If-None-Match") == "*" && found != sets.end()) {
      return json(412, armError("PreconditionFailed",
                                "The condition '*' in the If-None-Match header was satisfied."));
    }
    if (!if_match.empty() &&
        (found == sets.end() || found->second.at("etag").get<std::string>() != if_match)) {
      return json(
          412, armError("PreconditionFailed", "The condition '" + if_match +
                                                  "' in the If-Match header was not satisfied."));
    }
    Json body = Json::parse(r.body);
    bool created = found == sets.end();
    put(type, name, body.at("properties"));
    return json(created ? 201 : 200, sets[key]);
  }
};

}  // namespace planb::testing
