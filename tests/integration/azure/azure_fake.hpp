#pragma once
// tests/fakes/azure_dns_server.py (an ApiFake): Entra ID's token endpoint and ARM on one port,
// with a fresh client secret file.

#include <unistd.h>

#include <string>

#include "harness/api_fake.hpp"

namespace planb::testing {

class AzureFake : public ApiFake {
 public:
  static constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  static constexpr const char* kClient = "0a1b2c3d-0000-4000-8000-00000000c11e";
  static constexpr const char* kSubscription = "9e8d7c6b-0000-4000-8000-0000000005b1";
  static constexpr const char* kResourceGroup = "rg-planb-it";

  explicit AzureFake(int page_size_max = 2, std::vector<std::string> extra = {})
      : ApiFake("azure_dns") {
    secret_file_ = dir() + "/client_secret";
    writePrivate(secret_file_, secret_ + "\n");
    std::vector<std::string> args{"--client-secret-file",
                                  secret_file_,
                                  "--tenant",
                                  kTenant,
                                  "--client-id",
                                  kClient,
                                  "--subscription",
                                  kSubscription,
                                  "--resource-group",
                                  kResourceGroup,
                                  "--zone",
                                  "example.com",
                                  "--page-size-max",
                                  std::to_string(page_size_max)};
    args.insert(args.end(), extra.begin(), extra.end());
    start(args);
  }

  std::string endpoint() const { return base(); }
  const std::string& secretFile() const { return secret_file_; }
  const std::string& secret() const { return secret_; }

  Json addRecordSet(const std::string& name, const std::string& type, const Json& properties) {
    return control(
        "POST", "records",
        {{"zone", "example.com"}, {"name", name}, {"type", type}, {"properties", properties}});
  }
  Json addCname(const std::string& name, const std::string& target, int ttl = 300) {
    return addRecordSet(name, "CNAME", {{"TTL", ttl}, {"CNAMERecord", {{"cname", target}}}});
  }
  // The record set of TYPE at NAME as the fake holds it now, or null.
  Json recordSet(const std::string& name, const std::string& type) {
    for (const Json& r : records()) {
      if (r.at("name") == name && r.at("type") == type) {
        return r;
      }
    }
    return nullptr;
  }
  Json stats() { return control("GET", "stats"); }

 private:
  std::string secret_ = "az-it-secret~" + std::to_string(::getpid()) + ".Zq9";
  std::string secret_file_;
};

}  // namespace planb::testing
