#pragma once
// The interface every DNS provider implements. Calls are blocking, bounded by the provider's own
// timeouts, and made from a worker thread of that provider, never from the probing loop.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

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

// What became of one accepted change of a batch.
struct Written {
  // Empty: applied wherever the provider answers from. Otherwise the provider accepted the change
  // but applies it everywhere later (Route 53 `PENDING`): pollChange(propagating_change) tells
  // when. The writer never waits for it.
  std::string propagating_change;
  // 0: written with the record's TTL. Otherwise the TTL written instead, because the provider's
  // minimum, learned from it at run time (Alibaba DNS MinTtl), is above the record's: a failover
  // with a longer TTL beats none, and the raise is reported.
  std::uint32_t raised_ttl = 0;
  // The provider answers the name with its own proxy's addresses, not the CNAME (a Cloudflare
  // proxied record): no DNS answer can show the change, the accepted write is the proof.
  bool proxied = false;
};

// A TXT record planbd owns outright: the rehearsal's `_planb-rehearsal.<zone>` (product.md §11).
// Never a managed name. The RRset at `record.name` becomes exactly this one value.
struct TxtWrite {
  RecordRef record;
  std::string value;       // the text itself, unquoted; at most 255 bytes (one character-string)
  std::uint32_t ttl = 60;  // raised to the provider's minimum where it has one
};

enum class Propagation {
  Pending,  // accepted, not yet applied everywhere
  Applied,  // applied on every server the provider answers from
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

  // What the provider serves at each of `names`, all in `zone`, in the order given. One listing of
  // the zone where the API has one, so a round's reads cost a request or a few, not one per name.
  // A listing that fails is the result of every name it would have answered.
  virtual std::vector<Result<ServedRecord>> readBatch(const std::string& zone,
                                                      const std::vector<std::string>& names) {
    std::vector<Result<ServedRecord>> results;
    results.reserve(names.size());
    for (const std::string& name : names) {
      results.push_back(read({zone, name}));
    }
    return results;
  }

  // Every change (all in one zone) in as few writes as the API allows, split only by its
  // documented limits. Compare-and-swap stays per record: a change whose record changed meanwhile
  // fails alone (Conflict) and the others go through. One result per change, in order. This
  // default writes one record after the other.
  virtual std::vector<Result<Written>> replaceBatch(const std::vector<ReplaceRequest>& changes) {
    std::vector<Result<Written>> results;
    results.reserve(changes.size());
    for (const ReplaceRequest& change : changes) {
      Result<Unit> done = replace(change);
      if (auto* e = errorIn(done)) {
        results.emplace_back(std::move(*e));
      } else {
        results.emplace_back(Written{});
      }
    }
    return results;
  }

  // When the provider's temporary credentials expire (an AWS credential_process' Expiration),
  // so that planbd warns before they do; nullopt when they do not or the provider cannot tell.
  // Safe from any thread and cheap: read by the metrics and status, not only by the worker.
  virtual std::optional<std::chrono::system_clock::time_point> credentialsExpireAt() const {
    return std::nullopt;
  }

  // The rehearsal's write path (product.md §11): the same client, credentials and ceiling as a
  // failover, on a TXT record planbd owns. readTxt answers the TXT values served at the name
  // (empty when there are none). writeTxt makes the TXT RRset at the name exactly `value`,
  // creating it when absent; a propagating change is reported as replaceBatch does. deleteTxt
  // removes the TXT RRset at the name; a name without one is success, so a clean-up after a crash
  // may run twice. Only TXT is ever touched: another type at the name is left alone.
  virtual Result<std::vector<std::string>> readTxt(const RecordRef& record) {
    (void)record;
    return ProviderError{ErrorKind::Permanent, std::string(type()) + " cannot rehearse (no TXT)",
                         std::nullopt};
  }
  virtual Result<Written> writeTxt(const TxtWrite& write) {
    (void)write;
    return ProviderError{ErrorKind::Permanent, std::string(type()) + " cannot rehearse (no TXT)",
                         std::nullopt};
  }
  virtual Result<Written> deleteTxt(const RecordRef& record) {
    (void)record;
    return ProviderError{ErrorKind::Permanent, std::string(type()) + " cannot rehearse (no TXT)",
                         std::nullopt};
  }

  // The host names of the name servers the provider serves `zone` from, as its API names them
  // (Route 53's delegation set, Cloudflare's and Alibaba DNS's assigned name servers, the zone's
  // own apex NS RRset for PowerDNS and RFC 2136), canonical (lower case, trailing dot), sorted.
  // Preflight compares them with the delegation the parent zone serves. Empty: not known.
  virtual Result<std::vector<std::string>> nameServers(const std::string& zone) {
    (void)zone;
    return std::vector<std::string>{};
  }

  // Whether a change that replaceBatch reported propagating is applied everywhere yet.
  virtual Result<Propagation> pollChange(const std::string& change_id) {
    (void)change_id;
    return Propagation::Applied;
  }
};

}  // namespace planb::providers
