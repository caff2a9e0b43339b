#pragma once
// The readers of planb.toml's sections. Each checks its table's keys, reports what is wrong and
// returns what it could read; loadConfig throws if anything was reported.

#include <optional>
#include <vector>

#include "config/config.hpp"
#include "config/names.hpp"
#include "config/table_reader.hpp"

namespace planb::config {

// [daemon], [probe_defaults], [guard]: absent tables leave the defaults.
DaemonConfig readDaemon(const std::optional<TableReader>& table, const Environment& environment);
ProbeTiming readProbeDefaults(const std::optional<TableReader>& table);
GuardConfig readGuard(const std::optional<TableReader>& table);
// [rehearsal]: interval ("0s": off) and timeout.
RehearsalConfig readRehearsal(const std::optional<TableReader>& table);

// interval, timeout, rise and fall of [probe_defaults] or of one probe, over `timing`.
void readProbeTiming(const TableReader& table, ProbeTiming& timing);

// Each [[provider]] / [[zone]] / … defines its name in the index passed by reference; references
// are checked against the indexes passed by const reference, which are complete by then.
std::vector<ProviderConfig> readProviders(const std::vector<TableReader>& tables,
                                          const Environment& environment, NameIndex& names);
std::vector<ZoneConfig> readZones(const std::vector<TableReader>& tables,
                                  const NameIndex& providers, NameIndex& names);
std::vector<TargetConfig> readTargets(const std::vector<TableReader>& tables,
                                      const ProbeTiming& defaults, const Environment& environment,
                                      NameIndex& names);
std::vector<RecordConfig> readRecords(const std::vector<TableReader>& tables,
                                      const NameIndex& zones, const NameIndex& targets,
                                      NameIndex& names);

// [[vendor]] tables, checked against the vendors and regions of the targets read before.
std::vector<VendorConfig> readVendors(const std::vector<TableReader>& tables,
                                      const std::vector<TargetConfig>& targets);

// [cluster] (fleet mode): nullopt when the table is absent, planbd then runs alone. node_name
// defaults to the host name; *_file paths may use ${CREDENTIALS_DIRECTORY}.
std::optional<ClusterConfig> readCluster(const std::optional<TableReader>& table,
                                         const Environment& environment);

// KEY as a list of DNS servers: IP literals (planbd must not need a resolver to reach them), port
// 53 by default. nullopt when absent; bad items are reported.
std::optional<std::vector<HostPort>> readServerAddresses(const TableReader& table,
                                                         std::string_view key);

// Rules across sections, once every section is read: each record's ttl against the providers of
// its zone (Cloudflare's minimum). `record_tables` are the tables `records` were read from.
void checkRecordsAgainstProviders(const std::vector<TableReader>& record_tables,
                                  const Config& config);

}  // namespace planb::config
