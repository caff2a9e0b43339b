#pragma once
// AWS's credential_process convention (AWS CLI User Guide, "Sourcing credentials with an external
// process", https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sourcing-external.html):
// a command prints {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
// on its standard output. IAM Roles Anywhere's `aws_signing_helper credential-process` and SSO
// helpers hand out temporary credentials this way on hosts outside AWS.
//
// - The command line is split into words like botocore does (shlex.split, POSIX rules:
//   botocore/credentials.py ProcessProvider._retrieve_credentials_using) and run without a shell.
// - Its standard output and standard error hold secrets: neither is ever logged or put into an
//   error. Errors name the command, its exit status and what is wrong with the JSON, never a value.
// - Credentials are cached and the command re-run when they are within the refresh window of their
//   Expiration (15 minutes, botocore's advisory refresh: RefreshableCredentials.
//   _advisory_refresh_timeout = 15 * 60 in botocore/credentials.py). A run that fails keeps the
//   last good credentials until they expire; then current() fails naming the command.
// - The clock and the runner are injected: tests check the refresh timing without sleeping and
//   without starting processes.

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "net/sigv4.hpp"

namespace planb::net {

// The words of a command line as a POSIX shell would split them (quotes '…' and "…", backslash
// escapes), without expansions. nullopt and WHY on an unclosed quote or a trailing backslash, or
// when there is no word at all.
std::optional<std::vector<std::string>> splitCommandLine(std::string_view line, std::string& why);

// What a credential process printed, parsed.
struct ProcessCredentials {
  SigV4Credentials credentials;
  // Absent: long-lived credentials, never refreshed (AWS's convention allows omitting it).
  std::optional<std::chrono::system_clock::time_point> expiration;
};

// Parses the command's output. On failure the string says what is wrong (a missing or mistyped
// key, an unsupported Version, a malformed Expiration), naming keys only, never a value.
std::variant<ProcessCredentials, std::string> parseCredentialProcessOutput(std::string_view json);

// "2026-12-04T21:35:00Z" (RFC 3339 / ISO 8601 in UTC, fractions of a second and offsets accepted).
std::optional<std::chrono::system_clock::time_point> parseIso8601(std::string_view text);

// One run of a command: its exit and its standard output (at most kMaxOutput bytes kept).
struct ProcessRun {
  enum class End { Exited, Signaled, TimedOut, CouldNotStart };
  End end = End::Exited;
  int code = 0;        // exit status, or signal number, or errno
  std::string output;  // standard output only
};

using ProcessRunner = std::function<ProcessRun(const std::vector<std::string>& argv,
                                               std::chrono::milliseconds timeout)>;

// Runs ARGV without a shell (PATH searched for a bare name), standard input from /dev/null,
// standard error discarded, in its own process group, killed as a group at TIMEOUT.
ProcessRun runProcess(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

struct CredentialProcessOptions {
  std::function<std::chrono::system_clock::time_point()> clock;  // system clock when empty
  ProcessRunner runner;                                          // runProcess when empty
  std::chrono::milliseconds timeout{30'000};
  // Re-run when the credentials expire within this (botocore's advisory refresh, see above).
  std::chrono::seconds refresh_before{15 * 60};
  // After a failed run, the next try waits this long, so a broken helper is not run on every
  // request while the cached credentials are still good.
  std::chrono::seconds retry_after_failure{30};
};

// Thread-safe: current() may run the command under a lock; expiresAt() is cheap.
class AwsCredentialProcess {
 public:
  // Throws std::invalid_argument when the command line does not split into words.
  AwsCredentialProcess(std::string command_line, CredentialProcessOptions options = {});

  // Credentials good for at least a little while, running the command when needed; on failure a
  // message naming the command line (not its output).
  std::variant<SigV4Credentials, std::string> current();

  // When the cached credentials expire; nullopt before the first good run or when they never do.
  std::optional<std::chrono::system_clock::time_point> expiresAt() const;

  const std::string& commandLine() const noexcept { return command_line_; }

 private:
  std::string runOnce();  // "" when new credentials are cached, else what went wrong

  std::string command_line_;
  std::vector<std::string> argv_;
  CredentialProcessOptions options_;
  mutable std::mutex mutex_;
  std::optional<ProcessCredentials> cached_;
  std::optional<std::chrono::system_clock::time_point> last_failure_;
  std::string last_error_;
};

}  // namespace planb::net
