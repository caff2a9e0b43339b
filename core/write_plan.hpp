#pragma once
// Which writes make every provider serve the desired records: a pure function of what is desired
// and of what each provider is known to serve, as external-dns' plan and octoDNS's plan are. The
// reconciler carries the plan out; batching (one UPDATE / PATCH / ChangeBatch per provider and
// zone) builds on its grouping of the writes.

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace planb::core {

// What one provider serves at one record's name, as far as planb knows.
struct ServedState {
  enum class Kind {
    Unknown,    // not read yet, the last read failed, or a fresh read is wanted
    Absent,     // nothing at the name
    Cname,      // a CNAME to `cname`, with `ttl`
    OtherType,  // another type at the name (`other_type`, e.g. "A"): planb does not own it
  };
  Kind kind = Kind::Unknown;
  std::string cname;  // canonical, when Cname
  std::uint32_t ttl = 0;
  std::string other_type;
};

// True when `served` is a CNAME to `cname`. The TTL alone never calls for a write.
bool servesCname(const ServedState& served, std::string_view cname);

// One record as every provider of its zone should serve it.
struct DesiredRecord {
  std::string name;   // canonical
  std::string zone;   // canonical
  std::string cname;  // the chosen target's CNAME; empty: nothing may be written yet
  std::uint32_t ttl = 60;
};

// What each provider serves, by provider, then record name. A provider takes part in a record
// when it has an entry for the record's name: the caller gives one for every provider of the
// record's zone it wants planned (a provider with a call in flight is left out, for instance).
using ServedByProvider = std::map<std::string, std::map<std::string, ServedState>>;

// One provider's copy of one zone: the unit a batched write goes to.
struct ProviderZone {
  std::string provider;
  std::string zone;
  auto operator<=>(const ProviderZone&) const = default;
};

struct PlannedWrite {
  std::string record;
  // Compare-and-swap: the CNAME served now; nullopt: the name holds no CNAME.
  std::optional<std::string> expected_cname;
  std::string new_cname;
  std::uint32_t ttl = 60;
};

// One record on one provider.
struct ProviderRecord {
  std::string provider;
  std::string record;
  bool operator==(const ProviderRecord&) const = default;
};

// A record another type holds on a provider: never overwritten, reported instead.
struct BlockedRecord {
  std::string provider;
  std::string record;
  std::string other_type;
  bool operator==(const BlockedRecord&) const = default;
};

struct WritePlan {
  std::map<ProviderZone, std::vector<PlannedWrite>> writes;
  std::vector<ProviderRecord> reads;  // unknown: read first, then planned again
  std::vector<BlockedRecord> blocked;
  std::vector<ProviderRecord> in_sync;  // already served as desired: nothing to do
};

// Records in the order given, then providers by name. An unknown entry is read even for a record
// that may not be written yet (an empty cname); writes, blocks and in-sync entries are planned
// only for one that may.
WritePlan planWrites(const std::vector<DesiredRecord>& desired, const ServedByProvider& served);

}  // namespace planb::core
