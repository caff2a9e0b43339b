// [[target]] and its [[target.probe]]s: where traffic can go, and how its health is probed.

#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <utility>

#include "config/host_port.hpp"
#include "config/secrets.hpp"
#include "config/sections.hpp"
#include "core/ascii.hpp"

namespace planb::config {

namespace {

// True when `key` is absent or an empty array: "nothing given", as opposed to "given wrongly".
bool isEmptyList(const TableReader& table, std::string_view key) {
  const TomlValue* value = table.find(key);
  return value == nullptr || (value->is_array() && value->as_array().empty());
}

// An HTTP token (RFC 9110): a method or a header name.
bool isToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool isFieldValue(std::string_view text) {
  return std::none_of(text.begin(), text.end(),
                      [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
}

// A header whose value is a credential: the config file is world-readable, so its value comes
// from a file named in header_files.
bool isSecretHeader(std::string_view lower_name) {
  return lower_name == "authorization" || lower_name == "proxy-authorization" ||
         lower_name == "cookie" || lower_name.find("token") != std::string_view::npos ||
         lower_name.find("key") != std::string_view::npos ||
         lower_name.find("secret") != std::string_view::npos;
}

// headers = { "X-Probe" = "planb", … }: extra request headers, string to string.
std::vector<std::pair<std::string, std::string>> readHeaders(const TableReader& table) {
  std::vector<std::pair<std::string, std::string>> headers;
  const TomlValue* value = table.find("headers");
  if (value == nullptr) {
    return headers;
  }
  if (!value->is_table()) {
    table.typeError("headers", "a table of header names to strings ({ \"X-Name\" = \"value\" })");
    return headers;
  }
  for (const auto& [name, header_value] : value->as_table()) {
    std::string lower = core::asciiLower(name);
    if (lower == "host" || lower == "connection" || lower == "content-length" ||
        lower == "transfer-encoding") {
      table.error("headers", "header " + inQuotes(name) + " is set by the probe" +
                                 (lower == "host" ? std::string(": use the host key") : ""));
    } else if (!isToken(name)) {
      table.error("headers", "bad header name " + inQuotes(name));
    } else if (isSecretHeader(lower)) {
      // Never echoes the value.
      table.error("headers", "header " + inQuotes(name) +
                                 " holds a credential: put its value in a file and name it in "
                                 "header_files = { " +
                                 inQuotes(name) + " = \"/path\" }");
    } else if (!header_value.is_string()) {
      table.error("headers", "header " + inQuotes(name) + ": expected a string");
    } else if (!isFieldValue(header_value.as_string().str)) {
      table.error("headers", "header " + inQuotes(name) + ": control characters are not allowed");
    } else {
      headers.emplace_back(name, header_value.as_string().str);
    }
  }
  return headers;
}

// header_files = { Authorization = "/path", … }: headers whose values are read from files (a
// secret never sits in the world-readable config), ${CREDENTIALS_DIRECTORY} expanded.
std::vector<std::pair<std::string, std::string>> readHeaderFiles(
    const TableReader& table, const Environment& environment,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<std::pair<std::string, std::string>> files;
  const TomlValue* value = table.find("header_files");
  if (value == nullptr) {
    return files;
  }
  if (!value->is_table()) {
    table.typeError("header_files",
                    "a table of header names to file paths ({ Authorization = \"/path\" })");
    return files;
  }
  for (const auto& [name, path_value] : value->as_table()) {
    std::string lower = core::asciiLower(name);
    bool inline_too = std::any_of(headers.begin(), headers.end(), [&](const auto& header) {
      return core::asciiLower(header.first) == lower;
    });
    std::string why;
    std::optional<std::string> path;
    if (lower == "host" || lower == "connection" || lower == "content-length" ||
        lower == "transfer-encoding") {
      table.error("header_files", "header " + inQuotes(name) + " is set by the probe");
    } else if (!isToken(name)) {
      table.error("header_files", "bad header name " + inQuotes(name));
    } else if (inline_too) {
      table.error("header_files", "header " + inQuotes(name) + " is also in headers");
    } else if (!path_value.is_string() || path_value.as_string().str.empty()) {
      table.error("header_files", "header " + inQuotes(name) + ": expected a file path");
    } else if (!(path = expandCredentialsPath(path_value.as_string().str, environment, why))) {
      table.error("header_files", "header " + inQuotes(name) + ": " + why);
    } else {
      files.emplace_back(name, *path);
    }
  }
  return files;
}

// An RE2 pattern (expect_body_regex, expect_answer), compiled here so a bad one is an error of the
// file, not of the running probe.
std::optional<std::string> readRegex(const TableReader& table, std::string_view key) {
  std::optional<std::string> pattern = table.string(key);
  if (!pattern) {
    return std::nullopt;
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  re2::RE2 re(*pattern, options);
  if (!re.ok()) {
    table.error(key, "bad regular expression " + inQuotes(*pattern) + ": " + re.error());
    return std::nullopt;
  }
  return pattern;
}

constexpr std::string_view kSignKeys[] = {"sign_region", "sign_service", "access_key_id_file",
                                          "secret_access_key_file", "session_token_file"};

// sign = "aws-sigv4" and the keys that go with it.
std::optional<SigV4ProbeSettings> readSigning(const TableReader& table,
                                              const Environment& environment) {
  if (!table.has("sign")) {
    for (std::string_view key : kSignKeys) {
      if (table.has(key)) {
        table.error(key, std::string(key) + " applies only with sign = \"aws-sigv4\"");
      }
    }
    return std::nullopt;
  }
  if (!table.choice<bool>("sign", {{"aws-sigv4", true}})) {
    return std::nullopt;  // the one error: the other keys depend on what sign would be
  }
  SigV4ProbeSettings settings;
  if (table.has("sign_region")) {
    settings.region = table.name("sign_region").value_or("");
  } else if (auto probe_region = table.peekString("region")) {
    settings.region = *probe_region;
  } else {
    table.error("sign",
                "sign = \"aws-sigv4\" needs the region to sign for: set region or "
                "sign_region (e.g. \"us-east-1\")");
  }
  settings.service = table.name("sign_service").value_or("s3");
  if (auto file = table.filePath("access_key_id_file", environment, Presence::Required)) {
    settings.access_key_id_file = *file;
  }
  if (auto file = table.filePath("secret_access_key_file", environment, Presence::Required)) {
    settings.secret_access_key_file = *file;
  }
  settings.session_token_file = table.filePath("session_token_file", environment);
  return settings;
}

HttpProbeSettings readHttpSettings(const TableReader& table, const Environment& environment) {
  HttpProbeSettings http;
  bool https = false;
  if (auto url = table.string("url", Presence::Required)) {
    std::string scheme = urlScheme(*url);
    std::string why;
    https = scheme == "https";
    if (scheme != "http" && scheme != "https") {
      table.error("url", "bad url " + inQuotes(*url) +
                             ": use http://host[:port]/path or https://host[:port]/path");
    } else if (!parseUrl(*url, why)) {
      table.error("url", "bad url " + inQuotes(*url) + ": " + why);
    } else {
      http.url = *url;
    }
  }
  if (auto statuses = table.integerList("expect_status")) {
    if (isEmptyList(table, "expect_status")) {
      table.error("expect_status", "the list is empty: name at least one status");
    }
    std::vector<int> valid;
    for (std::int64_t status : *statuses) {
      if (status < 100 || status > 599) {
        table.error("expect_status", "bad status " + std::to_string(status) + ": use 100-599");
      } else {
        valid.push_back(static_cast<int>(status));
      }
    }
    http.expect_status = std::move(valid);
  }
  http.expect_body = table.string("expect_body");
  http.expect_body_regex = readRegex(table, "expect_body_regex");
  if (auto method = table.choice<std::string_view>("method", {{"GET", "GET"},
                                                              {"HEAD", "HEAD"},
                                                              {"POST", "POST"},
                                                              {"PUT", "PUT"},
                                                              {"DELETE", "DELETE"},
                                                              {"OPTIONS", "OPTIONS"},
                                                              {"PATCH", "PATCH"}})) {
    http.method = std::string(*method);
  }
  if (auto host = table.string("host")) {
    std::string why;
    if (!isFieldValue(*host) || host->find(' ') != std::string::npos ||
        !parseHostPort(*host, 443, why)) {
      table.error("host", "bad host " + inQuotes(*host) +
                              ": use a host name, optionally with :port" +
                              (why.empty() ? std::string() : " (" + why + ")"));
    } else {
      http.host = *host;
    }
  }
  http.headers = readHeaders(table);
  http.header_files = readHeaderFiles(table, environment, http.headers);
  if (auto ca_file = table.filePath("ca_file", environment)) {
    if (table.has("url") && !https) {
      table.error("ca_file", "ca_file applies only to https:// urls");
    } else {
      http.ca_file = *ca_file;
    }
  }
  http.sign = readSigning(table, environment);
  return http;
}

bool isIpAddress(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

DnsProbeSettings readDnsSettings(const TableReader& table) {
  DnsProbeSettings dns;
  if (auto server = table.address("server", 53, Presence::Required)) {
    if (!isIpAddress(server->host)) {
      table.error("server", "bad server " + inQuotes(server->host) +
                                ": use an IP address (a dns probe never depends on a resolver)");
    } else {
      dns.server = *server;
    }
  }
  if (auto name = table.dnsName("query_name", Presence::Required)) {
    dns.query_name = *name;
  }
  if (auto type = table.choice<std::string_view>("query_type", {{"A", "A"},
                                                                {"AAAA", "AAAA"},
                                                                {"CAA", "CAA"},
                                                                {"CNAME", "CNAME"},
                                                                {"DS", "DS"},
                                                                {"DNSKEY", "DNSKEY"},
                                                                {"MX", "MX"},
                                                                {"NS", "NS"},
                                                                {"PTR", "PTR"},
                                                                {"SOA", "SOA"},
                                                                {"SRV", "SRV"},
                                                                {"TLSA", "TLSA"},
                                                                {"TXT", "TXT"}})) {
    dns.query_type = std::string(*type);
  }
  if (auto rcode = table.choice<std::string_view>("expect_rcode", {{"NOERROR", "NOERROR"},
                                                                   {"NXDOMAIN", "NXDOMAIN"},
                                                                   {"SERVFAIL", "SERVFAIL"},
                                                                   {"REFUSED", "REFUSED"},
                                                                   {"NOTIMP", "NOTIMP"},
                                                                   {"FORMERR", "FORMERR"}})) {
    dns.expect_rcode = std::string(*rcode);
  }
  dns.expect_answer = readRegex(table, "expect_answer");
  return dns;
}

ExecProbeSettings readExecSettings(const TableReader& table) {
  ExecProbeSettings exec;
  std::optional<std::vector<ListItem>> items = table.stringList("command", Presence::Required);
  if (!items) {
    return exec;
  }
  if (isEmptyList(table, "command")) {
    table.error("command", "the list is empty: name the program and its arguments");
    return exec;
  }
  bool ok = true;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const ListItem& item = (*items)[i];
    if (item.text.find('\0') != std::string::npos) {
      table.error(item, "a NUL character cannot be passed to a program");
      ok = false;
    } else if (i == 0 && item.text.front() != '/' && item.text.find('/') != std::string::npos) {
      table.error(item, "bad program " + inQuotes(item.text) +
                            ": use an absolute path, or a bare name looked up in PATH");
      ok = false;
    }
  }
  if (ok && items->size() == table.find("command")->as_array().size()) {
    for (const ListItem& item : *items) {
      exec.command.push_back(item.text);
    }
  }
  return exec;
}

std::optional<ProbeConfig> readProbe(const TableReader& table, const ProbeTiming& defaults,
                                     const Environment& environment, NameIndex& names) {
  std::optional<std::string> type = table.schemaType("probe", {"http", "tcp", "dns", "exec"}, {});
  if (!type) {
    names.defineQuietly(table);
    return std::nullopt;
  }
  ProbeConfig probe;
  probe.pos = table.pos();
  if (*type == "http") {
    table.checkKeys({"name",
                     "region",
                     "type",
                     "interval",
                     "timeout",
                     "rise",
                     "fall",
                     "url",
                     "expect_status",
                     "expect_body",
                     "expect_body_regex",
                     "method",
                     "headers",
                     "header_files",
                     "host",
                     "ca_file",
                     "sign",
                     "sign_region",
                     "sign_service",
                     "access_key_id_file",
                     "secret_access_key_file",
                     "session_token_file"});
    probe.type = ProbeType::Http;
    probe.http = readHttpSettings(table, environment);
  } else if (*type == "dns") {
    table.checkKeys({"name", "region", "type", "interval", "timeout", "rise", "fall", "server",
                     "query_name", "query_type", "expect_rcode", "expect_answer"});
    probe.type = ProbeType::Dns;
    probe.dns = readDnsSettings(table);
  } else if (*type == "exec") {
    table.checkKeys({"name", "region", "type", "interval", "timeout", "rise", "fall", "command"});
    probe.type = ProbeType::Exec;
    probe.exec = readExecSettings(table);
  } else {
    table.checkKeys({"name", "region", "type", "interval", "timeout", "rise", "fall", "address"});
    probe.type = ProbeType::Tcp;
    if (auto address = table.address("address", std::nullopt, Presence::Required)) {
      probe.tcp.address = *address;
    }
  }
  if (auto name = table.name("name", Presence::Required)) {
    probe.name = *name;
    names.define(*name, table);
  }
  probe.region = table.name("region").value_or(probe.name);
  probe.timing = defaults;
  readProbeTiming(table, probe.timing);
  return probe;
}

// healthy_when: "all", "any", "majority", or how many of the target's probes must be healthy.
std::optional<core::HealthyWhen> readHealthyWhen(const TableReader& table,
                                                 std::size_t probe_count) {
  using Kind = core::HealthyWhen::Kind;
  constexpr std::string_view kExpected = "\"all\", \"any\", \"majority\" or a number of probes";
  const TomlValue* value = table.find("healthy_when");
  if (value == nullptr) {
    return std::nullopt;
  }
  std::int64_t count = 0;
  if (value->is_integer()) {
    count = value->as_integer();
  } else if (!value->is_string()) {
    table.typeError("healthy_when", kExpected);
    return std::nullopt;
  } else {
    const std::string& text = value->as_string().str;
    if (text == "all") {
      return core::HealthyWhen{Kind::All, 0};
    }
    if (text == "any") {
      return core::HealthyWhen{Kind::Any, 0};
    }
    if (text == "majority") {
      return core::HealthyWhen{Kind::Majority, 0};
    }
    bool is_number =
        !text.empty() && text.size() < 10 &&
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!is_number) {
      table.error("healthy_when",
                  "bad value " + inQuotes(text) + ": use " + std::string(kExpected));
      return std::nullopt;
    }
    count = std::stoll(text);
  }
  if (count < 1) {
    table.error("healthy_when", "must be at least 1, got " + std::to_string(count));
    return std::nullopt;
  }
  // With no probes at all, that is the one error to report.
  if (probe_count > 0 && static_cast<std::uint64_t>(count) > probe_count) {
    table.error("healthy_when", "healthy_when = " + std::to_string(count) +
                                    " but the target has only " + std::to_string(probe_count) +
                                    " probe" + (probe_count == 1 ? "" : "s"));
    return std::nullopt;
  }
  return core::HealthyWhen{Kind::AtLeast, static_cast<std::uint32_t>(count)};
}

TargetConfig readTarget(const TableReader& table, const ProbeTiming& defaults,
                        const Environment& environment, NameIndex& names) {
  table.checkKeys({"name", "vendor", "cname", "healthy_when", "probe"});
  TargetConfig target;
  target.pos = table.pos();
  if (auto name = table.name("name", Presence::Required)) {
    target.name = *name;
    names.define(*name, table);
  }
  if (auto vendor = table.name("vendor", Presence::Required)) {
    target.vendor = *vendor;
  }
  if (auto cname = table.dnsName("cname", Presence::Required)) {
    target.cname = *cname;
  }
  std::optional<std::vector<TableReader>> probe_tables = table.tables("probe");
  if (probe_tables && isEmptyList(table, "probe")) {
    table.error("probe", "a target needs at least one probe: add a [[target.probe]]");
  }
  NameIndex probe_names("probe");
  for (const TableReader& probe_table : probe_tables.value_or(std::vector<TableReader>{})) {
    if (auto probe = readProbe(probe_table, defaults, environment, probe_names)) {
      target.probes.push_back(std::move(*probe));
    }
  }
  if (auto rule = readHealthyWhen(table, probe_tables ? probe_tables->size() : 0)) {
    target.healthy_when = *rule;
  }
  return target;
}

}  // namespace

std::vector<TargetConfig> readTargets(const std::vector<TableReader>& tables,
                                      const ProbeTiming& defaults, const Environment& environment,
                                      NameIndex& names) {
  std::vector<TargetConfig> targets;
  for (const TableReader& table : tables) {
    targets.push_back(readTarget(table, defaults, environment, names));
  }
  return targets;
}

}  // namespace planb::config
