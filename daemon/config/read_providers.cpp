// [[provider]]: the DNS services records are written through. Only rfc2136 so far.

#include "config/sections.hpp"

namespace planb::config {

namespace {

std::optional<ProviderConfig> readProvider(const TableReader& table, const Environment& environment,
                                           NameIndex& names) {
  std::optional<std::string> type =
      table.schemaType("provider", {"rfc2136"}, {"powerdns", "cloudflare", "route53", "alidns"});
  if (!type) {
    // Zones may still refer to it; that is not a second problem.
    names.defineQuietly(table);
    return std::nullopt;
  }
  table.checkKeys({"name", "type", "server", "tsig_key_file"});
  ProviderConfig provider;
  provider.pos = table.pos();
  provider.type = ProviderType::Rfc2136;
  if (auto name = table.name("name", Presence::Required)) {
    provider.name = *name;
    names.define(*name, table);
  }
  if (auto server = table.address("server", 53, Presence::Required)) {
    provider.rfc2136.server = *server;
  }
  if (auto key_file = table.filePath("tsig_key_file", environment, Presence::Required)) {
    provider.rfc2136.tsig_key_file = *key_file;
  }
  return provider;
}

}  // namespace

std::vector<ProviderConfig> readProviders(const std::vector<TableReader>& tables,
                                          const Environment& environment, NameIndex& names) {
  std::vector<ProviderConfig> providers;
  for (const TableReader& table : tables) {
    if (auto provider = readProvider(table, environment, names)) {
      providers.push_back(std::move(*provider));
    }
  }
  return providers;
}

}  // namespace planb::config
