#pragma once
// tests/fakes/alidns_server.py on a free port of 127.0.0.1, with fresh AccessKey files, and a
// client for its /_fake control endpoints. Stopped (by PID) and its directory removed at the end.

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/process.hpp"
#include "net/http_client.hpp"

namespace planb::testing {

class AlidnsFake {
 public:
  using Json = nlohmann::json;

  explicit AlidnsFake(int page_size_max = 2) : dir_(makeTempDir("planb-alidns")) {
    if (!findProgram("python3")) {
      throw std::runtime_error("python3 not found: the API fakes need it");
    }
    key_id_file_ = dir_ + "/access_key_id";
    key_secret_file_ = dir_ + "/access_key_secret";
    writePrivate(key_id_file_, key_id_ + "\n");
    writePrivate(key_secret_file_, key_secret_ + "\n");
    // The port is free when picked and may be taken before the fake binds it: try again then.
    for (int attempt = 0;; ++attempt) {
      port_ = pickFreePort();
      server_ = std::make_unique<ServerProcess>(
          std::vector<std::string>{"python3", std::string(PLANB_FAKES_DIR) + "/alidns_server.py",
                                   "--port", std::to_string(port_), "--access-key-id-file",
                                   key_id_file_, "--access-key-secret-file", key_secret_file_,
                                   "--domain", "example.com", "--page-size-max",
                                   std::to_string(page_size_max)},
          dir_ + "/alidns.log");
      try {
        server_->waitForTcp(port_, std::chrono::seconds(10));
        break;
      } catch (const std::exception&) {
        if (attempt == 2) {
          throw;
        }
      }
    }
  }

  ~AlidnsFake() {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  AlidnsFake(const AlidnsFake&) = delete;
  AlidnsFake& operator=(const AlidnsFake&) = delete;

  std::string endpoint() const { return base() + "/"; }
  const std::string& keyIdFile() const { return key_id_file_; }
  const std::string& keySecretFile() const { return key_secret_file_; }
  const std::string& keyId() const { return key_id_; }
  const std::string& keySecret() const { return key_secret_; }
  const std::string& dir() const { return dir_; }

  // A control call; throws unless it answers 200.
  Json control(const std::string& method, const std::string& path, const Json& body = nullptr) {
    net::HttpRequest request;
    request.method = method;
    request.url = base() + "/_fake/" + path;
    if (!body.is_null()) {
      request.body = body.dump();
      request.headers.emplace_back("Content-Type", "application/json");
    }
    auto result = http_.send(request);
    if (auto* error = std::get_if<net::Error>(&result)) {
      throw std::runtime_error("control " + path + ": " + error->message);
    }
    const auto& response = std::get<net::HttpResponse>(result);
    if (response.status != 200) {
      throw std::runtime_error("control " + path + ": HTTP " + std::to_string(response.status) +
                               ": " + response.body);
    }
    return Json::parse(response.body);
  }

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

  Json records() { return control("GET", "records"); }

  Json record(const std::string& id) {
    for (const Json& r : records()) {
      if (r.at("RecordId") == id) {
        return r;
      }
    }
    return nullptr;
  }

  std::size_t requestCount() { return control("GET", "requests").at("count").get<std::size_t>(); }
  Json requestLog() { return control("GET", "requests").at("requests"); }

  static void writePrivate(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
    ::chmod(path.c_str(), 0600);
  }

 private:
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::string dir_;
  std::string key_id_ = "LTAI-it-" + std::to_string(::getpid());
  std::string key_secret_ = "it-secret-" + std::to_string(::getpid()) + "-Qw3";
  std::string key_id_file_;
  std::string key_secret_file_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> server_;
  net::CurlTransport http_;
};

}  // namespace planb::testing
