// Rules that span sections, checked once every section is read: what a record asks of the
// providers of its zone.

#include "config/sections.hpp"

namespace planb::config {

namespace {

// Cloudflare accepts TTLs of 60 s and more (30 on Enterprise plans, which planb cannot tell), and
// reads 1 as "automatic". Errors point at the record's ttl; a ttl that could not be read at all
// was reported already and left the default, which passes.
void checkCloudflareTtl(const RecordConfig& record, const TableReader& table,
                        const Config& config) {
  constexpr std::uint32_t kMinimum = 60;
  const ZoneConfig* zone = config.zone(record.zone);
  if (zone == nullptr || record.ttl >= kMinimum) {
    return;
  }
  for (const std::string& name : zone->providers) {
    const ProviderConfig* provider = config.provider(name);
    if (provider == nullptr || provider->type != ProviderType::Cloudflare) {
      continue;
    }
    std::string where =
        "zone " + inQuotes(zone->name) + " is on Cloudflare provider " + inQuotes(provider->name);
    if (record.ttl == 1) {
      table.error("ttl",
                  "Cloudflare reads ttl = 1 as \"auto\" (300 s), and planb needs a known "
                  "short TTL for failover: use 60 or more (" +
                      where + ")");
    } else {
      table.error("ttl", "Cloudflare's minimum TTL is 60, got " + std::to_string(record.ttl) +
                             " (" + where + ")");
    }
    return;  // once per record, however many Cloudflare providers the zone has
  }
}

}  // namespace

void checkRecordsAgainstProviders(const std::vector<TableReader>& record_tables,
                                  const Config& config) {
  // readRecords returns one record per table, in order.
  for (std::size_t i = 0; i < config.records.size() && i < record_tables.size(); ++i) {
    checkCloudflareTtl(config.records[i], record_tables[i], config);
  }
}

}  // namespace planb::config
