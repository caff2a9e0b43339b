// http probes: credential headers come from header_files, never inline in the world-readable
// config.

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace planb::config {
namespace {

using testing::checkErrors;
using testing::errorsOf;
using testing::kBaseLines;
using testing::withBase;

using Headers = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("header_files names the files of secret headers, ${CREDENTIALS_DIRECTORY} expanded") {
  const Environment environment = {{"CREDENTIALS_DIRECTORY", "/run/credentials/planbd.service"}};
  Config config = testing::load(withBase(R"(  [[target.probe]]
  name = "api"
  type = "http"
  url = "https://origin.example.com/healthz"
  headers = { X-Probe = "planb" }
  header_files = { Authorization = "${CREDENTIALS_DIRECTORY}/probe-auth", X-Api-Key = "/etc/planb/k" }
)"),
                                environment);
  const HttpProbeSettings& api = config.targets.at(0).probes.at(1).http;
  CHECK(api.headers == Headers{{"X-Probe", "planb"}});
  CHECK(api.header_files == Headers{{"Authorization", "/run/credentials/planbd.service/probe-auth"},
                                    {"X-Api-Key", "/etc/planb/k"}});
}

TEST_CASE("an inline credential header is refused, pointing to header_files, without its value") {
  std::string more = R"(  [[target.probe]]
  name = "api"
  type = "http"
  url = "https://origin.example.com/healthz"
  headers = { authorization = "Bearer s3cret-1", Proxy-Authorization = "Basic s3cret-2", Cookie = "s=s3cret-3", X-Auth-Token = "s3cret-4", X-API-KEY = "s3cret-5", X-Client-Secret = "s3cret-6", X-Probe = "planb" }
)";
  std::vector<ConfigError> errors = errorsOf(withBase(more));
  auto expected = [](const std::string& name) {
    return testing::Expected{kBaseLines + 5, 3, "target[0].probe[1].headers",
                             "header \"" + name +
                                 "\" holds a credential: put its value in a file and name it in "
                                 "header_files = { \"" +
                                 name + "\" = \"/path\" }"};
  };
  // toml11 keeps a table's keys sorted.
  checkErrors(errors,
              {expected("Cookie"), expected("Proxy-Authorization"), expected("X-API-KEY"),
               expected("X-Auth-Token"), expected("X-Client-Secret"), expected("authorization")});
  for (const ConfigError& e : errors) {
    CHECK(e.message.find("s3cret") == std::string::npos);
  }
}

TEST_CASE("bad header_files are reported at the key") {
  std::string more = R"(  [[target.probe]]
  name = "api"
  type = "http"
  url = "https://origin.example.com/healthz"
  headers = { X-Probe = "planb" }
  header_files = { Host = "/h", "Bad Name" = "/b", X-Probe = "/p", X-Num = 1, X-Env = "${HOME}/x" }
  [[target.probe]]
  name = "api2"
  type = "http"
  url = "https://origin.example.com/healthz"
  header_files = "/etc/planb/auth"
)";
  checkErrors(
      errorsOf(withBase(more)),
      {{kBaseLines + 6, 3, "target[0].probe[1].header_files", "bad header name \"Bad Name\""},
       {kBaseLines + 6, 3, "target[0].probe[1].header_files",
        "header \"Host\" is set by the probe"},
       {kBaseLines + 6, 3, "target[0].probe[1].header_files",
        "header \"X-Env\": only ${CREDENTIALS_DIRECTORY} is expanded in file paths"},
       {kBaseLines + 6, 3, "target[0].probe[1].header_files",
        "header \"X-Num\": expected a file path"},
       {kBaseLines + 6, 3, "target[0].probe[1].header_files",
        "header \"X-Probe\" is also in headers"},
       {kBaseLines + 11, 3, "target[0].probe[2].header_files",
        "expected a table of header names to file paths ({ Authorization = \"/path\" }), got a "
        "string"}});
}

}  // namespace
}  // namespace planb::config
