#include "net/aws_credential_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <stdexcept>

extern char** environ;

namespace planb::net {

namespace {

constexpr std::size_t kMaxOutput = 64 * 1024;

}  // namespace

std::optional<std::vector<std::string>> splitCommandLine(std::string_view line, std::string& why) {
  // POSIX shell word splitting as Python's shlex.split(posix=True) does it: whitespace separates,
  // '…' keeps everything literally, "…" lets a backslash escape only \ " $ ` and newline, a
  // backslash outside quotes escapes any character.
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (i + 1 == line.size()) {
        why = "it ends with a lone backslash";
        return std::nullopt;
      }
      word += line[++i];
    } else if (c == '\'') {
      auto end = line.find('\'', i + 1);
      if (end == std::string_view::npos) {
        why = "a single quote is not closed";
        return std::nullopt;
      }
      word.append(line.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size() &&
            std::string_view("\\\"$`\n").find(line[j + 1]) != std::string_view::npos) {
          ++j;
        }
        word += line[j];
      }
      if (j >= line.size()) {
        why = "a double quote is not closed";
        return std::nullopt;
      }
      i = j;
    } else {
      word += c;
    }
  }
  if (in_word) {
    words.push_back(std::move(word));
  }
  if (words.empty()) {
    why = "it holds no command";
    return std::nullopt;
  }
  return words;
}

std::optional<std::chrono::system_clock::time_point> parseIso8601(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
  auto digits = [&](std::size_t at, std::size_t n) -> std::optional<int> {
    if (at + n > text.size()) {
      return std::nullopt;
    }
    int value = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') {
        return std::nullopt;
      }
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  auto sep = [&](std::size_t at, std::string_view allowed) {
    return at < text.size() && allowed.find(text[at]) != std::string_view::npos;
  };
  auto year = digits(0, 4);
  auto month = digits(5, 2);
  auto day = digits(8, 2);
  auto hour = digits(11, 2);
  auto minute = digits(14, 2);
  auto second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || !sep(4, "-") || !sep(7, "-") ||
      !sep(10, "Tt ") || !sep(13, ":") || !sep(16, ":")) {
    return std::nullopt;
  }
  std::size_t at = 19;
  if (sep(at, ".")) {
    ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      ++at;
    }
  }
  int offset_minutes = 0;
  if (sep(at, "Zz") && at + 1 == text.size()) {
    // UTC
  } else if (sep(at, "+-") && at + 6 == text.size() && sep(at + 3, ":")) {
    auto oh = digits(at + 1, 2);
    auto om = digits(at + 4, 2);
    if (!oh || !om) {
      return std::nullopt;
    }
    offset_minutes = (*oh * 60 + *om) * (text[at] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{*year}, std::chrono::month(*month),
                            std::chrono::day(*day)};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  return sys_days{date} + hours{*hour} + minutes{*minute} + seconds{*second} -
         minutes{offset_minutes};
}

std::variant<ProcessCredentials, std::string> parseCredentialProcessOutput(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded()) {
    return std::string("its output is not JSON");
  }
  if (!doc.is_object()) {
    return std::string("its output is not a JSON object");
  }
  // "Version: The value must be 1" (AWS CLI User Guide, cli-configure-sourcing-external).
  auto version = doc.find("Version");
  if (version == doc.end()) {
    return std::string("its output has no \"Version\" (AWS's format requires \"Version\": 1)");
  }
  if (!version->is_number_integer() || version->get<long long>() != 1) {
    return std::string("its output has a \"Version\" other than 1, the only one AWS defines");
  }
  auto text = [&](const char* key,
                  bool required) -> std::variant<std::optional<std::string>, std::string> {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) {
      if (required) {
        return "its output has no \"" + std::string(key) + "\"";
      }
      return std::optional<std::string>{};
    }
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      return "its output's \"" + std::string(key) + "\" is not a non-empty string";
    }
    return std::optional<std::string>(it->get<std::string>());
  };
  ProcessCredentials out;
  for (const char* key : {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}) {
    const bool required =
        std::string_view(key) == "AccessKeyId" || std::string_view(key) == "SecretAccessKey";
    auto value = text(key, required);
    if (auto* why = std::get_if<std::string>(&value)) {
      return std::move(*why);
    }
    auto& got = std::get<std::optional<std::string>>(value);
    if (!got) {
      continue;
    }
    const std::string_view k = key;
    if (k == "AccessKeyId") {
      out.credentials.access_key_id = std::move(*got);
    } else if (k == "SecretAccessKey") {
      out.credentials.secret_access_key = Secret(std::move(*got));
    } else if (k == "SessionToken") {
      out.credentials.session_token = Secret(std::move(*got));
    } else {
      out.expiration = parseIso8601(*got);
      if (!out.expiration) {
        return std::string(
            "its output's \"Expiration\" is not an ISO 8601 time such as "
            "\"2026-12-04T21:35:00Z\"");
      }
    }
  }
  return out;
}

ProcessRun runProcess(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  ProcessRun run;
  if (argv.empty()) {
    run.end = ProcessRun::End::CouldNotStart;
    run.code = EINVAL;
    return run;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    run.end = ProcessRun::End::CouldNotStart;
    run.code = errno;
    return run;
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attributes);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  // Standard error may print the credentials too: it goes nowhere.
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = argv[0].find('/') == std::string::npos
                     ? ::posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ)
                     : ::posix_spawn(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    run.end = ProcessRun::End::CouldNotStart;
    run.code = rc;
    return run;
  }
  // Read until end of file (the command and whatever it left running closed the pipe) or the
  // deadline.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    run.output.append(buffer,
                      std::min<std::size_t>(static_cast<std::size_t>(n),
                                            kMaxOutput - std::min(kMaxOutput, run.output.size())));
  }
  ::close(fds[0]);
  if (timed_out) {
    ::kill(-pid, SIGKILL);
  }
  int status = 0;
  pid_t waited = -1;
  do {
    waited = ::waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  if (timed_out) {
    run.end = ProcessRun::End::TimedOut;
  } else if (waited >= 0 && WIFEXITED(status)) {
    run.end = ProcessRun::End::Exited;
    run.code = WEXITSTATUS(status);
  } else if (waited >= 0 && WIFSIGNALED(status)) {
    run.end = ProcessRun::End::Signaled;
    run.code = WTERMSIG(status);
  } else {
    run.end = ProcessRun::End::CouldNotStart;
    run.code = errno;
  }
  return run;
}

AwsCredentialProcess::AwsCredentialProcess(std::string command_line,
                                           CredentialProcessOptions options)
    : command_line_(std::move(command_line)), options_(std::move(options)) {
  std::string why;
  std::optional<std::vector<std::string>> argv = splitCommandLine(command_line_, why);
  if (!argv) {
    throw std::invalid_argument("credential_process \"" + command_line_ + "\": " + why);
  }
  argv_ = std::move(*argv);
  if (!options_.clock) {
    options_.clock = [] { return std::chrono::system_clock::now(); };
  }
  if (!options_.runner) {
    options_.runner = runProcess;
  }
}

std::string AwsCredentialProcess::runOnce() {
  ProcessRun run = options_.runner(argv_, options_.timeout);
  // The output holds the secrets: it is parsed, then wiped with the Secret it becomes.
  Secret output(std::move(run.output));
  switch (run.end) {
    case ProcessRun::End::CouldNotStart:
      return "could not be started: " + std::string(std::strerror(run.code));
    case ProcessRun::End::TimedOut:
      return "did not finish within " + std::to_string(options_.timeout.count()) +
             " ms and was killed";
    case ProcessRun::End::Signaled:
      return "was killed by signal " + std::to_string(run.code);
    case ProcessRun::End::Exited:
      if (run.code != 0) {
        return "exited with status " + std::to_string(run.code);
      }
      break;
  }
  auto parsed = parseCredentialProcessOutput(output.reveal());
  if (auto* why = std::get_if<std::string>(&parsed)) {
    return "exited with status 0 but " + *why;
  }
  ProcessCredentials& got = std::get<ProcessCredentials>(parsed);
  if (got.expiration && *got.expiration <= options_.clock()) {
    return "exited with status 0 but printed credentials that have already expired";
  }
  cached_ = std::move(got);
  return {};
}

std::variant<SigV4Credentials, std::string> AwsCredentialProcess::current() {
  std::lock_guard lock(mutex_);
  const auto now = options_.clock();
  // Fresh while at least refresh_before remains (botocore: `remaining >= advisory` keeps them).
  const bool fresh =
      cached_ && (!cached_->expiration || *cached_->expiration - options_.refresh_before >= now);
  const bool waiting = last_failure_ && now < *last_failure_ + options_.retry_after_failure;
  if (!fresh && !waiting) {
    last_error_ = runOnce();
    if (last_error_.empty()) {
      last_failure_.reset();
    } else {
      last_failure_ = now;
    }
  }
  if (cached_ && (!cached_->expiration || *cached_->expiration > now)) {
    return cached_->credentials;
  }
  std::string message = "credential_process \"" + command_line_ + "\" ";
  if (!last_error_.empty()) {
    message += last_error_;
    if (cached_) {
      message += ", and the credentials it printed before have expired";
    }
  } else {
    message += "has not given credentials yet";
  }
  return message;
}

std::optional<std::chrono::system_clock::time_point> AwsCredentialProcess::expiresAt() const {
  std::lock_guard lock(mutex_);
  if (!cached_) {
    return std::nullopt;
  }
  return cached_->expiration;
}

}  // namespace planb::net
