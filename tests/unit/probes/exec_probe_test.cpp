// exec probes running real commands (/bin/sh, sleep) in their own process groups.

#include "probes/exec_probe.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_support.hpp"

namespace planb::probes::test {
namespace {

namespace fs = std::filesystem;
using core::ProbeFailure;

core::ProbeResult attempt(asio::io_context& io, ExecProbe& probe,
                          std::chrono::milliseconds timeout = 5000ms) {
  Results results;
  probe.start(timeout, results.callback());
  REQUIRE(runUntil(
      io, [&] { return results.any(); }, timeout + 5000ms));
  REQUIRE(results.all.size() == 1);
  return results.all[0];
}

// A fresh directory, removed at the end of the test.
struct TempDir {
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "planb-exec-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  fs::path path;
};

// True once PID is gone or a zombie nobody reaped yet (dead either way).
bool dead(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) {
    return true;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  return text.empty() || (close != std::string::npos && close + 2 < text.size() &&
                          (text[close + 2] == 'Z' || text[close + 2] == 'X'));
}

// Waits, running nothing, until `pid` is dead or `limit` passes.
bool waitDead(pid_t pid, std::chrono::milliseconds limit = 5000ms) {
  asio::io_context idle;
  asio::steady_timer tick(idle);
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!dead(pid)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    tick.expires_after(5ms);
    tick.wait();
  }
  return true;
}

pid_t readPid(const std::string& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

TEST_CASE("exec probe succeeds when the command exits 0") {
  asio::io_context io;
  ExecProbe probe(io, {"/bin/sh", "-c", "echo fine; exit 0"});
  CHECK(probe.kind() == "exec");
  auto r = attempt(io, probe);
  CHECK_MESSAGE(r.ok(), r.detail);
  CHECK(r.detail.empty());
  CHECK(r.latency > std::chrono::microseconds{0});
}

TEST_CASE("exec probe runs argv without a shell and looks bare names up in PATH") {
  asio::io_context io;
  // With a shell, $HOME and * would be expanded; without one ls gets them as written.
  ExecProbe probe(io, {"ls", "$HOME/*"});
  auto r = attempt(io, probe);
  CHECK(r.failure == ProbeFailure::Exec);
  CHECK(r.detail.starts_with("exit status 2: ls: cannot access "));
  CHECK(r.detail.find("$HOME/*") != std::string::npos);  // quoting differs between locales
}

TEST_CASE("exec probe fails with exec and the command's output on a non-zero exit") {
  asio::io_context io;
  ExecProbe probe(io, {"/bin/sh", "-c", "echo 'disk 97%\tfull'; echo 'on /data' >&2; exit 3"});
  auto r = attempt(io, probe);
  CHECK(r.failure == ProbeFailure::Exec);
  CHECK(r.detail == "exit status 3: disk 97% full on /data");
}

TEST_CASE("exec probe keeps only the first 512 bytes of a long output") {
  asio::io_context io;
  // 100,000 bytes: far more than the pipe holds, so the probe must keep draining it.
  ExecProbe probe(io, {"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x; exit 1"});
  auto r = attempt(io, probe);
  CHECK(r.failure == ProbeFailure::Exec);
  CHECK(r.detail == "exit status 1: " + std::string(kMaxExecOutput, 'x'));
}

TEST_CASE("exec probe reports a command killed by a signal") {
  asio::io_context io;
  ExecProbe probe(io, {"/bin/sh", "-c", "kill -TERM $$"});
  auto r = attempt(io, probe);
  CHECK(r.failure == ProbeFailure::Exec);
  CHECK(r.detail == "killed by signal 15");
}

TEST_CASE("exec probe fails with exec when the program does not exist") {
  asio::io_context io;
  SUBCASE("an absolute path") {
    ExecProbe probe(io, {"/nonexistent/planb-check"});
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Exec);
    CHECK(r.detail == "cannot run /nonexistent/planb-check: No such file or directory");
  }
  SUBCASE("a name not in PATH") {
    ExecProbe probe(io, {"planb-no-such-command"});
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Exec);
    CHECK(r.detail == "cannot run planb-no-such-command: No such file or directory");
  }
}

TEST_CASE("exec probe kills the whole process group on timeout") {
  asio::io_context io;
  TempDir dir;
  const std::string pidfile = dir.file("child.pid");
  // The shell starts a child that would outlive it, says so, and waits.
  ExecProbe probe(io,
                  {"/bin/sh", "-c", "sleep 60 & echo $! > " + pidfile + "; echo started; wait"});
  Results results;
  probe.start(300ms, results.callback());
  REQUIRE(runUntil(
      io, [&] { return results.any(); }, 5000ms));
  auto r = results.all[0];
  CHECK(r.failure == ProbeFailure::Timeout);
  CHECK(r.detail == "timeout after 300ms running /bin/sh: started");
  pid_t child = readPid(pidfile);
  REQUIRE(child > 0);
  CHECK(waitDead(child));
  // The shell itself is reaped by the probe: let the io_context run the pidfd wait.
  runFor(io, 50ms);
}

TEST_CASE("exec probe kills what the command left running in its group when it exits") {
  asio::io_context io;
  TempDir dir;
  const std::string pidfile = dir.file("child.pid");
  ExecProbe probe(io, {"/bin/sh", "-c", "sleep 60 >/dev/null 2>&1 & echo $! > " + pidfile});
  auto r = attempt(io, probe);
  CHECK_MESSAGE(r.ok(), r.detail);
  pid_t child = readPid(pidfile);
  REQUIRE(child > 0);
  CHECK(waitDead(child));
}

TEST_CASE("exec probe runs the command in a process group of its own") {
  asio::io_context io;
  TempDir dir;
  const std::string out = dir.file("ids");
  ExecProbe probe(io, {"/bin/sh", "-c", "echo $$ $(ps -o pgid= -p $$) > " + out});
  auto r = attempt(io, probe);
  CHECK_MESSAGE(r.ok(), r.detail);
  std::ifstream in(out);
  pid_t pid = 0;
  pid_t pgid = 0;
  in >> pid >> pgid;
  CHECK(pid > 0);
  CHECK(pgid == pid);
  CHECK(pgid != ::getpgrp());
}

TEST_CASE("exec probe passes none of planbd's descriptors to the command") {
  asio::io_context io;
  LoopbackServer server(io, LoopbackServer::Mode::Silent);  // a listening socket in this process
  ExecProbe probe(io, {"/bin/sh", "-c", "ls /proc/self/fd | wc -l; exit 1"});
  auto r = attempt(io, probe);
  // 0, 1, 2 and the descriptor ls opens to read /proc/self/fd.
  CHECK(r.detail == "exit status 1: 4");
}

TEST_CASE("exec probe cancelled: reported once as internal, and the command is killed") {
  asio::io_context io;
  TempDir dir;
  const std::string pidfile = dir.file("self.pid");
  ExecProbe probe(io, {"/bin/sh", "-c", "echo $$ > " + pidfile + "; exec sleep 60"});
  Results results;
  probe.start(10000ms, results.callback());
  REQUIRE(runUntil(
      io, [&] { return readPid(pidfile) > 0; }, 5000ms));
  pid_t pid = readPid(pidfile);
  probe.cancel();
  CHECK_FALSE(results.any());  // never from inside cancel()
  REQUIRE(runUntil(io, [&] { return results.any(); }));
  CHECK(results.all[0].failure == ProbeFailure::Internal);
  CHECK(results.all[0].detail == "cancelled");
  REQUIRE(runUntil(io, [&] { return dead(pid); }));
  runFor(io, 50ms);
  CHECK(results.all.size() == 1);
}

TEST_CASE("an exec probe destroyed mid-attempt kills and reaps its command") {
  TempDir dir;
  const std::string pidfile = dir.file("self.pid");
  pid_t pid = 0;
  {
    asio::io_context io;
    auto probe = std::make_unique<ExecProbe>(
        io, std::vector<std::string>{"/bin/sh", "-c", "echo $$ > " + pidfile + "; exec sleep 60"});
    Results results;
    probe->start(10000ms, results.callback());
    REQUIRE(runUntil(
        io, [&] { return readPid(pidfile) > 0; }, 5000ms));
    pid = readPid(pidfile);
    probe.reset();
  }  // the io_context goes with its pending handlers
  errno = 0;
  CHECK(::kill(pid, 0) != 0);
  CHECK(errno == ESRCH);  // killed and reaped: not even a zombie is left
}

}  // namespace
}  // namespace planb::probes::test

namespace planb::probes::test {
namespace {

// Sets NAME=VALUE in this process for the test's lifetime, as systemd would for planbd.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const char* value) : name_(name) {
    if (const char* old = ::getenv(name)) {
      old_ = old;
    }
    ::setenv(name, value, 1);
  }
  ~ScopedVariable() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("exec probe runs its command with PATH and LANG only, never planbd's environment") {
  ScopedVariable credentials("CREDENTIALS_DIRECTORY", "/run/credentials/planbd.service");
  ScopedVariable notify("NOTIFY_SOCKET", "/run/systemd/notify");
  ScopedVariable path("PATH", "/opt/planb-test/bin:/usr/bin:/bin");
  ScopedVariable secret("PLANB_TEST_SECRET", "s3cret");
  asio::io_context io;
  // Prints the environment it got and fails when anything of planbd's reached it.
  ExecProbe probe(io,
                  {"sh", "-c",
                   "env | sort | tr '\\n' ' '; "
                   "[ -z \"${CREDENTIALS_DIRECTORY+x}${NOTIFY_SOCKET+x}${PLANB_TEST_SECRET+x}\" ]"
                   " && [ \"$PATH\" = /usr/sbin:/usr/bin:/sbin:/bin ] && [ \"$LANG\" = C.UTF-8 ]"
                   " && exit 3"});
  auto r = attempt(io, probe);
  // dash adds PWD itself; nothing else may be there.
  CHECK(r.detail == "exit status 3: LANG=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin PWD=" +
                        std::filesystem::current_path().string());
}

}  // namespace planb::probes::test
