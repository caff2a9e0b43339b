#pragma once
// The interface every DNS provider implements. Calls are blocking, bounded by the provider's own
// timeouts, and made from a worker thread of that provider, never from the probing loop.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "net/error.hpp"

namespace planb::providers {

// What a provider serves at a managed name.
struct ServedRecord {
  enum class Kind {
    Absent,    // no RRset at the name at all
    Cname,     // a CNAME: `target`, `ttl`
    Conflict,  // another type at the name (`conflict_type`): planb must not overwrite it
  };
  Kind kind = Kind::Absent;
  std::string target;  // canonical name, when Cname
  std::uint32_t ttl = 0;
  std::string conflict_type;  // e.g. "A", when Conflict
};

// The error vocabulary is the transport's (net/error.hpp): a provider's error is what its
// transport or its server said, classified once.
using net::errorIn;
using net::ErrorKind;
using net::nameOf;
using net::Result;
using net::Unit;
using ProviderError = net::Error;

// One record to read or write. Names are canonical (lower case, trailing dot).
struct RecordRef {
  std::string zone;
  std::string name;
};

struct ReplaceRequest {
  RecordRef record;
  std::string new_target;  // canonical
  std::uint32_t ttl = 60;
  // Compare-and-swap: the value the writer believes is served. nullopt: the name must hold no
  // CNAME. Providers without compare-and-swap ignore it.
  std::optional<std::string> expected_target;
};

// What a provider can do, for checks at start and for status.
struct Capabilities {
  std::uint32_t min_ttl = 1;      // the lowest TTL it accepts
  bool compare_and_swap = false;  // the write itself fails when the record changed meanwhile;
                                  // without it, replace() reads first (a small race window)
};

class DnsProvider {
 public:
  virtual ~DnsProvider() = default;
  virtual const std::string& name() const noexcept = 0;
  virtual std::string_view type() const noexcept = 0;
  virtual Capabilities capabilities() const noexcept = 0;

  // What the provider serves at the record's name.
  virtual Result<ServedRecord> read(const RecordRef& record) = 0;

  // Replaces the record's CNAME atomically: there is never a moment without one.
  virtual Result<Unit> replace(const ReplaceRequest& request) = 0;
};

}  // namespace planb::providers
