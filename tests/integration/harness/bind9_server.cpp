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

// Set by the doctest listener below when an assertion of the current test case fails, so the
// server's destructor knows to print named's log.
std::atomic<bool>& currentTestFailed() {
  static std::atomic<bool> failed{false};
  return failed;
}

class FailureListener : public doctest::IReporter {
 public:
  explicit FailureListener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData&) override { currentTestFailed() = false; }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {
    currentTestFailed() = true;
  }
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData& data) override {
    if (data.m_failed) {
      currentTestFailed() = true;
    }
  }
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};
REGISTER_LISTENER("planb_failure_flag", 1, FailureListener);

std::optional<std::string> findProgram(const std::string& name) {
  std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/sbin:/usr/bin:/bin";
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) {
    throw std::runtime_error("cannot write " + path);
  }
}

std::string trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.pop_back();
  }
  return text;
}

// A child process: stdin from /dev/null, stdout and stderr into OUTPUT_PATH (mode 0600).
pid_t spawn(const std::vector<std::string>& argv, const std::string& output_path) {
  std::optional<std::string> program = findProgram(argv.at(0));
  if (!program) {
    throw std::runtime_error(argv[0] + " not found (scripts/setup installs it)");
  }
  std::vector<char*> args;
  args.push_back(program->data());
  for (std::size_t i = 1; i < argv.size(); ++i) {
    args.push_back(const_cast<char*>(argv[i].c_str()));
  }
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program->c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error("cannot start " + *program + ": " + std::strerror(rc));
  }
  return pid;
}

// glibc 2.36's <sys/pidfd.h> lacks extern "C", so the system call is made directly.
int openPidFd(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

// Waits until the process behind PIDFD exits or TIMEOUT passes; true when it exited. Blocks in
// poll(2) on the pidfd: a condition wait with a deadline, not a sleep.
bool waitExit(int pidfd, milliseconds timeout) {
  pollfd fd{pidfd, POLLIN, 0};
  int rc = ::poll(&fd, 1, static_cast<int>(timeout.count()));
  return rc > 0;
}

// Reaps PID once it exited (or kills it after TIMEOUT); its exit code, -1 when killed.
int reap(pid_t pid, int pidfd, milliseconds timeout) {
  bool exited = waitExit(pidfd, timeout);
  if (!exited) {
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct PidFd {
  int fd;
  explicit PidFd(pid_t pid) : fd(openPidFd(pid)) {
    if (fd < 0) {
      throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(errno));
    }
  }
  ~PidFd() { ::close(fd); }
  PidFd(const PidFd&) = delete;
  PidFd& operator=(const PidFd&) = delete;
};

// A socket bound to 127.0.0.1:PORT (0: any), or -1.
int bindLoopback(int type, std::uint16_t port) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    return fd;
  }
  if (fd >= 0) {
    ::close(fd);
  }
  return -1;
}

CommandResult runCommandTo(const std::vector<std::string>& argv, const std::string& output_path,
                           milliseconds timeout) {
  pid_t pid = spawn(argv, output_path);
  PidFd pidfd(pid);
  CommandResult result;
  result.exit_code = reap(pid, pidfd.fd, timeout);
  result.output = readFile(output_path);
  return result;
}

}  // namespace

CommandResult runCommand(const std::vector<std::string>& argv, const std::string& dir,
                         milliseconds timeout) {
  static std::atomic<int> counter{0};
  return runCommandTo(argv, dir + "/" + argv.at(0) + "-" + std::to_string(++counter) + ".out",
                      timeout);
}

std::uint16_t pickFreePort() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int udp = bindLoopback(SOCK_DGRAM, 0);
    if (udp < 0) {
      continue;
    }
    sockaddr_in address{};
    socklen_t length = sizeof address;
    ::getsockname(udp, reinterpret_cast<sockaddr*>(&address), &length);
    std::uint16_t port = ntohs(address.sin_port);
    int tcp = bindLoopback(SOCK_STREAM, port);
    ::close(udp);
    if (tcp >= 0) {
      ::close(tcp);
      return port;
    }
  }
  throw std::runtime_error("no port free on 127.0.0.1 for both UDP and TCP");
}

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
  pid_ = spawn({"named", "-g", "-c", dir_ + "/named.conf"}, dir_ + "/named.log");
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
