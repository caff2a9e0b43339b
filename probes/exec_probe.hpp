#pragma once
// exec probe: runs a command (argv, no shell) in its own process group; exit status 0 is success.

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "probes/probe.hpp"

namespace planb::probes {

// At most this much of the command's output (stdout and stderr together) is kept, for the detail.
inline constexpr std::size_t kMaxExecOutput = 512;

// Each attempt spawns command[0] (an absolute path, or a bare name looked up in PATH) with
// posix_spawn: stdin from /dev/null, stdout and stderr into one pipe, no descriptor of planbd's
// inherited, signals at their defaults, and a new process group led by the command. Nothing
// blocks the io_context: the exit is awaited on a pidfd and the output read from the pipe, both
// through Asio.
//
// Results:
//   success   exit status 0
//   exec      any other exit ("exit status 2: <output>", "killed by signal 11: <output>"), or the
//             command could not be started ("cannot run /usr/bin/x: No such file or directory")
//   timeout   the command was still running at the deadline: its whole process group is killed
//             with SIGKILL ("timeout after 1000ms running /usr/bin/x: <output>")
//   internal  cancelled (the process group is killed too), or planbd could not spawn at all
// <output> is the first kMaxExecOutput bytes of stdout and stderr, control characters as spaces,
// trimmed. When the command exits, whatever it left running in its process group is killed too:
// an attempt never outlives itself. Every child is reaped.
class ExecProbe final : public Probe {
 public:
  // Throws std::invalid_argument for an empty command or an empty program name.
  ExecProbe(boost::asio::io_context& io, std::vector<std::string> command);
  ~ExecProbe() override;  // cancels the attempt in flight
  ExecProbe(const ExecProbe&) = delete;
  ExecProbe& operator=(const ExecProbe&) = delete;

  std::string_view kind() const noexcept override { return "exec"; }
  void start(std::chrono::milliseconds timeout, ResultCallback done) override;
  void cancel() override;

  class Attempt;

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<const std::vector<std::string>> command_;
  std::weak_ptr<Attempt> current_;
};

}  // namespace planb::probes
