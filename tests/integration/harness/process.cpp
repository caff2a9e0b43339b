#include "harness/process.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace planb::testing {

using std::chrono::milliseconds;

namespace {

// Set by the doctest listener below when an assertion of the current test case fails, so the
// server's destructor knows to print named's log.
}  // namespace

std::atomic<bool>& currentTestFailed() {
  static std::atomic<bool> failed{false};
  return failed;
}

namespace {

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

}  // namespace

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
pid_t spawn(const std::vector<std::string>& argv, const std::string& output_path,
            const std::vector<std::string>& extra_env) {
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
  std::vector<std::string> env_strings(extra_env);
  for (char** e = environ; *e != nullptr; ++e) {
    env_strings.emplace_back(*e);
  }
  std::vector<char*> env;
  for (std::string& e : env_strings) {
    env.push_back(e.data());
  }
  env.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program->c_str(), &actions, nullptr, args.data(), env.data());
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
  pid_t pid = spawn(argv, output_path, {});
  PidFd pidfd(pid);
  CommandResult result;
  result.exit_code = reap(pid, pidfd.fd, timeout);
  result.output = readFile(output_path);
  return result;
}

CommandResult runCommand(const std::vector<std::string>& argv, const std::string& dir,
                         milliseconds timeout) {
  static std::atomic<int> counter{0};
  return runCommandTo(argv, dir + "/" + argv.at(0) + "-" + std::to_string(++counter) + ".out",
                      timeout);
}

std::uint16_t pickFreePort() {
  // Below the kernel's ephemeral range (32768 on): no outgoing connection takes the port before
  // the server binds it, and a readiness probe cannot connect to itself on it (see waitForTcp).
  thread_local std::mt19937 pick{std::random_device{}()};
  std::uniform_int_distribution<int> ports(20000, 32767);
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto port = static_cast<std::uint16_t>(ports(pick));
    int udp = bindLoopback(SOCK_DGRAM, port);
    if (udp < 0) {
      continue;
    }
    int tcp = bindLoopback(SOCK_STREAM, port);
    ::close(udp);
    if (tcp >= 0) {
      ::close(tcp);
      return port;
    }
  }
  throw std::runtime_error("no port free on 127.0.0.1 for both UDP and TCP");
}

ServerProcess::ServerProcess(const std::vector<std::string>& argv, std::string log_path,
                             const std::vector<std::string>& extra_env)
    : name_(argv.at(0)), log_path_(std::move(log_path)) {
  pid_ = spawn(argv, log_path_, extra_env);
  pidfd_ = openPidFd(pid_);
  if (pidfd_ < 0) {
    ::kill(pid_, SIGKILL);
    throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(errno));
  }
}

ServerProcess::~ServerProcess() {
  stop();
  if (currentTestFailed() || std::uncaught_exceptions() > 0) {
    std::cerr << "---- " << name_ << " log (" << log_path_ << ") ----\n"
              << log() << "---- end of " << name_ << " log ----\n";
  }
}

void ServerProcess::stop() {
  if (pid_ <= 0) {
    return;
  }
  ::kill(pid_, SIGTERM);
  reap(pid_, pidfd_, milliseconds(5000));
  ::close(pidfd_);
  pid_ = -1;
  pidfd_ = -1;
}

bool ServerProcess::exited(milliseconds wait) const {
  return pid_ <= 0 || waitExit(pidfd_, wait);
}

std::string ServerProcess::log() const {
  return readFile(log_path_);
}

void ServerProcess::waitForTcp(std::uint16_t port, milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    if (up) {
      // Connecting to a port of the ephemeral range with nothing listening can land on itself
      // (the source port chosen equal to the destination: TCP's simultaneous open): not a server.
      sockaddr_in local{};
      socklen_t length = sizeof local;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
      up = ntohs(local.sin_port) != port;
    }
    ::close(fd);
    if (up) {
      return;
    }
    if (exited(milliseconds(50))) {
      throw std::runtime_error(name_ + " exited while starting; its log:\n" + log());
    }
  }
  throw std::runtime_error(
      name_ + " did not accept connections on 127.0.0.1:" + std::to_string(port) + " within " +
      std::to_string(timeout.count()) + " ms; its log:\n" + log());
}

std::string makeTempDir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  }
  return pattern;
}

}  // namespace planb::testing
