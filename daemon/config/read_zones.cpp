// [[zone]]: which providers host which DNS zone, and which servers answer for it.

#include "config/sections.hpp"

namespace planb::config {

std::vector<ZoneConfig> readZones(const std::vector<TableReader>& tables,
                                  const NameIndex& providers, NameIndex& names) {
  std::vector<ZoneConfig> zones;
  for (const TableReader& table : tables) {
    table.checkKeys({"name", "providers", "verify_servers", "parent_servers"});
    ZoneConfig zone;
    zone.pos = table.pos();
    if (auto name = table.dnsName("name", Presence::Required)) {
      zone.name = *name;
      names.define(*name, table);
    }
    zone.providers = readReferences(table, "providers", providers);
    if (auto servers = table.addressList("verify_servers", 53)) {
      zone.verify_servers = std::move(*servers);
    }
    if (auto servers = readServerAddresses(table, "parent_servers")) {
      zone.parent_servers = std::move(*servers);
    }
    zones.push_back(std::move(zone));
  }
  return zones;
}

}  // namespace planb::config
