#pragma once
// A private BIND 9 (`named`) on 127.0.0.1 for integration and end-to-end tests
// (shared/reference/real-servers.md §1-2): its own temp dir, a fresh TSIG key from tsig-keygen,
// a dynamic primary zone, a free high port, foreground named with its PID recorded, bounded
// readiness, and teardown by PID that prints named's log when the test failed.
//
// When named is missing the test fails, unless PLANB_ALLOW_SKIP=1 asks to skip it: then the test
// program exits with kSkipExitCode (register it as the ctest SKIP_RETURN_CODE).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "harness/process.hpp"

namespace planb::testing {

class Bind9Server {
 public:
  struct Options {
    std::string key_name = "planb-key";
    std::string zone = "example.test";
    // Names whose CNAME the key may change (update-policy grants).
    std::vector<std::string> grants = {"www.example.test.", "api.example.test."};
    // Names whose TXT the key may change: the rehearsal's record (product.md §11).
    std::vector<std::string> txt_grants = {"_planb-rehearsal.example.test."};
    // Zone file lines after the SOA, NS and ns1 A records; the serial starts at 1.
    std::string records = "www IN CNAME app.aws.example.net.\ntxtonly IN TXT \"x\"\n";
  };

  // Starts named and waits until it serves the zone's SOA. Throws with named's log on failure.
  Bind9Server();
  explicit Bind9Server(Options options);
  ~Bind9Server();
  Bind9Server(const Bind9Server&) = delete;
  Bind9Server& operator=(const Bind9Server&) = delete;

  const std::string& host() const { return host_; }  // "127.0.0.1"
  std::uint16_t port() const { return port_; }
  config::HostPort address() const { return {host_, port_}; }
  const std::string& keyName() const { return options_.key_name; }
  const std::string& keyFile() const { return key_file_; }  // mode 0600, tsig-keygen's output
  const std::string& dir() const { return dir_; }
  pid_t pid() const { return pid_; }
  std::string log() const;

  // `nsupdate -k keyFile()` (never -y: the secret would show in ps) on "server 127.0.0.1 PORT"
  // followed by COMMANDS, which end with "send".
  CommandResult nsupdate(const std::string& commands) const;

  // `dig @127.0.0.1 -p PORT +norecurse +short NAME TYPE`, trimmed. Throws when dig fails.
  std::string dig(const std::string& name, const std::string& type) const;

  // The zone's SOA serial, as dig sees it.
  std::uint32_t soaSerial() const;

  // Exits with kSkipExitCode when named, tsig-keygen, nsupdate or dig is missing and
  // PLANB_ALLOW_SKIP=1; throws when one is missing otherwise.
  static void requireTools();

 private:
  void writeFiles() const;
  bool start();  // false: the port was taken meanwhile, try another
  void stop();

  Options options_;
  std::string host_ = "127.0.0.1";
  std::uint16_t port_ = 0;
  std::string dir_;
  std::string key_file_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
};

}  // namespace planb::testing
