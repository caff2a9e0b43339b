#pragma once
// A Python API fake of tests/fakes (PLANB_FAKES_DIR) on a free port of 127.0.0.1, in a fresh
// directory for its credential files and log, and a client for its /_fake control endpoints.
// Stopped (by PID) and its directory removed at the end. Each fake's own class says how to start
// it and adds the control calls only it has.

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "harness/process.hpp"
#include "net/http_client.hpp"

namespace planb::testing {

class ApiFake {
 public:
  using Json = nlohmann::json;

  ~ApiFake() {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ApiFake(const ApiFake&) = delete;
  ApiFake& operator=(const ApiFake&) = delete;

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

  Json records() { return control("GET", "records"); }

  // API requests answered so far, and their log.
  std::size_t requestCount() { return control("GET", "requests").at("count").get<std::size_t>(); }
  Json requestLog() { return control("GET", "requests").at("requests"); }
  void clearLog() { control("DELETE", "requests"); }

  static void writePrivate(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
    ::chmod(path.c_str(), 0600);
  }

 protected:
  // `name`: the fake's script (NAME_server.py) and the prefix of its directory and log.
  explicit ApiFake(std::string name) : name_(std::move(name)), dir_(makeTempDir("planb-" + name_)) {
    if (!findProgram("python3")) {
      throw std::runtime_error("python3 not found: the API fakes need it");
    }
  }

  // Starts the script with --port and then `args` (written once dir() holds what they name).
  void start(const std::vector<std::string>& args) {
    // The port is free when picked and may be taken before the fake binds it: try again then.
    for (int attempt = 0;; ++attempt) {
      port_ = pickFreePort();
      std::vector<std::string> argv{"python3",
                                    std::string(PLANB_FAKES_DIR) + "/" + name_ + "_server.py",
                                    "--port", std::to_string(port_)};
      argv.insert(argv.end(), args.begin(), args.end());
      server_ = std::make_unique<ServerProcess>(argv, dir_ + "/" + name_ + ".log");
      try {
        server_->waitForTcp(port_, std::chrono::seconds(10));
        return;
      } catch (const std::exception&) {
        if (attempt == 2) {
          throw;
        }
      }
    }
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The record of records() whose `key` is `value`, or null.
  Json recordWhere(const std::string& key, const std::string& value) {
    for (const Json& r : records()) {
      if (r.at(key) == value) {
        return r;
      }
    }
    return nullptr;
  }

 private:
  std::string name_;
  std::string dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> server_;
  net::CurlTransport http_;
};

}  // namespace planb::testing
