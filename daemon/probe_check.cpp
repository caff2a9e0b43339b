#include "probe_check.hpp"

#include <arpa/inet.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "net/ca_file.hpp"
#include "net/credential_file.hpp"
#include "net/url.hpp"
#include "net/watched_secret_file.hpp"

namespace planb::probes {

net::SigV4Identity readSigning(const config::SigV4ProbeSettings& settings) {
  net::SigV4Identity sign;
  try {
    sign.credentials.access_key_id =
        net::readSecretFile(settings.access_key_id_file, "access key id file").reveal();
    sign.credentials.secret_access_key =
        net::readSecretFile(settings.secret_access_key_file, "secret access key file");
    if (settings.session_token_file) {
      sign.credentials.session_token =
          net::readSecretFile(*settings.session_token_file, "session token file");
    }
  } catch (const net::CredentialError& e) {
    throw std::invalid_argument(e.what());  // names the file, never its content
  }
  sign.scope = {settings.region, settings.service};
  return sign;
}

std::function<net::SigV4Credentials()> watchSigning(const config::SigV4ProbeSettings& settings) {
  struct Files {
    explicit Files(const config::SigV4ProbeSettings& s)
        : key_id(s.access_key_id_file, "access key id file"),
          secret(s.secret_access_key_file, "secret access key file") {
      if (s.session_token_file) {
        token =
            std::make_unique<net::WatchedSecretFile>(*s.session_token_file, "session token file");
      }
    }
    net::WatchedSecretFile key_id;
    net::WatchedSecretFile secret;
    std::unique_ptr<net::WatchedSecretFile> token;
  };
  std::shared_ptr<Files> files;
  try {
    files = std::make_shared<Files>(settings);
  } catch (const net::CredentialError& e) {
    throw std::invalid_argument(e.what());  // names the file, never its content
  }
  return [files] {
    net::SigV4Credentials credentials;
    credentials.access_key_id = files->key_id.current().reveal();
    credentials.secret_access_key = files->secret.current();
    if (files->token) {
      credentials.session_token = files->token->current();
    }
    return credentials;
  };
}

namespace {

bool isIpAddress(const std::string& text) {
  in6_addr v6{};
  in_addr v4{};
  return inet_pton(AF_INET, text.c_str(), &v4) == 1 || inet_pton(AF_INET6, text.c_str(), &v6) == 1;
}

}  // namespace

void checkProbeFiles(const config::ProbeConfig& config) {
  try {
    if (config.type == config::ProbeType::Dns && !isIpAddress(config.dns.server.host)) {
      // A dns:// canary may name a host; a probe asks one server, by address.
      throw std::invalid_argument("dns probe: server \"" + config.dns.server.host +
                                  "\" is not an IP address");
    }
    if (config.type != config::ProbeType::Http) {
      return;
    }
    const net::HttpUrl url = net::parseHttpUrl(config.http.url);
    if (config.http.sign) {
      readSigning(*config.http.sign);
    }
    // The words of HttpProbe's own check.
    for (const auto& [name, path] : config.http.header_files) {
      try {
        net::readSecretFile(path, "header file");
      } catch (const net::CredentialError& e) {
        throw std::invalid_argument("http probe " + url.str() + ": header " + name + ": " +
                                    e.what());
      }
    }
    if (config.http.ca_file) {
      // The order and the words of HttpProbe's own checks.
      if (!url.tls()) {
        throw std::invalid_argument("http probe " + url.str() +
                                    ": ca_file applies only to https:// urls");
      }
      if (std::optional<std::string> problem = net::caFileProblem(*config.http.ca_file)) {
        throw std::invalid_argument("http probe " + url.str() + ": ca_file " +
                                    *config.http.ca_file + ": " + *problem);
      }
    }
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("probe " + config.name + ": " + e.what());
  }
}

}  // namespace planb::probes
