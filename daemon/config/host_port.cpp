#include "config/host_port.hpp"

#include <optional>

namespace planb::config {

std::string checkCanary(std::string_view text) {
  std::string scheme = urlScheme(text);
  if (scheme != "tcp" && scheme != "dns" && scheme != "http" && scheme != "https") {
    return "use tcp://host:port, dns://host:port, http://… or https://…";
  }
  std::string why;
  std::optional<Url> url = parseUrl(text, why);
  if (!url) {
    return why;
  }
  if ((scheme == "tcp" || scheme == "dns") && !url->rest.empty()) {
    return "a " + scheme + " canary has no path";
  }
  return "";
}

}  // namespace planb::config
