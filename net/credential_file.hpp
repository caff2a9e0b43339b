#pragma once
// Credentials come only from files (systemd LoadCredential= included). A file that its group or
// others may access is refused, so a secret never sits readable on the host by mistake.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "net/secret.hpp"

namespace planb::net {

// "PATH: message"; never contains the file's content.
class CredentialError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The whole content of a regular, private (mode & 077 == 0) file of at most MAX_SIZE bytes.
// WHAT names it in errors ("TSIG key file", "API token file"). Throws CredentialError.
Secret readPrivateFile(const std::string& path, std::string_view what,
                       std::size_t max_size = 64 * 1024);

// A one-line secret (token, key id, key secret): the file's content without one trailing
// newline (CRLF included); an empty secret is refused. Throws CredentialError.
Secret readSecretFile(const std::string& path, std::string_view what);

}  // namespace planb::net
