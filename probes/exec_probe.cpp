#include "probes/exec_probe.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include "probes/single_result.hpp"

namespace planb::probes {

namespace asio = boost::asio;

namespace {

// The command's whole environment. planbd's own (CREDENTIALS_DIRECTORY, NOTIFY_SOCKET, whatever
// its unit or shell set) is not the command's business: a probe tests the endpoint, not planbd.
constexpr const char* kProbePath = "/usr/sbin:/usr/bin:/sbin:/bin";
char kPathVariable[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
char kLangVariable[] = "LANG=C.UTF-8";
char* const kProbeEnvironment[] = {kPathVariable, kLangVariable, nullptr};

// A bare command name, looked up in the PATH the command gets (posix_spawnp would use planbd's).
// Empty when no directory has it.
std::string findInProbePath(const std::string& name) {
  std::string_view dirs = kProbePath;
  while (!dirs.empty()) {
    std::string_view dir = dirs.substr(0, dirs.find(':'));
    dirs.remove_prefix(std::min(dirs.size(), dir.size() + 1));
    std::string candidate = std::string(dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return {};
}

// The output as a one-line detail: control characters and bytes that are not UTF-8 as spaces or
// '?', runs of spaces collapsed, trimmed. (Details end up in JSON and logs.)
std::string printable(const std::string& raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    auto c = static_cast<unsigned char>(raw[i]);
    std::size_t length = c < 0x80           ? 1
                         : (c >> 5) == 0x6  ? 2
                         : (c >> 4) == 0xe  ? 3
                         : (c >> 3) == 0x1e ? 4
                                            : 0;
    bool valid = length > 0 && i + length <= raw.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(raw[i + k]) >> 6) == 0x2;
    }
    if (!valid) {
      out += '?';
      ++i;
      continue;
    }
    if (length == 1 && (c < 0x20 || c == 0x7f)) {
      if (!out.empty() && out.back() != ' ') {
        out += ' ';
      }
    } else if (!(c == ' ' && !out.empty() && out.back() == ' ')) {
      out.append(raw, i, length);
    }
    i += length;
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  if (!out.empty() && out.front() == ' ') {
    out.erase(0, 1);
  }
  return out;
}

int pidfdOpen(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

}  // namespace

class ExecProbe::Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  Attempt(asio::io_context& io, std::shared_ptr<const std::vector<std::string>> command,
          ResultCallback done)
      : io_(io),
        command_(std::move(command)),
        result_(std::move(done)),
        deadline_(io),
        exit_(io),
        output_(io) {}

  ~Attempt() {
    // The io_context went away with the attempt still running: end it here, synchronously.
    if (pid_ > 0 && !reaped_) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }

  Attempt(const Attempt&) = delete;
  Attempt& operator=(const Attempt&) = delete;

  void run(std::chrono::milliseconds timeout) {
    started_ = std::chrono::steady_clock::now();
    timeout_ = std::max(timeout, std::chrono::milliseconds{0});
    std::string error = spawn();
    if (!error.empty()) {
      // Never report from inside start().
      asio::post(io_, [self = shared_from_this(), error] {
        self->finish(core::ProbeResult::failed(error.starts_with("cannot run")
                                                   ? core::ProbeFailure::Exec
                                                   : core::ProbeFailure::Internal,
                                               error));
      });
      return;
    }
    deadline_.expires_at(started_ + timeout_);
    deadline_.async_wait(
        [self = shared_from_this()](const boost::system::error_code&) { self->onDeadline(); });
    exit_.async_wait(
        asio::posix::stream_descriptor::wait_read,
        [self = shared_from_this()](const boost::system::error_code& ec) { self->onExit(ec); });
    readOutput();
  }

  void cancel() {
    ResultCallback done = result_.take();
    if (!done) {
      return;
    }
    killGroup();
    deadline_.cancel();
    // The pidfd wait stays armed: it reaps the killed command.
    asio::post(io_, [done = std::move(done), latency = elapsed()] {
      done(core::ProbeResult::failed(core::ProbeFailure::Internal, "cancelled", latency));
    });
  }

 private:
  // Starts the command; an error text when it could not be.
  std::string spawn() {
    const std::vector<std::string>& command = *command_;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return std::string("cannot create a pipe: ") + std::strerror(errno);
    }
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    // planbd's sockets (listeners, probes in flight) are not the command's business.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setpgroup(&attributes, 0);  // a new group, led by the command
    posix_spawnattr_setflags(
        &attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::vector<char*> argv;
    argv.reserve(command.size() + 1);
    for (const std::string& arg : command) {
      argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    pid_t pid = -1;
    std::string program =
        command[0].find('/') == std::string::npos ? findInProbePath(command[0]) : command[0];
    int rc = program.empty() ? ENOENT
                             : ::posix_spawn(&pid, program.c_str(), &actions, &attributes,
                                             argv.data(), kProbeEnvironment);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      return "cannot run " + command[0] + ": " + std::strerror(rc);
    }
    pid_ = pid;
    output_.assign(fds[0]);
    output_.non_blocking(true);
    // The command is our unreaped child, so its pid cannot be reused before we open the pidfd.
    int pidfd = pidfdOpen(pid);
    if (pidfd < 0) {
      std::string why = std::strerror(errno);
      killGroup();
      int status = 0;
      ::waitpid(pid_, &status, 0);
      reaped_ = true;
      return "cannot watch " + command[0] + " (pidfd_open: " + why + ")";
    }
    exit_.assign(pidfd);
    return {};
  }

  void readOutput() {
    output_.async_read_some(
        asio::buffer(buffer_),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          self->keep(n);
          if (!ec) {
            self->readOutput();
          }
          // EOF, or the descriptor closed at the end: nothing more to read.
        });
  }

  void keep(std::size_t n) {
    std::size_t room = kMaxExecOutput - std::min(kMaxExecOutput, text_.size());
    text_.append(buffer_.data(), std::min(n, room));
  }

  void onExit(const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted && reaped_) {
      return;
    }
    // The command has exited and is a zombie until reaped: its pid, and so its process group id,
    // are still ours. Kill what it left running in the group, then reap it.
    killGroup();
    int status = 0;
    pid_t waited = -1;
    do {
      waited = ::waitpid(pid_, &status, 0);
    } while (waited < 0 && errno == EINTR);
    reaped_ = true;
    // Whatever the command wrote before exiting is in the pipe now.
    boost::system::error_code read_ec;
    while (text_.size() < kMaxExecOutput) {
      std::size_t n = output_.read_some(asio::buffer(buffer_), read_ec);
      if (read_ec || n == 0) {
        break;
      }
      keep(n);
    }
    closeAll();
    if (!result_.pending()) {
      return;
    }
    if (waited < 0) {
      fail(core::ProbeFailure::Exec,
           "exit status unknown (" + std::string(std::strerror(errno)) + ")");
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      finish(core::ProbeResult::success({}));
    } else if (WIFEXITED(status)) {
      fail(core::ProbeFailure::Exec, "exit status " + std::to_string(WEXITSTATUS(status)));
    } else {
      fail(core::ProbeFailure::Exec, "killed by signal " + std::to_string(WTERMSIG(status)));
    }
  }

  void onDeadline() {
    if (!result_.pending()) {
      return;
    }
    killGroup();
    // Reported now; the pidfd wait reaps the command as soon as the kill lands.
    fail(core::ProbeFailure::Timeout,
         "timeout after " + std::to_string(timeout_.count()) + "ms running " + (*command_)[0]);
  }

  void fail(core::ProbeFailure why, std::string detail) {
    std::string shown = printable(text_);
    if (!shown.empty()) {
      detail += ": " + shown;
    }
    finish(core::ProbeResult::failed(why, std::move(detail)));
  }

  void finish(core::ProbeResult result) {
    ResultCallback done = result_.take();
    if (!done) {
      return;
    }
    deadline_.cancel();
    result.latency = elapsed();
    done(std::move(result));
  }

  void killGroup() noexcept {
    if (pid_ > 0 && !reaped_) {
      ::kill(-pid_, SIGKILL);
    }
  }

  void closeAll() noexcept {
    boost::system::error_code ignored;
    output_.close(ignored);
    exit_.close(ignored);
    deadline_.cancel();
  }

  std::chrono::microseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                 started_);
  }

  asio::io_context& io_;
  std::shared_ptr<const std::vector<std::string>> command_;
  SingleResult result_;
  asio::steady_timer deadline_;
  asio::posix::stream_descriptor exit_;    // the pidfd: readable once the command exits
  asio::posix::stream_descriptor output_;  // the pipe's read end
  std::array<char, 4096> buffer_{};
  std::string text_;  // the first kMaxExecOutput bytes of output
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::chrono::steady_clock::time_point started_;
  std::chrono::milliseconds timeout_{0};
};

ExecProbe::ExecProbe(asio::io_context& io, std::vector<std::string> command) : io_(io) {
  if (command.empty() || command[0].empty()) {
    throw std::invalid_argument("exec probe: no command");
  }
  command_ = std::make_shared<const std::vector<std::string>>(std::move(command));
}

ExecProbe::~ExecProbe() {
  cancel();
}

void ExecProbe::start(std::chrono::milliseconds timeout, ResultCallback done) {
  auto attempt = std::make_shared<Attempt>(io_, command_, std::move(done));
  current_ = attempt;
  attempt->run(timeout);
}

void ExecProbe::cancel() {
  if (auto attempt = current_.lock()) {
    attempt->cancel();
  }
}

}  // namespace planb::probes
