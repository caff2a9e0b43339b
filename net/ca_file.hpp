#pragma once
// A CA bundle given by ca_file keys: checked when the configuration is loaded, so an unreadable
// or empty bundle stops planbd (and planbctl check) at start, not at the first TLS handshake.

#include <optional>
#include <string>

namespace planb::net {

// Why PATH cannot serve as a CA bundle ("No such file or directory", "no CA certificate could be
// read (PEM expected)"), or nullopt when at least one PEM certificate loads from it.
std::optional<std::string> caFileProblem(const std::string& path);

}  // namespace planb::net
