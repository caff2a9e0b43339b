#include "probe_identity.hpp"

#include <concepts>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace planb::daemon {

namespace {

// Appends values so that different values never encode alike: strings and lists carry their
// length, optionals say whether they are set. Each struct is taken apart with a structured
// binding, which names every field: a field added to the config and not here does not compile.
class IdentityWriter {
 public:
  std::string take() && { return std::move(out_); }

  template <class... T>
  void fields(const T&... values) {
    (add(values), ...);
  }

  void add(std::string_view text) {
    out_ += std::to_string(text.size());
    out_ += ':';
    out_ += text;
  }
  void add(const std::string& text) { add(std::string_view(text)); }
  void add(std::integral auto number) {
    out_ += std::to_string(number);
    out_ += ';';
  }
  void add(core::Millis duration) { add(duration.count()); }
  void add(config::ProbeType type) { add(static_cast<int>(type)); }
  template <class T>
  void add(const std::optional<T>& value) {
    out_ += value ? '+' : '-';
    if (value) {
      add(*value);
    }
  }
  template <class T>
  void add(const std::vector<T>& values) {
    add(values.size());
    for (const T& v : values) {
      add(v);
    }
  }
  template <class A, class B>
  void add(const std::pair<A, B>& pair) {
    fields(pair.first, pair.second);
  }

  void add(const config::HostPort& hp) {
    const auto& [host, port] = hp;
    fields(host, port);
  }
  void add(const config::ProbeTiming& t) {
    const auto& [interval, timeout, rise, fall] = t;
    fields(interval, timeout, rise, fall);
  }
  void add(const config::SigV4ProbeSettings& s) {
    const auto& [region, service, access_key_id_file, secret_access_key_file, session_token_file] =
        s;
    fields(region, service, access_key_id_file, secret_access_key_file, session_token_file);
  }
  void add(const config::HttpProbeSettings& h) {
    const auto& [url, expect_status, expect_body, expect_body_regex, method, host, headers,
                 header_files, ca_file, sign] = h;
    fields(url, expect_status, expect_body, expect_body_regex, method, host, headers, header_files,
           ca_file, sign);
  }
  void add(const config::TcpProbeSettings& t) {
    const auto& [address] = t;
    fields(address);
  }
  void add(const config::DnsProbeSettings& d) {
    const auto& [server, query_name, query_type, expect_rcode, expect_answer] = d;
    fields(server, query_name, query_type, expect_rcode, expect_answer);
  }
  void add(const config::ExecProbeSettings& e) {
    const auto& [command] = e;
    fields(command);
  }

 private:
  std::string out_;
};

}  // namespace

std::string probeIdentity(const config::TargetConfig& target, const config::ProbeConfig& probe) {
  // `pos` is where the probe was written: moving it in the file changes nothing it checks.
  const auto& [name, region, type, timing, http, tcp, dns, exec, pos] = probe;
  IdentityWriter id;
  id.fields(target.name, target.vendor, name, region, type, timing, http, tcp, dns, exec);
  return std::move(id).take();
}

}  // namespace planb::daemon
