// [[provider]] type = "route53": temporary credentials (session_token_file, credential_process,
// exactly one way to give credentials) and signing_region, with errors at the key they are about.

#include <doctest/doctest.h>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace planb::config {
namespace {

using testing::checkErrors;
using testing::errorsOf;
using testing::load;

const Environment kCredentials = {{"CREDENTIALS_DIRECTORY", "/run/credentials/planbd.service"}};

constexpr std::string_view kHeader = R"([[provider]]
name = "r53"
type = "route53"
)";

}  // namespace

TEST_CASE("route53 takes a session token file beside its key files, and a signing region") {
  Config config = load(std::string(kHeader) + R"(access_key_id_file = "${CREDENTIALS_DIRECTORY}/id"
secret_access_key_file = "${CREDENTIALS_DIRECTORY}/secret"
session_token_file = "${CREDENTIALS_DIRECTORY}/token"
signing_region = "cn-northwest-1"
)",
                       kCredentials);
  const Route53Settings& r53 = config.providers.at(0).route53;
  CHECK(r53.session_token_file == "/run/credentials/planbd.service/token");
  CHECK(r53.signing_region == "cn-northwest-1");
  CHECK_FALSE(r53.credential_process.has_value());
}

TEST_CASE("route53 takes credential_process instead of key files") {
  Config config = load(
      std::string(kHeader) +
      R"(credential_process = "/usr/local/bin/aws_signing_helper credential-process --profile-arn 'arn:aws:x'"
)");
  const Route53Settings& r53 = config.providers.at(0).route53;
  CHECK(r53.credential_process ==
        "/usr/local/bin/aws_signing_helper credential-process --profile-arn 'arn:aws:x'");
  CHECK(r53.access_key_id_file.empty());
  CHECK_FALSE(r53.signing_region.has_value());
}

TEST_CASE("credential_process and key files together are refused at each key file") {
  checkErrors(errorsOf(std::string(kHeader) + R"(credential_process = "helper"
access_key_id_file = "/i"
secret_access_key_file = "/s"
session_token_file = "/t"
)"),
              {{5, 1, "provider[0].access_key_id_file",
                "credential_process is set: give the credentials either by credential_process or "
                "by key files, not both"},
               {6, 1, "provider[0].secret_access_key_file",
                "credential_process is set: give the credentials either by credential_process or "
                "by key files, not both"},
               {7, 1, "provider[0].session_token_file",
                "credential_process is set: give the credentials either by credential_process or "
                "by key files, not both"}});
}

TEST_CASE("a session token file alone still needs the key files") {
  checkErrors(errorsOf(std::string(kHeader) + R"(session_token_file = "/t"
)"),
              {{1, 1, "provider[0].access_key_id_file", "required key is missing"},
               {1, 1, "provider[0].secret_access_key_file", "required key is missing"}});
}

TEST_CASE("a credential_process that does not split into words, and a bad region, are refused") {
  checkErrors(
      errorsOf(std::string(kHeader) + R"(credential_process = "helper 'unclosed"
signing_region = "China North"
)"),
      {{4, 1, "provider[0].credential_process", "bad command line: a single quote is not closed"},
       {5, 1, "provider[0].signing_region",
        "bad region \"China North\": use an AWS region name such as \"cn-northwest-1\""}});
}

}  // namespace planb::config
