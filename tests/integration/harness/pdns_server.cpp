#include "harness/pdns_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace planb::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr const char* kSchema = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql";
constexpr int kStartAttempts = 5;
constexpr milliseconds kReadyTimeout{15'000};
constexpr milliseconds kPollTimeout{500};
constexpr milliseconds kExitPoll{50};
constexpr milliseconds kToolTimeout{15'000};

// A throw-away API key: 24 random bytes in hex.
std::string randomKey() {
  unsigned char bytes[24];
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::read(fd, bytes, sizeof bytes) != static_cast<ssize_t>(sizeof bytes)) {
    if (fd >= 0) {
      ::close(fd);
    }
    throw std::runtime_error("cannot read /dev/urandom");
  }
  ::close(fd);
  std::string key;
  for (unsigned char b : bytes) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", b);
    key += hex;
  }
  return key;
}

// Created 0600 from the start: the key is never readable by others, not even briefly.
void writePrivateFile(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (fd >= 0) {
    ::close(fd);
  }
  if (!ok) {
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  }
}

// The status of `GET PATH` on 127.0.0.1:PORT with the API key, 0 when no status line came within
// TIMEOUT (socket timeouts: the wait is bounded without sleeping).
int apiStatus(std::uint16_t port, const std::string& path, const std::string& key,
              milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return 0;
  }
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int status = 0;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + key +
                          "\r\nAccept: application/json\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      std::string reply;
      char buffer[512];
      ssize_t n = 0;
      while (reply.find("\r\n") == std::string::npos &&
             (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) {
        reply.append(buffer, static_cast<std::size_t>(n));
      }
      // "HTTP/1.1 200 OK"
      if (reply.rfind("HTTP/", 0) == 0 && reply.size() >= 12) {
        status = std::atoi(reply.substr(9, 3).c_str());
      }
    }
  }
  ::close(fd);
  return status;
}

}  // namespace

void PdnsServer::requireTools() {
  std::string missing;
  for (const char* tool : {"pdns_server", "pdnsutil", "sqlite3"}) {
    if (!findProgram(tool)) {
      missing += missing.empty() ? tool : std::string(", ") + tool;
    }
  }
  if (!fs::exists(kSchema)) {
    missing += missing.empty() ? kSchema : std::string(", ") + kSchema;
  }
  if (missing.empty()) {
    return;
  }
  const char* allow_skip = std::getenv("PLANB_ALLOW_SKIP");
  if (allow_skip != nullptr && std::string(allow_skip) == "1") {
    std::cerr << "SKIP: " << missing << " not found and PLANB_ALLOW_SKIP=1\n";
    std::exit(kSkipExitCode);
  }
  throw std::runtime_error(missing +
                           " not found: run scripts/setup (pdns-server, pdns-backend-sqlite3, "
                           "sqlite3), or set PLANB_ALLOW_SKIP=1 to skip this test");
}

PdnsServer::PdnsServer() : PdnsServer(Options{}) {}

PdnsServer::PdnsServer(Options options) : options_(std::move(options)) {
  requireTools();
  dir_ = makeTempDir("planb-pdns");
  api_key_file_ = dir_ + "/api.key";
  try {
    api_key_ = randomKey();
    writePrivateFile(api_key_file_, api_key_ + "\n");
    pickPorts();
    writeConfig();
    CommandResult schema = runCommand(
        {"sqlite3", dir_ + "/pdns.sqlite3", std::string(".read ") + kSchema}, dir_, kToolTimeout);
    if (schema.exit_code != 0) {
      throw std::runtime_error("sqlite3 could not load " + std::string(kSchema) + ": " +
                               schema.output);
    }
    // One load-zone rather than create-zone plus an add-record per record: each pdnsutil run
    // costs about 0.1 s.
    std::string zone_file = "$ORIGIN " + options_.zone +
                            ".\n"
                            "@ 60 IN SOA ns1 hostmaster 1 10800 3600 604800 30\n"
                            "@ 60 IN NS ns1\n";
    for (const Record& record : options_.records) {
      zone_file += record.name + " " + std::to_string(record.ttl) + " IN " + record.type + " " +
                   record.content + "\n";
    }
    writeFile(dir_ + "/zone.db", zone_file);
    pdnsutil({"load-zone", options_.zone, dir_ + "/zone.db"});
    for (int attempt = 1; !start(); ++attempt) {
      if (attempt == kStartAttempts) {
        throw std::runtime_error("pdns_server found no free ports in " + std::to_string(attempt) +
                                 " attempts; its log:\n" + log());
      }
      pickPorts();
      writeConfig();
    }
  } catch (...) {
    process_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    throw;
  }
}

PdnsServer::~PdnsServer() {
  process_.reset();  // ServerProcess prints the log when the test failed
  const char* keep = std::getenv("PLANB_KEEP_TEST_DIRS");
  if (keep != nullptr && std::string(keep) == "1") {
    std::cerr << "kept " << dir_ << "\n";
  } else {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

std::string PdnsServer::apiUrl() const {
  return "http://" + host_ + ":" + std::to_string(api_port_);
}

pid_t PdnsServer::pid() const {
  return process_ ? process_->pid() : -1;
}

std::string PdnsServer::log() const {
  return log_path_.empty() ? std::string() : readFile(log_path_);
}

void PdnsServer::pickPorts() {
  dns_port_ = pickFreePort();
  do {
    api_port_ = pickFreePort();
  } while (api_port_ == dns_port_);
}

void PdnsServer::writeConfig() const {
  const std::vector<std::string> lines = {
      "launch=gsqlite3",
      "gsqlite3-database=" + dir_ + "/pdns.sqlite3",
      "local-address=" + host_,
      "local-port=" + std::to_string(dns_port_),
      "socket-dir=" + dir_,
      "api=yes",
      "api-key=" + api_key_,
      "webserver=yes",
      "webserver-address=" + host_,
      "webserver-port=" + std::to_string(api_port_),
      "webserver-allow-from=127.0.0.1/32",
      "default-ttl=60",
      // No caches: a change made with pdnsutil shows in the next answer.
      "cache-ttl=0",
      "negquery-cache-ttl=0",
      "query-cache-ttl=0",
      "zone-cache-refresh-interval=0",
      // Security polling would send a DNS query to the host's resolver.
      "security-poll-suffix=",
  };
  std::string text;
  for (const std::string& line : lines) {
    text += line + "\n";
  }
  // The key sits in pdns.conf in clear: the file is private like the key file.
  writePrivateFile(dir_ + "/pdns.conf", text);
}

bool PdnsServer::start() {
  ++runs_;
  log_path_ = dir_ + "/pdns." + std::to_string(runs_) + ".log";
  process_ = std::make_unique<ServerProcess>(
      std::vector<std::string>{"pdns_server", "--config-dir=" + dir_, "--daemon=no",
                               "--guardian=no", "--disable-syslog"},
      log_path_);
  auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = apiStatus(api_port_, "/api/v1/servers/localhost", api_key_, kPollTimeout);
    if (status == 200) {
      process_->waitForTcp(dns_port_, kReadyTimeout);
      return true;
    }
    bool exited = process_->exited(kExitPoll);
    if (log().find("already in use") != std::string::npos) {
      process_.reset();
      return false;  // another process took a port between pick and bind
    }
    if (exited) {
      std::string text = log();
      process_.reset();
      throw std::runtime_error("pdns_server exited while starting; its log:\n" + text);
    }
  }
  std::string text = log();
  process_.reset();
  throw std::runtime_error("the PowerDNS API on 127.0.0.1:" + std::to_string(api_port_) +
                           " did not answer within " + std::to_string(kReadyTimeout.count()) +
                           " ms; pdns_server's log:\n" + text);
}

void PdnsServer::stop() {
  if (process_) {
    process_->stop();
    process_.reset();
  }
}

void PdnsServer::restart() {
  stop();
  if (!start()) {
    throw std::runtime_error("pdns_server could not bind its ports again on restart; its log:\n" +
                             log());
  }
}

void PdnsServer::rotateApiKey() {
  api_key_ = randomKey();
  writeConfig();
  writePrivateFile(api_key_file_, api_key_ + "\n");
  restart();
}

std::string PdnsServer::pdnsutil(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"pdnsutil", "--config-dir=" + dir_};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult result = runCommand(argv, dir_, kToolTimeout);
  if (result.exit_code != 0) {
    std::string command;
    for (const std::string& arg : args) {
      command += " " + arg;
    }
    throw std::runtime_error("pdnsutil" + command + " failed (exit " +
                             std::to_string(result.exit_code) + "): " + result.output);
  }
  return result.output;
}

}  // namespace planb::testing
