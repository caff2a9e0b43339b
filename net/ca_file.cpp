#include "net/ca_file.hpp"

#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace planb::net {

std::optional<std::string> caFileProblem(const std::string& path) {
  if (std::FILE* file = std::fopen(path.c_str(), "r")) {
    std::fclose(file);
  } else {
    return std::string(std::strerror(errno));
  }
  // Loaded the way a TLS client context loads it, so what passes here passes there.
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()),
                                                            &SSL_CTX_free);
  if (!context || SSL_CTX_load_verify_locations(context.get(), path.c_str(), nullptr) != 1) {
    return std::string("no CA certificate could be read (PEM expected)");
  }
  return std::nullopt;
}

}  // namespace planb::net
