#pragma once
// A private single-member etcd 3.4 on 127.0.0.1 for integration and end-to-end tests
// (shared/reference/real-servers.md §1, §5): its own temp dir and --data-dir, a client and a peer
// port picked at random in 20000–32767 (below the ephemeral range, like tests/e2e/world.py),
// `etcd` in the foreground with a clean environment (no ETCD_* variable, which etcd would read as
// flags), its PID recorded, bounded readiness (GET /health says true), and teardown by PID that
// prints etcd's log when the test failed. --listen-peer-urls is always given, so it never touches
// the default ports 2379/2380 a system etcd may hold.
//
// When etcd is missing the test fails, unless PLANB_ALLOW_SKIP=1 asks to skip it: then the test
// program exits with kSkipExitCode (register it as the ctest SKIP_RETURN_CODE).
// PLANB_KEEP_TEST_DIRS=1 keeps the temp dir (data and log) after the test.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/process.hpp"

namespace planb::testing {

class EtcdServer {
 public:
  struct Options {
    std::string name = "planb-it";  // the member's --name
    // https on the client port with a fresh CA, a server certificate for 127.0.0.1 and
    // --client-cert-auth: clients must present clientCertFile()/clientKeyFile() (CN "root").
    bool tls = false;
  };

  // One reply of the HTTP gateway: status and body (de-chunked).
  struct HttpReply {
    int status = 0;  // 0: no reply (connection refused, timeout)
    std::string body;
  };

  // Starts etcd and waits until /health is true. Throws with etcd's log on failure.
  EtcdServer();
  explicit EtcdServer(Options options);
  ~EtcdServer();
  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;

  const std::string& host() const { return host_; }  // "127.0.0.1"
  std::uint16_t clientPort() const { return client_port_; }
  std::uint16_t peerPort() const { return peer_port_; }
  std::string endpoint() const;  // "http(s)://127.0.0.1:PORT", for EtcdOptions::endpoints
  // With Options::tls: the CA that signed the server's and the client's certificates, and the
  // client certificate and key (PEM, in the 0700 temp dir) etcd accepts. Empty without tls.
  std::string caFile() const;
  std::string clientCertFile() const;
  std::string clientKeyFile() const;
  const std::string& dir() const { return dir_; }
  std::string dataDir() const { return dir_ + "/data"; }
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::string log() const;  // of every run so far (appended)

  // Stops etcd by its PID (SIGTERM, SIGKILL after 5 s); the data stays.
  void stop();
  // Stops it if running and starts it again on the same ports and data; waits until ready.
  void restart();

  // POST PATH (e.g. "/v3/kv/range") with a JSON body to the gateway, with `Authorization: TOKEN`
  // when TOKEN is not empty. Never throws for an HTTP status; status 0 when nothing answered.
  // With tls it runs curl (with the client certificate) instead of a plain socket.
  HttpReply post(const std::string& path, const std::string& json_body,
                 const std::string& token = "") const;

  // Creates user "root" with PASSWORD, grants it the root role and enables authentication,
  // through the gateway. Throws when etcd refuses a step. /health stays open afterwards.
  void enableAuth(const std::string& password) const;

  // `etcdctl --endpoints=endpoint() ARGS...` (API v3) with a clean environment; its exit code and
  // output. Throws when etcdctl (package etcd-client) is missing.
  CommandResult etcdctl(const std::vector<std::string>& args) const;

  // A port in 20000–32767 that 127.0.0.1 TCP can bind right now, other than `except`.
  static std::uint16_t pickPort(const std::vector<std::uint16_t>& except = {});

  // Exits with kSkipExitCode when etcd is missing and PLANB_ALLOW_SKIP=1; throws otherwise.
  static void requireTools();

 private:
  bool start();  // false: a port was taken meanwhile (first start only: pick others)
  void makeCertificates() const;
  HttpReply get(const std::string& path) const;

  Options options_;
  std::string host_ = "127.0.0.1";
  std::uint16_t client_port_ = 0;
  std::uint16_t peer_port_ = 0;
  std::string dir_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
};

}  // namespace planb::testing
