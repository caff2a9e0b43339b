// [[vendor]]: per-vendor settings. Today one: down_when, how many of the vendor's regions must be
// down for the vendor to be down (product.md §2.3, "a majority … (configurable)").

#include <algorithm>
#include <set>

#include "config/sections.hpp"

namespace planb::config {

namespace {

constexpr std::string_view kExpected = "\"majority\", \"all\" or a number of regions";

std::optional<core::VendorDownRule> readDownWhen(const TableReader& table,
                                                 std::size_t region_count) {
  using Kind = core::VendorDownRule::Kind;
  const TomlValue* value = table.find("down_when");
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_string()) {
    const std::string& text = value->as_string().str;
    if (text == "majority") {
      return core::VendorDownRule{Kind::Majority, 0};
    }
    if (text == "all") {
      return core::VendorDownRule{Kind::All, 0};
    }
    table.error("down_when", "bad value " + inQuotes(text) + ": use " + std::string(kExpected));
    return std::nullopt;
  }
  if (!value->is_integer()) {
    table.typeError("down_when", kExpected);
    return std::nullopt;
  }
  std::int64_t count = value->as_integer();
  if (count < 1) {
    table.error("down_when", "must be at least 1, got " + std::to_string(count));
    return std::nullopt;
  }
  if (static_cast<std::uint64_t>(count) > region_count) {
    table.error("down_when", "down_when = " + std::to_string(count) + " but the vendor has only " +
                                 std::to_string(region_count) + " region" +
                                 (region_count == 1 ? "" : "s") + " among its targets' probes");
    return std::nullopt;
  }
  return core::VendorDownRule{Kind::AtLeast, static_cast<std::uint32_t>(count)};
}

}  // namespace

std::vector<VendorConfig> readVendors(const std::vector<TableReader>& tables,
                                      const std::vector<TargetConfig>& targets) {
  std::vector<VendorConfig> vendors;
  NameIndex names("vendor");
  for (const TableReader& table : tables) {
    table.checkKeys({"name", "down_when"});
    std::optional<std::string> name = table.name("name", Presence::Required);
    if (!name) {
      continue;
    }
    names.define(*name, table);
    std::set<std::string> regions;
    for (const TargetConfig& t : targets) {
      if (t.vendor == *name) {
        for (const ProbeConfig& p : t.probes) {
          regions.insert(p.region);
        }
      }
    }
    bool known = std::any_of(targets.begin(), targets.end(),
                             [&](const TargetConfig& t) { return t.vendor == *name; });
    if (!known) {
      table.error("name", "no target has vendor " + inQuotes(*name));
      continue;
    }
    VendorConfig vendor;
    vendor.name = *name;
    vendor.pos = table.pos();
    if (auto rule = readDownWhen(table, regions.size())) {
      vendor.down_when = *rule;
    }
    vendors.push_back(std::move(vendor));
  }
  return vendors;
}

}  // namespace planb::config
