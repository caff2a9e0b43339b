// [[record]]: the public names planb steers, each a CNAME to one of its targets.

#include "config/sections.hpp"
#include "core/dns_name.hpp"

namespace planb::config {

namespace {

RecordConfig readRecord(const TableReader& table, const NameIndex& zones, const NameIndex& targets,
                        NameIndex& names) {
  table.checkKeys({"name", "zone", "ttl", "targets", "failover_on", "failback", "failback_after"});
  RecordConfig record;
  record.pos = table.pos();
  std::optional<std::string> name = table.dnsName("name", Presence::Required);
  std::optional<std::string> zone = table.dnsName("zone", Presence::Required);
  if (name) {
    record.name = *name;
    names.define(*name, table);
  }
  if (zone) {
    record.zone = *zone;
    if (!zones.contains(*zone)) {
      table.error("zone", "undefined zone " + inQuotes(*zone));
    }
  }
  if (name && zone && zones.contains(*zone)) {
    // A CNAME cannot share its name with the SOA and NS records every zone apex holds.
    if (*name == *zone) {
      table.error("name", "a CNAME cannot be at the zone apex: " + inQuotes(*name) +
                              " is the zone itself; steer a name below it");
    } else if (!core::isWithinZone(*name, *zone)) {
      table.error("name", inQuotes(*name) + " is outside its zone " + inQuotes(*zone));
    }
  }
  if (auto ttl = table.count("ttl", 1, 86400)) {
    record.ttl = *ttl;
  }
  record.targets = readReferences(table, "targets", targets);
  if (auto on = table.choice<FailoverOn>(
          "failover_on", {{"target", FailoverOn::Target}, {"vendor", FailoverOn::Vendor}})) {
    record.failover_on = *on;
  }
  if (auto failback = table.choice<Failback>(
          "failback", {{"auto", Failback::Auto}, {"manual", Failback::Manual}})) {
    record.failback = *failback;
  }
  if (auto after = table.duration("failback_after")) {
    record.failback_after = *after;
  }
  return record;
}

}  // namespace

std::vector<RecordConfig> readRecords(const std::vector<TableReader>& tables,
                                      const NameIndex& zones, const NameIndex& targets,
                                      NameIndex& names) {
  std::vector<RecordConfig> records;
  for (const TableReader& table : tables) {
    records.push_back(readRecord(table, zones, targets, names));
  }
  return records;
}

}  // namespace planb::config
