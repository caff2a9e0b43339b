#pragma once
// tests/fakes/cloudflare_server.py (an ApiFake) with a fresh token file.

#include <unistd.h>

#include <string>
#include <vector>

#include "harness/api_fake.hpp"

namespace planb::testing {

class CloudflareFake : public ApiFake {
 public:
  // `options`: more of the script's options (--plan, --no-batch, --rate-limit, --rate-window).
  explicit CloudflareFake(int per_page_max = 2, const std::vector<std::string>& options = {})
      : ApiFake("cloudflare") {
    token_file_ = dir() + "/api.token";
    writePrivate(token_file_, token_ + "\n");
    std::vector<std::string> args{
        "--token-file", token_file_,   "--zone",         "example.com",
        "--zone",       "example.org", "--per-page-max", std::to_string(per_page_max)};
    args.insert(args.end(), options.begin(), options.end());
    start(args);
  }

  // {"requests","throttled","max_in_window","batch_calls","batch_records_max"}.
  Json stats() { return control("GET", "stats"); }

  std::string endpoint() const { return base() + "/client/v4"; }
  const std::string& tokenFile() const { return token_file_; }
  const std::string& token() const { return token_; }

  Json addRecord(const std::string& name, const std::string& type, const std::string& content,
                 int ttl = 60, const std::string& zone = "example.com") {
    return control(
        "POST", "records",
        {{"zone", zone}, {"name", name}, {"type", type}, {"content", content}, {"ttl", ttl}});
  }

  Json record(const std::string& id) { return recordWhere("id", id); }

 private:
  std::string token_ = "cf-it-token-" + std::to_string(::getpid()) + "-Vx7";
  std::string token_file_;
};

}  // namespace planb::testing
