#include "harness/bind9_server.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace planb::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr int kStartAttempts = 5;
constexpr int kReadinessPolls = 100;
constexpr milliseconds kReadinessInterval{50};
constexpr milliseconds kStopTimeout{5000};
constexpr milliseconds kToolTimeout{10000};

}  // namespace

void Bind9Server::requireTools() {
  std::string missing;
  for (const char* tool : {"named", "tsig-keygen", "nsupdate", "dig"}) {
    if (!findProgram(tool)) {
      missing += missing.empty() ? tool : std::string(", ") + tool;
    }
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
                           " not found: run scripts/setup (bind9, bind9-utils, bind9-dnsutils), "
                           "or set PLANB_ALLOW_SKIP=1 to skip this test");
}

Bind9Server::Bind9Server() : Bind9Server(Options{}) {}

Bind9Server::Bind9Server(Options options) : options_(std::move(options)) {
  requireTools();
  std::string pattern = (fs::temp_directory_path() / "planb-bind9-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  }
  dir_ = pattern;
  key_file_ = dir_ + "/tsig.key";
  try {
    // A fresh key every run, so no secret is ever committed; spawn() creates the file 0600.
    CommandResult keygen = runCommandTo({"tsig-keygen", "-a", "hmac-sha256", options_.key_name},
                                        key_file_, kToolTimeout);
    if (keygen.exit_code != 0) {
      throw std::runtime_error("tsig-keygen failed: " + keygen.output);
    }
    for (int attempt = 1; !start(); ++attempt) {
      if (attempt == kStartAttempts) {
        throw std::runtime_error("named found no free port in " + std::to_string(attempt) +
                                 " attempts; its log:\n" + log());
      }
    }
  } catch (...) {
    stop();
    fs::remove_all(dir_);
    throw;
  }
}

Bind9Server::~Bind9Server() {
  stop();
  bool failed = currentTestFailed() || std::uncaught_exceptions() > 0;
  if (failed) {
    std::cerr << "---- named log (" << dir_ << "/named.log) ----\n"
              << log() << "---- end of named log ----\n";
  }
  const char* keep = std::getenv("PLANB_KEEP_TEST_DIRS");
  if (keep != nullptr && std::string(keep) == "1") {
    std::cerr << "kept " << dir_ << "\n";
  } else {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

void Bind9Server::writeFiles() const {
  std::string grants;
  for (const std::string& name : options_.grants) {
    grants += "    grant " + options_.key_name + " name " + name + " CNAME;\n";
  }
  for (const std::string& name : options_.txt_grants) {
    grants += "    grant " + options_.key_name + " name " + name + " TXT;\n";
  }
  writeFile(dir_ + "/named.conf",
            "include \"" + key_file_ +
                "\";\n"
                "options {\n"
                "  directory \"" +
                dir_ +
                "\";\n"
                "  pid-file \"" +
                dir_ +
                "/named.pid\";\n"
                "  session-keyfile \"" +
                dir_ +
                "/session.key\";\n"
                "  managed-keys-directory \"" +
                dir_ +
                "\";\n"
                "  listen-on port " +
                std::to_string(port_) +
                " { 127.0.0.1; };\n"
                "  listen-on-v6 { none; };\n"
                "  recursion no;\n"
                "  dnssec-validation no;\n"
                "  notify no;\n"
                "};\n"
                "controls { };\n"  // no rndc channel on the shared port 953
                "zone \"" +
                options_.zone +
                "\" {\n"
                "  type primary;\n"
                "  file \"" +
                dir_ +
                "/zone.db\";\n"
                "  update-policy {\n" +
                grants +
                "  };\n"
                "};\n");
  writeFile(dir_ + "/zone.db",
            "$TTL 60\n"
            "@ IN SOA ns1 hostmaster 1 3600 600 86400 30\n"
            "  IN NS ns1\n"
            "ns1 IN A 127.0.0.1\n" +
                options_.records);
}

bool Bind9Server::start() {
  port_ = pickFreePort();
  writeFiles();
  std::error_code ignored;
  fs::remove(dir_ + "/zone.db.jnl", ignored);
  pid_ = spawn({"named", "-g", "-c", dir_ + "/named.conf"}, dir_ + "/named.log", {});
  pidfd_ = openPidFd(pid_);
  if (pidfd_ < 0) {
    throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(errno));
  }
  for (int attempt = 0; attempt < kReadinessPolls; ++attempt) {
    CommandResult soa = runCommand({"dig", "@" + host_, "-p", std::to_string(port_), "+norecurse",
                                    "+short", "+time=1", "+tries=1", options_.zone, "SOA"},
                                   dir_, kToolTimeout);
    if (soa.exit_code == 0 && !trim(soa.output).empty()) {
      return true;
    }
    if (waitExit(pidfd_, kReadinessInterval)) {
      stop();
      if (log().find("address in use") != std::string::npos) {
        return false;  // another process took the port between pick and bind
      }
      throw std::runtime_error("named exited while starting; its log:\n" + log());
    }
  }
  throw std::runtime_error("named did not serve " + options_.zone + " SOA within " +
                           std::to_string(kReadinessPolls * kReadinessInterval.count()) +
                           " ms; its log:\n" + log());
}

void Bind9Server::stop() {
  if (pid_ <= 0) {
    return;
  }
  ::kill(pid_, SIGTERM);
  reap(pid_, pidfd_, kStopTimeout);
  ::close(pidfd_);
  pid_ = -1;
  pidfd_ = -1;
}

std::string Bind9Server::log() const {
  return readFile(dir_ + "/named.log");
}

CommandResult Bind9Server::nsupdate(const std::string& commands) const {
  static std::atomic<int> counter{0};
  std::string path = dir_ + "/nsupdate-" + std::to_string(++counter) + ".txt";
  std::string text = "server " + host_ + " " + std::to_string(port_) + "\n" + commands;
  if (text.back() != '\n') {
    text += '\n';
  }
  writeFile(path, text);
  return runCommand({"nsupdate", "-t", "5", "-k", key_file_, path}, dir_, kToolTimeout);
}

std::string Bind9Server::dig(const std::string& name, const std::string& type) const {
  CommandResult result = runCommand({"dig", "@" + host_, "-p", std::to_string(port_), "+norecurse",
                                     "+short", "+time=2", "+tries=1", name, type},
                                    dir_, kToolTimeout);
  if (result.exit_code != 0) {
    throw std::runtime_error("dig " + name + " " + type + " failed: " + result.output);
  }
  return trim(result.output);
}

std::uint32_t Bind9Server::soaSerial() const {
  // "ns1.example.test. hostmaster.example.test. 2 3600 600 86400 30"
  std::istringstream fields(dig(options_.zone, "SOA"));
  std::string mname;
  std::string rname;
  std::uint32_t serial = 0;
  if (!(fields >> mname >> rname >> serial)) {
    throw std::runtime_error("no SOA serial for " + options_.zone);
  }
  return serial;
}

}  // namespace planb::testing
