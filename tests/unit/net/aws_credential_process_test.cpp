// AWS credential_process: the command line split like botocore's shlex.split, the JSON AWS
// defines, refresh before Expiration on an injected clock, and the real runner (no shell, bounded
// run time, output never in a message).

#include "net/aws_credential_process.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace planb::net;
using namespace std::chrono;

namespace {

const system_clock::time_point kNow = sys_days{year{2026} / 12 / 4} + hours{20};

std::vector<std::string> words(std::string_view line) {
  std::string why;
  auto split = splitCommandLine(line, why);
  REQUIRE_MESSAGE(split.has_value(), why);
  return *split;
}

std::string refusal(std::string_view line) {
  std::string why;
  CHECK_FALSE(splitCommandLine(line, why).has_value());
  return why;
}

std::string parseError(std::string_view json) {
  auto parsed = parseCredentialProcessOutput(json);
  REQUIRE(std::holds_alternative<std::string>(parsed));
  return std::get<std::string>(parsed);
}

// The example of the AWS CLI User Guide, cli-configure-sourcing-external.
const std::string kAwsExample = R"({
  "Version": 1,
  "AccessKeyId": "an AWS access key",
  "SecretAccessKey": "your AWS secret access key",
  "SessionToken": "the AWS session token for temporary credentials",
  "Expiration": "ISO8601 timestamp when the credentials expire"
})";

std::string valid(std::string_view expiration) {
  return R"({"Version": 1, "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s3cr3t",)"
         R"( "SessionToken": "t0k3n", "Expiration": ")" +
         std::string(expiration) + R"("})";
}

struct Scripted {
  system_clock::time_point now = kNow;
  std::vector<ProcessRun> runs;
  std::vector<std::vector<std::string>> argvs;

  CredentialProcessOptions options() {
    CredentialProcessOptions o;
    o.clock = [this] { return now; };
    o.runner = [this](const std::vector<std::string>& argv, milliseconds) {
      argvs.push_back(argv);
      REQUIRE(argvs.size() <= runs.size());
      return runs[argvs.size() - 1];
    };
    return o;
  }
};

}  // namespace

TEST_CASE("a command line splits into words like a POSIX shell, without expansions") {
  CHECK(words("aws_signing_helper credential-process --certificate /etc/c.pem") ==
        std::vector<std::string>{"aws_signing_helper", "credential-process", "--certificate",
                                 "/etc/c.pem"});
  CHECK(words(R"(  helper 'two words' "a \"b\" $HOME" back\ slash '' )") ==
        std::vector<std::string>{"helper", "two words", "a \"b\" $HOME", "back slash", ""});
  CHECK(words(R"(a"b"'c'd)") == std::vector<std::string>{"abcd"});
  CHECK(refusal("helper 'open") == "a single quote is not closed");
  CHECK(refusal("helper \"open") == "a double quote is not closed");
  CHECK(refusal("helper \\") == "it ends with a lone backslash");
  CHECK(refusal("   ") == "it holds no command");
}

TEST_CASE("the JSON AWS defines parses; what is wrong is named without a value") {
  auto parsed = parseCredentialProcessOutput(valid("2026-12-04T21:00:00Z"));
  REQUIRE(std::holds_alternative<ProcessCredentials>(parsed));
  const ProcessCredentials& got = std::get<ProcessCredentials>(parsed);
  CHECK(got.credentials.access_key_id == "ASIAEXAMPLE");
  CHECK(got.credentials.secret_access_key.reveal() == "s3cr3t");
  CHECK(got.credentials.session_token->reveal() == "t0k3n");
  CHECK(got.expiration == kNow + hours{1});

  // Long-lived credentials: no SessionToken, no Expiration.
  auto plain = parseCredentialProcessOutput(
      R"({"Version":1,"AccessKeyId":"AKIAEXAMPLE","SecretAccessKey":"s3cr3t"})");
  REQUIRE(std::holds_alternative<ProcessCredentials>(plain));
  CHECK_FALSE(std::get<ProcessCredentials>(plain).expiration.has_value());
  CHECK_FALSE(std::get<ProcessCredentials>(plain).credentials.session_token.has_value());

  CHECK(parseError("not json s3cr3t") == "its output is not JSON");
  CHECK(parseError("[1]") == "its output is not a JSON object");
  CHECK(parseError(R"({"AccessKeyId":"a","SecretAccessKey":"s3cr3t"})") ==
        "its output has no \"Version\" (AWS's format requires \"Version\": 1)");
  CHECK(parseError(R"({"Version":2,"AccessKeyId":"a","SecretAccessKey":"s3cr3t"})") ==
        "its output has a \"Version\" other than 1, the only one AWS defines");
  CHECK(parseError(R"({"Version":1,"SecretAccessKey":"s3cr3t"})") ==
        "its output has no \"AccessKeyId\"");
  CHECK(parseError(R"({"Version":1,"AccessKeyId":"a","SecretAccessKey":7})") ==
        "its output's \"SecretAccessKey\" is not a non-empty string");
  // The AWS documentation's own example has placeholders, not a time.
  const std::string why = parseError(kAwsExample);
  CHECK(why.find("\"Expiration\" is not an ISO 8601 time") != std::string::npos);
  CHECK(why.find("ISO8601 timestamp") == std::string::npos);
}

TEST_CASE("Expiration is read as ISO 8601 with fractions and offsets") {
  CHECK(parseIso8601("2026-12-04T20:00:00Z") == kNow);
  CHECK(parseIso8601("2026-12-04T20:00:00.123Z") == kNow);
  CHECK(parseIso8601("2026-12-04T21:30:00+01:30") == kNow);
  CHECK(parseIso8601("2026-12-04T18:00:00-02:00") == kNow);
  CHECK_FALSE(parseIso8601("2026-12-04 20:00").has_value());
  CHECK_FALSE(parseIso8601("2026-13-04T20:00:00Z").has_value());
  CHECK_FALSE(parseIso8601("2026-12-04T20:00:00").has_value());
}

TEST_CASE("credentials are cached and the command re-run 15 minutes before Expiration") {
  Scripted s;
  s.runs = {{ProcessRun::End::Exited, 0, valid("2026-12-04T21:00:00Z")},
            {ProcessRun::End::Exited, 0, valid("2026-12-04T22:00:00Z")}};
  AwsCredentialProcess process("helper credential-process", s.options());
  CHECK_FALSE(process.expiresAt().has_value());
  CHECK(std::holds_alternative<SigV4Credentials>(process.current()));
  CHECK(s.argvs == std::vector<std::vector<std::string>>{{"helper", "credential-process"}});
  CHECK(process.expiresAt() == kNow + hours{1});
  s.now = kNow + minutes{45};  // exactly 15 minutes before: still cached
  CHECK(std::holds_alternative<SigV4Credentials>(process.current()));
  CHECK(s.argvs.size() == 1);
  s.now += seconds{1};
  CHECK(std::holds_alternative<SigV4Credentials>(process.current()));
  CHECK(s.argvs.size() == 2);
  CHECK(process.expiresAt() == kNow + hours{2});
}

TEST_CASE("a failing command keeps the last credentials until they expire, then names itself") {
  Scripted s;
  s.runs = {{ProcessRun::End::Exited, 0, valid("2026-12-04T21:00:00Z")},
            {ProcessRun::End::Exited, 1, "s3cr3t on stdout"},
            {ProcessRun::End::TimedOut, 0, ""},
            {ProcessRun::End::Exited, 0, "{\"Version\":1,\"AccessKeyId\":\"s3cr3t\"}"}};
  AwsCredentialProcess process("helper", s.options());
  CHECK(std::holds_alternative<SigV4Credentials>(process.current()));
  s.now = kNow + minutes{50};
  CHECK(std::holds_alternative<SigV4Credentials>(process.current()));  // run 2 failed
  CHECK(s.argvs.size() == 2);
  s.now += seconds{10};  // a failed run is not repeated on every request
  CHECK(std::holds_alternative<SigV4Credentials>(process.current()));
  CHECK(s.argvs.size() == 2);
  s.now += seconds{30};
  CHECK(std::holds_alternative<SigV4Credentials>(process.current()));  // run 3 timed out
  CHECK(s.argvs.size() == 3);
  s.now = kNow + hours{1};
  auto expired = process.current();  // run 4 prints bad JSON
  REQUIRE(std::holds_alternative<std::string>(expired));
  CHECK(std::get<std::string>(expired) ==
        "credential_process \"helper\" exited with status 0 but its output has no "
        "\"SecretAccessKey\", and the credentials it printed before have expired");
  CHECK(std::get<std::string>(expired).find("s3cr3t") == std::string::npos);
}

TEST_CASE("credentials that have already expired when printed are refused") {
  Scripted s;
  s.runs = {{ProcessRun::End::Exited, 0, valid("2026-12-04T19:59:59Z")}};
  AwsCredentialProcess process("helper", s.options());
  auto got = process.current();
  REQUIRE(std::holds_alternative<std::string>(got));
  CHECK(std::get<std::string>(got) ==
        "credential_process \"helper\" exited with status 0 but printed credentials that have "
        "already expired");
}

TEST_CASE("the runner runs the command without a shell and keeps only its standard output") {
  ProcessRun run = runProcess({"/bin/sh", "-c", "printf out; printf err >&2; exit 4"}, seconds{10});
  CHECK(run.end == ProcessRun::End::Exited);
  CHECK(run.code == 4);
  CHECK(run.output == "out");
  // Words are arguments, not shell syntax.
  ProcessRun echo = runProcess({"echo", "$HOME", ";", "id"}, seconds{10});
  CHECK(echo.output == "$HOME ; id\n");
  CHECK(runProcess({"/nonexistent/helper"}, seconds{10}).end == ProcessRun::End::CouldNotStart);
}

TEST_CASE("a command that outlives its timeout is killed with its group") {
  const auto started = steady_clock::now();
  ProcessRun run = runProcess({"/bin/sh", "-c", "sleep 30 & sleep 30"}, milliseconds{200});
  CHECK(run.end == ProcessRun::End::TimedOut);
  CHECK(steady_clock::now() - started < seconds{10});
}
