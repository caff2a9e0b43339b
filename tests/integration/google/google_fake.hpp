#pragma once
// tests/fakes/google_dns_server.py (an ApiFake) with a service-account key file whose token_uri is
// the fake's token endpoint. The key is RFC 7515 A.2's: the fake derives its public half.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fakes/rfc7515_key.hpp"
#include "harness/api_fake.hpp"

namespace planb::testing {

class GoogleFake : public ApiFake {
 public:
  explicit GoogleFake(std::vector<std::string> extra = {}) : ApiFake("google_dns") {
    key_file_ = dir() + "/service-account.json";
    writeKey("http://127.0.0.1:1/token");  // the fake reads the key; token_uri needs its port
    std::vector<std::string> args{"--credentials-file", key_file_, "--project",
                                  "it-project",         "--zone",  "example.com"};
    args.insert(args.end(), extra.begin(), extra.end());
    start(args);
    writeKey(base() + "/token");
  }

  std::string endpoint() const { return base() + "/dns/v1"; }
  const std::string& keyFile() const { return key_file_; }

  Json put(const std::string& name, const std::string& type, const std::string& data,
           int ttl = 300) {
    return control("POST", "records",
                   {{"zone", "example.com"},
                    {"name", name},
                    {"type", type},
                    {"ttl", ttl},
                    {"rrdatas", Json::array({data})}});
  }

  // The rrset at NAME of TYPE as the fake holds it, or null.
  Json rrset(const std::string& name, const std::string& type) {
    for (const Json& r : records()) {
      if (r.at("name") == name && r.at("type") == type) {
        return r;
      }
    }
    return nullptr;
  }

  Json stats() { return control("GET", "stats"); }

 private:
  void writeKey(const std::string& token_uri) {
    writePrivate(key_file_, Json{{"type", "service_account"},
                                 {"project_id", "it-project"},
                                 {"private_key_id", "1t2k3e4y"},
                                 {"private_key", kRfc7515A2PrivatePem},
                                 {"client_email", "planb-it@it-project.iam.gserviceaccount.com"},
                                 {"token_uri", token_uri}}
                                .dump(2));
  }

  std::string key_file_;
};

}  // namespace planb::testing
