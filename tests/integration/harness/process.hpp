#pragma once
// Processes for integration and end-to-end tests: programs run to completion with a timeout,
// servers started in the foreground with their PID recorded, waited for with a deadline, and
// stopped by PID; their logs are printed when the test failed.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace planb::testing {

inline constexpr int kSkipExitCode = 77;

struct CommandResult {
  int exit_code = -1;  // -1: killed after its timeout
  std::string output;  // stdout and stderr
};

// Runs ARGV[0] (looked up in PATH, /usr/sbin and /sbin) with stdin from /dev/null, its output
// collected through a file in DIR, killed after TIMEOUT. Throws when the program is not found.
CommandResult runCommand(const std::vector<std::string>& argv, const std::string& dir,
                         std::chrono::milliseconds timeout);

// A port free on 127.0.0.1 for both UDP and TCP right now (bound as port 0, then released).
std::uint16_t pickFreePort();

// True while the current doctest test case has a failed assertion or exception.
std::atomic<bool>& currentTestFailed();

// ARGV[0] looked up in PATH, /usr/sbin and /sbin.
std::optional<std::string> findProgram(const std::string& name);
std::string readFile(const std::string& path);
void writeFile(const std::string& path, const std::string& text);
std::string trim(std::string text);
std::string makeTempDir(const std::string& prefix);  // under $TMPDIR

// Starts ARGV (stdin /dev/null, stdout+stderr into OUTPUT_PATH, mode 0600) with EXTRA_ENV
// ("NAME=value") added to the environment. Throws when the program is not found.
pid_t spawn(const std::vector<std::string>& argv, const std::string& output_path,
            const std::vector<std::string>& extra_env);
int openPidFd(pid_t pid);
// Blocks in poll(2) on the pidfd until the process exits or TIMEOUT passes; true when it exited.
bool waitExit(int pidfd, std::chrono::milliseconds timeout);
// Reaps PID once it exited (or kills it after TIMEOUT); its exit code, -1 when killed.
int reap(pid_t pid, int pidfd, std::chrono::milliseconds timeout);
// A socket bound to 127.0.0.1:PORT (0: any), or -1.
int bindLoopback(int type, std::uint16_t port);
CommandResult runCommandTo(const std::vector<std::string>& argv, const std::string& output_path,
                           std::chrono::milliseconds timeout);

// A server process in the foreground: started at construction, stopped by PID (SIGTERM, then
// SIGKILL after 5 s) at destruction, its log printed when the test failed.
class ServerProcess {
 public:
  ServerProcess(const std::vector<std::string>& argv, std::string log_path,
                const std::vector<std::string>& extra_env = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Polls until 127.0.0.1:PORT accepts a TCP connection; throws with the log when the process
  // exits first or TIMEOUT passes.
  void waitForTcp(std::uint16_t port, std::chrono::milliseconds timeout) const;
  bool exited(std::chrono::milliseconds wait = std::chrono::milliseconds(0)) const;
  void stop();
  pid_t pid() const { return pid_; }
  std::string log() const;

 private:
  std::string name_;
  std::string log_path_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
};

}  // namespace planb::testing
