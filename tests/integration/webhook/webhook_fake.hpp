#pragma once
// tests/fakes/webhook_provider.py on a free port of 127.0.0.1 or on a unix socket in a fresh
// directory, and a client for its /_fake control endpoints. Stopped by PID at the end.

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/process.hpp"
#include "net/http_client.hpp"

namespace planb::testing {

class WebhookFake {
 public:
  using Json = nlohmann::json;

  struct Options {
    bool unix_socket = false;
    std::string change_keys = "go";  // go, lower, capitalised
    int min_ttl = 0;
    std::string media_version = "1";
    std::vector<std::string> domain_filters{"example.com"};
  };

  WebhookFake() : WebhookFake(Options()) {}
  explicit WebhookFake(Options options) : dir_(makeTempDir("planb-webhook")) {
    if (!findProgram("python3")) {
      throw std::runtime_error("python3 not found: the webhook fake needs it");
    }
    std::vector<std::string> args{
        "python3",         std::string(PLANB_FAKES_DIR) + "/webhook_provider.py",
        "--change-keys",   options.change_keys,
        "--min-ttl",       std::to_string(options.min_ttl),
        "--media-version", options.media_version};
    for (const std::string& filter : options.domain_filters) {
      args.insert(args.end(), {"--domain-filter", filter});
    }
    if (options.unix_socket) {
      socket_ = dir_ + "/hook.sock";
      args.insert(args.end(), {"--unix", socket_});
      net::HttpOptions http;
      http.unix_socket = socket_;
      control_ = std::make_unique<net::CurlTransport>(http);
      server_ = std::make_unique<ServerProcess>(args, dir_ + "/webhook.log");
      waitForSocket();
      return;
    }
    control_ = std::make_unique<net::CurlTransport>();
    for (int attempt = 0;; ++attempt) {  // a picked port may be taken before the fake binds it
      port_ = pickFreePort();
      std::vector<std::string> argv = args;
      argv.insert(argv.end(), {"--port", std::to_string(port_)});
      server_ = std::make_unique<ServerProcess>(argv, dir_ + "/webhook.log");
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

  ~WebhookFake() {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  WebhookFake(const WebhookFake&) = delete;
  WebhookFake& operator=(const WebhookFake&) = delete;

  // The provider's `url` key.
  std::string url() const { return socket_.empty() ? base() : "unix:" + socket_; }

  // A control call; throws unless it answers 200.
  Json control(const std::string& method, const std::string& path, const Json& body = nullptr) {
    net::HttpRequest request;
    request.method = method;
    request.url = base() + "/_fake/" + path;
    if (!body.is_null()) {
      request.body = body.dump();
      request.headers.emplace_back("Content-Type", "application/json");
    }
    auto result = control_->send(request);
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
  void add(const Json& endpoint) { control("POST", "records", endpoint); }
  Json requestLog() { return control("GET", "requests").at("requests"); }
  void clearLog() { control("DELETE", "requests"); }

  // The endpoint stored at NAME (as the fake keys it: without the trailing dot) of TYPE, or null.
  Json endpoint(const std::string& name, const std::string& type) {
    for (const Json& e : records()) {
      if (e.at("dnsName") == name && e.at("recordType") == type) {
        return e;
      }
    }
    return nullptr;
  }

  // "GET /", "POST /records", ... of the API requests so far.
  std::vector<std::string> calls() {
    std::vector<std::string> out;
    for (const Json& r : requestLog()) {
      out.push_back(r.at("method").get<std::string>() + " " + r.at("path").get<std::string>());
    }
    return out;
  }

 private:
  std::string base() const {
    return socket_.empty() ? "http://127.0.0.1:" + std::to_string(port_) : "http://localhost";
  }

  // Until the fake answers on its socket: each wait is one on its process (it may exit).
  void waitForSocket() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
      try {
        control("GET", "health");
        return;
      } catch (const std::exception&) {
        if (server_->exited(std::chrono::milliseconds(20)) ||
            std::chrono::steady_clock::now() > deadline) {
          throw std::runtime_error("the webhook fake did not listen on " + socket_ + ": " +
                                   server_->log());
        }
      }
    }
  }

  std::string dir_;
  std::string socket_;
  std::uint16_t port_ = 0;
  std::unique_ptr<net::CurlTransport> control_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace planb::testing
