// The public face of planb_config: loadConfig and the small methods of config.hpp's types. The
// work is done by the section readers (read_*.cpp) on top of TableReader.

#include "config/config.hpp"

#include <algorithm>
#include <cstdlib>

#include "config/error_list.hpp"
#include "config/sections.hpp"
#include "config/toml_document.hpp"

namespace planb::config {

std::string_view nameOf(ProviderType type) {
  switch (type) {
    case ProviderType::Rfc2136:
      return "rfc2136";
    case ProviderType::PowerDns:
      return "powerdns";
    case ProviderType::Cloudflare:
      return "cloudflare";
    case ProviderType::Route53:
      return "route53";
    case ProviderType::Alidns:
      return "alidns";
    case ProviderType::Dnspod:
      return "dnspod";
    case ProviderType::HuaweiCloud:
      return "huaweicloud";
    case ProviderType::Google:
      return "google";
    case ProviderType::Azure:
      return "azure";
    case ProviderType::Webhook:
      return "webhook";
  }
  return "rfc2136";
}

std::string vendorOf(const ProviderConfig& provider) {
  if (provider.vendor) {
    return *provider.vendor;
  }
  switch (provider.type) {
    case ProviderType::Route53:
      return "aws";
    case ProviderType::Cloudflare:
      return "cloudflare";
    case ProviderType::Alidns:
      return "alibaba";
    case ProviderType::Dnspod:
      return "tencent";
    case ProviderType::HuaweiCloud:
      return "huawei";
    case ProviderType::Google:
      return "google";
    case ProviderType::Azure:
      return "azure";
    case ProviderType::Rfc2136:
    case ProviderType::PowerDns:
    case ProviderType::Webhook:
      break;  // a server of one's own, or anyone's: only the vendor key can tell
  }
  return {};
}

namespace {

std::string formatAll(const std::vector<ConfigError>& errors) {
  std::string text;
  for (const ConfigError& error : errors) {
    text += (text.empty() ? "" : "\n") + error.format();
  }
  return text;
}

template <typename T>
const T* findByName(const std::vector<T>& items, const std::string& name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.name == name; });
  return it == items.end() ? nullptr : &*it;
}

// References are checked against complete indexes, so the sections are read in dependency order
// (providers before zones, zones and targets before records), whatever their order in the file;
// rules that span sections are checked last, on what was read.
Config buildConfig(const TomlValue& document, const std::string& path,
                   const Environment& environment, ErrorList& errors) {
  TableReader top(document, "", errors);
  top.checkKeys({"daemon", "probe_defaults", "guard", "provider", "zone", "target", "record",
                 "vendor", "cluster", "rehearsal"});
  Config config;
  config.path = path;
  config.daemon = readDaemon(top.table("daemon"), environment);
  config.probe_defaults = readProbeDefaults(top.table("probe_defaults"));
  config.guard = readGuard(top.table("guard"));
  config.rehearsal = readRehearsal(top.table("rehearsal"));

  NameIndex providers("provider");
  NameIndex zones("zone");
  NameIndex targets("target");
  NameIndex records("record");
  const std::vector<TableReader> none;
  config.providers = readProviders(top.tables("provider").value_or(none), environment, providers);
  config.zones = readZones(top.tables("zone").value_or(none), providers, zones);
  config.targets =
      readTargets(top.tables("target").value_or(none), config.probe_defaults, environment, targets);
  const std::vector<TableReader> record_tables = top.tables("record").value_or(none);
  config.records = readRecords(record_tables, zones, targets, records);
  config.vendors = readVendors(top.tables("vendor").value_or(none), config.targets);
  config.cluster = readCluster(top.table("cluster"), environment);
  checkRecordsAgainstProviders(record_tables, config);
  return config;
}

}  // namespace

std::string ConfigError::format() const {
  std::string text = pos.file;
  if (pos.line > 0) {
    text += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  }
  text += ": ";
  if (!key_path.empty()) {
    text += key_path + ": ";
  }
  return text + message;
}

ConfigErrors::ConfigErrors(std::vector<ConfigError> errors)
    : std::runtime_error(formatAll(errors)), errors_(std::move(errors)) {}

const ProviderConfig* Config::provider(const std::string& name) const {
  return findByName(providers, name);
}

const ZoneConfig* Config::zone(const std::string& canonical_name) const {
  return findByName(zones, canonical_name);
}

const TargetConfig* Config::target(const std::string& name) const {
  return findByName(targets, name);
}

namespace {

Config fromDocument(const std::optional<TomlValue>& document, const std::string& path,
                    const Environment& environment, ErrorList& errors) {
  Config config;
  if (document) {
    config = buildConfig(*document, path, environment, errors);
  }
  if (!errors.empty()) {
    throw ConfigErrors(errors.inFileOrder());
  }
  return config;
}

}  // namespace

Config loadConfig(const std::string& path, const Environment& environment) {
  ErrorList errors;
  std::optional<TomlValue> document = parseTomlFile(path, errors);
  return fromDocument(document, path, environment, errors);
}

Config parseConfig(const std::string& text, const std::string& path,
                   const Environment& environment) {
  ErrorList errors;
  std::optional<TomlValue> document = parseTomlText(text, path, errors);
  return fromDocument(document, path, environment, errors);
}

Config loadConfig(const std::string& path) {
  Environment environment;
  for (const char* name : {"CREDENTIALS_DIRECTORY", "STATE_DIRECTORY"}) {
    if (const char* value = std::getenv(name)) {
      environment[name] = value;
    }
  }
  return loadConfig(path, environment);
}

}  // namespace planb::config
