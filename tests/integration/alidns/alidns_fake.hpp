#pragma once
// tests/fakes/alidns_server.py (an ApiFake) with fresh AccessKey files.

#include <unistd.h>

#include <string>

#include "harness/api_fake.hpp"

namespace planb::testing {

class AlidnsFake : public ApiFake {
 public:
  explicit AlidnsFake(int page_size_max = 2) : ApiFake("alidns") {
    key_id_file_ = dir() + "/access_key_id";
    key_secret_file_ = dir() + "/access_key_secret";
    writePrivate(key_id_file_, key_id_ + "\n");
    writePrivate(key_secret_file_, key_secret_ + "\n");
    start({"--access-key-id-file", key_id_file_, "--access-key-secret-file", key_secret_file_,
           "--domain", "example.com", "--page-size-max", std::to_string(page_size_max)});
  }

  std::string endpoint() const { return base() + "/"; }
  const std::string& keyIdFile() const { return key_id_file_; }
  const std::string& keySecretFile() const { return key_secret_file_; }
  const std::string& keyId() const { return key_id_; }
  const std::string& keySecret() const { return key_secret_; }

  Json addRecord(const std::string& rr, const std::string& type, const std::string& value,
                 int ttl = 600, const std::string& line = "default") {
    return control("POST", "records",
                   {{"domain", "example.com"},
                    {"rr", rr},
                    {"type", type},
                    {"value", value},
                    {"ttl", ttl},
                    {"line", line}});
  }

  Json record(const std::string& id) { return recordWhere("RecordId", id); }

  // {"requests","throttled","max_per_second":{action: n},"max_in_flight"}.
  Json stats() { return control("GET", "stats"); }

  // While frozen, the per-second QPS limits count every call in one second.
  void freezeThrottleClock(bool frozen) { control("POST", "throttle-clock", {{"frozen", frozen}}); }

 private:
  std::string key_id_ = "LTAI-it-" + std::to_string(::getpid());
  std::string key_secret_ = "it-secret-" + std::to_string(::getpid()) + "-Qw3";
  std::string key_id_file_;
  std::string key_secret_file_;
};

}  // namespace planb::testing
