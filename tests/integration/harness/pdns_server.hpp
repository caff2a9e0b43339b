#pragma once
// A private PowerDNS Authoritative server on 127.0.0.1 for integration and end-to-end tests
// (shared/reference/real-servers.md §1, §3): its own temp dir, a gsqlite3 database made from the
// packaged schema, a random API key in a 0600 file, free ports for DNS and the HTTP API, the zone
// loaded with pdnsutil, `pdns_server --daemon=no --guardian=no` in the foreground with its PID
// recorded, bounded readiness (the API answers with the key, the DNS port accepts TCP), and
// teardown by PID that prints the server's log when the test failed.
//
// No traffic leaves the host: security polling is off and the server listens on 127.0.0.1 only.
//
// When pdns_server, pdnsutil, sqlite3 or the schema is missing the test fails, unless
// PLANB_ALLOW_SKIP=1 asks to skip it: then the test program exits with kSkipExitCode.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "harness/process.hpp"

namespace planb::testing {

class PdnsServer {
 public:
  struct Record {
    std::string name;  // relative to the zone, "@" for the apex
    std::string type;
    std::uint32_t ttl = 60;
    std::string content;
  };
  struct Options {
    std::string zone = "example.test";
    // The zone's records after its SOA (serial 1, negative TTL 30) and NS ns1.<zone>, loaded
    // with pdnsutil load-zone.
    std::vector<Record> records = {{"ns1", "A", 60, "127.0.0.1"},
                                   {"www", "CNAME", 60, "app.aws.example.net."},
                                   {"txtonly", "TXT", 60, "\"x\""}};
  };

  // Creates the database and the zone, starts pdns_server and waits until it is ready. Throws
  // with the server's log on failure.
  PdnsServer();
  explicit PdnsServer(Options options);
  ~PdnsServer();
  PdnsServer(const PdnsServer&) = delete;
  PdnsServer& operator=(const PdnsServer&) = delete;

  const std::string& host() const { return host_; }  // "127.0.0.1"
  std::uint16_t dnsPort() const { return dns_port_; }
  config::HostPort dnsAddress() const { return {host_, dns_port_}; }
  std::uint16_t apiPort() const { return api_port_; }
  std::string apiUrl() const;                                      // "http://127.0.0.1:PORT"
  const std::string& apiKeyFile() const { return api_key_file_; }  // mode 0600, one line
  const std::string& dir() const { return dir_; }
  const std::string& zone() const { return options_.zone; }
  bool running() const { return process_ != nullptr; }
  pid_t pid() const;
  std::string log() const;  // of the current (or last) run

  // Stops the server by its PID (SIGTERM, SIGKILL after 5 s); the database stays.
  void stop();
  // Stops it if running and starts it again on the same ports and database; waits until ready.
  void restart();

  // Rotates the API key as an operator does: a new random key in pdns.conf and in apiKeyFile()
  // (rewritten in place), then restart().
  void rotateApiKey();

  // `pdnsutil --config-dir=DIR ARGS...`: changes the zone behind the API's back. Throws when it
  // fails.
  std::string pdnsutil(const std::vector<std::string>& args) const;

  // Exits with kSkipExitCode when a tool is missing and PLANB_ALLOW_SKIP=1; throws otherwise.
  static void requireTools();

 private:
  void pickPorts();
  void writeConfig() const;
  bool start();  // false: a port was taken meanwhile, pick others (first start only)

  Options options_;
  std::string host_ = "127.0.0.1";
  std::uint16_t dns_port_ = 0;
  std::uint16_t api_port_ = 0;
  std::string dir_;
  std::string api_key_;  // throw-away, generated for this server
  std::string api_key_file_;
  std::string log_path_;
  int runs_ = 0;
  std::unique_ptr<ServerProcess> process_;
};

}  // namespace planb::testing
