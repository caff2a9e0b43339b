#pragma once
// What the Route 53 unit tests share: AWS's documented example credentials and time, the API's
// XML namespace, a case-blind header lookup and private credential files.

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "fakes/temp_dir.hpp"
#include "net/http_client.hpp"

namespace planb::testing::route53 {

inline const std::string kAkid = "AKIDEXAMPLE";
inline const std::string kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
inline const std::chrono::system_clock::time_point kTime =
    std::chrono::sys_days{std::chrono::year{2015} / 8 / 30} + std::chrono::hours{12} +
    std::chrono::minutes{36};
inline const std::string kNs = R"( xmlns="https://route53.amazonaws.com/doc/2013-04-01/")";

inline std::optional<std::string> headerOf(const net::HttpRequest& request, std::string_view name) {
  for (const auto& [n, v] : request.headers) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(a) == std::tolower(b);
        })) {
      return v;
    }
  }
  return std::nullopt;
}

inline std::string writePrivate(const TempDir& dir, const std::string& file,
                                const std::string& text) {
  std::string path = dir.path() + "/" + file;
  std::ofstream(path) << text;
  ::chmod(path.c_str(), 0600);
  return path;
}

}  // namespace planb::testing::route53
