#pragma once
// tests/fakes/dnspod_server.py (an ApiFake) with fresh SecretId and SecretKey files.

#include <unistd.h>

#include <string>

#include "harness/api_fake.hpp"

namespace planb::testing {

class DnspodFake : public ApiFake {
 public:
  explicit DnspodFake(int page_size_max = 2, int min_ttl = 1) : ApiFake("dnspod") {
    secret_id_file_ = dir() + "/secret_id";
    secret_key_file_ = dir() + "/secret_key";
    writePrivate(secret_id_file_, secret_id_ + "\n");
    writePrivate(secret_key_file_, secret_key_ + "\n");
    start({"--secret-id-file", secret_id_file_, "--secret-key-file", secret_key_file_, "--domain",
           "example.com", "--page-size-max", std::to_string(page_size_max), "--min-ttl",
           std::to_string(min_ttl)});
  }

  std::string endpoint() const { return base() + "/"; }
  const std::string& secretIdFile() const { return secret_id_file_; }
  const std::string& secretKeyFile() const { return secret_key_file_; }
  const std::string& secretId() const { return secret_id_; }
  const std::string& secretKey() const { return secret_key_; }

  Json addRecord(const std::string& name, const std::string& type, const std::string& value,
                 int ttl = 600, const std::string& line_id = "0") {
    return control("POST", "records",
                   {{"domain", "example.com"},
                    {"name", name},
                    {"type", type},
                    {"value", value},
                    {"ttl", ttl},
                    {"line_id", line_id}});
  }

  // The record whose RecordId is `id`, or null.
  Json record(long long id) {
    for (const Json& r : records()) {
      if (r.at("RecordId") == id) {
        return r;
      }
    }
    return nullptr;
  }

  Json stats() { return control("GET", "stats"); }

 private:
  std::string secret_id_ = "AKIDdnspodIT" + std::to_string(::getpid());
  std::string secret_key_ = "dnspod-it-secret-" + std::to_string(::getpid()) + "-Kq7";
  std::string secret_id_file_;
  std::string secret_key_file_;
};

}  // namespace planb::testing
