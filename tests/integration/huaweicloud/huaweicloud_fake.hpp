#pragma once
// tests/fakes/huaweicloud_server.py (an ApiFake) with fresh AK/SK files and the zone example.com.

#include <unistd.h>

#include <string>

#include "harness/api_fake.hpp"

namespace planb::testing {

class HuaweiCloudFake : public ApiFake {
 public:
  explicit HuaweiCloudFake(int page_size_max = 2, double pending_seconds = 0)
      : ApiFake("huaweicloud") {
    key_id_file_ = dir() + "/access_key_id";
    secret_file_ = dir() + "/secret_access_key";
    writePrivate(key_id_file_, key_id_ + "\n");
    writePrivate(secret_file_, secret_ + "\n");
    start({"--access-key-id-file", key_id_file_, "--secret-access-key-file", secret_file_, "--zone",
           "example.com", "--page-size-max", std::to_string(page_size_max), "--pending-seconds",
           std::to_string(pending_seconds)});
  }

  std::string endpoint() const { return base(); }
  const std::string& keyIdFile() const { return key_id_file_; }
  const std::string& secretFile() const { return secret_file_; }
  const std::string& keyId() const { return key_id_; }
  const std::string& secret() const { return secret_; }

  Json addRecordset(const std::string& name, const std::string& type, const Json& records,
                    int ttl = 300, const Json& extra = Json::object()) {
    Json body = extra;
    body.update({{"zone", "example.com"},
                 {"name", name},
                 {"type", type},
                 {"records", records},
                 {"ttl", ttl}});
    return control("POST", "records", body);
  }

  Json recordset(const std::string& id) { return recordWhere("id", id); }

  // Record sets at `name` of `type`, as the fake holds them now.
  Json recordsetsAt(const std::string& name, const std::string& type) {
    Json out = Json::array();
    for (const Json& r : records()) {
      if (r.at("name") == name && r.at("type") == type) {
        out.push_back(r);
      }
    }
    return out;
  }

 private:
  std::string key_id_ = "HWAKIT" + std::to_string(::getpid());
  std::string secret_ = "hw-it-secret-" + std::to_string(::getpid()) + "-Zq9";
  std::string key_id_file_;
  std::string secret_file_;
};

}  // namespace planb::testing
