#pragma once
// tests/fakes/cloudflare_server.py on a free port of 127.0.0.1, with a fresh token file, and a
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

class CloudflareFake {
 public:
  using Json = nlohmann::json;

  explicit CloudflareFake(int per_page_max = 2) : dir_(makeTempDir("planb-cloudflare")) {
    if (!findProgram("python3")) {
      throw std::runtime_error("python3 not found: the API fakes need it");
    }
    token_file_ = dir_ + "/api.token";
    writePrivate(token_file_, token_ + "\n");
    // The port is free when picked and may be taken before the fake binds it: try again then.
    for (int attempt = 0;; ++attempt) {
      port_ = pickFreePort();
      server_ = std::make_unique<ServerProcess>(
          std::vector<std::string>{
              "python3", std::string(PLANB_FAKES_DIR) + "/cloudflare_server.py", "--port",
              std::to_string(port_), "--token-file", token_file_, "--zone", "example.com", "--zone",
              "example.org", "--per-page-max", std::to_string(per_page_max)},
          dir_ + "/cloudflare.log");
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

  ~CloudflareFake() {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  CloudflareFake(const CloudflareFake&) = delete;
  CloudflareFake& operator=(const CloudflareFake&) = delete;

  std::string endpoint() const { return base() + "/client/v4"; }
  const std::string& tokenFile() const { return token_file_; }
  const std::string& token() const { return token_; }
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

  Json addRecord(const std::string& name, const std::string& type, const std::string& content,
                 int ttl = 60, const std::string& zone = "example.com") {
    return control(
        "POST", "records",
        {{"zone", zone}, {"name", name}, {"type", type}, {"content", content}, {"ttl", ttl}});
  }

  Json records() { return control("GET", "records"); }

  Json record(const std::string& id) {
    for (const Json& r : records()) {
      if (r.at("id") == id) {
        return r;
      }
    }
    return nullptr;
  }

  // API requests answered so far, and their log.
  std::size_t requestCount() { return control("GET", "requests").at("count").get<std::size_t>(); }
  Json requestLog() { return control("GET", "requests").at("requests"); }
  void clearLog() { control("DELETE", "requests"); }

  static void writePrivate(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
    ::chmod(path.c_str(), 0600);
  }

 private:
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::string dir_;
  std::string token_ = "cf-it-token-" + std::to_string(::getpid()) + "-Vx7";
  std::string token_file_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> server_;
  net::CurlTransport http_;
};

}  // namespace planb::testing
