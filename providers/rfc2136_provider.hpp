#pragma once
// A DNS provider that is an authoritative server taking RFC 2136 UPDATEs signed with TSIG (BIND,
// Knot, PowerDNS), driven through ldns 1.8.3. Reads ask the server itself (RD=0); each write is
// one signed UPDATE that deletes the CNAME RRset and adds the new one, with a compare-and-swap
// prerequisite. Every operation uses a fresh resolver, TCP, one attempt bounded by the timeout;
// retries (with backoff) are the caller's. Thread-safe: calls share no ldns state.
//
// For the daemon:
// - ldns writes to TCP sockets without MSG_NOSIGNAL: the process must ignore SIGPIPE.
// - A server ignores an added CNAME when the name holds other types (RFC 2136 §3.4.2.2) and
//   still answers NOERROR: read() first (it reports such a name as Conflict) and verify after.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/watched_secret_file.hpp"
#include "providers/dns_provider.hpp"
#include "providers/provider_settings.hpp"
#include "providers/request_ceiling.hpp"
#include "providers/tsig_key.hpp"

namespace planb::providers {

// planb's own choice, a server the operator runs documents no rate: generous, yet no flood.
inline constexpr CeilingRate kRfc2136Ceiling{100, 1};

struct TxtUpdate;  // txt_update.hpp: internal, keeps ldns out of this header

class Rfc2136Provider final : public DnsProvider {
 public:
  // Loads the key file now, so a missing, unsafe or unusable key stops the daemon at start rather
  // than at the first failover. Throws TsigKeyError, or std::invalid_argument when the server
  // host is not an IP address. Every query and UPDATE draws from `ceiling` (kRfc2136Ceiling on
  // the system clock, waiting at most `timeout`, when null).
  Rfc2136Provider(std::string name, const Rfc2136Settings& settings,
                  std::chrono::milliseconds timeout,
                  std::shared_ptr<RequestCeiling> ceiling = nullptr);
  Rfc2136Provider(std::string name, net::HostPort server, TsigKey key,
                  std::chrono::milliseconds timeout,
                  std::shared_ptr<RequestCeiling> ceiling = nullptr);

  const std::string& name() const noexcept override { return name_; }
  std::string_view type() const noexcept override { return "rfc2136"; }
  Capabilities capabilities() const noexcept override { return {1, true}; }

  // The CNAME the server serves at the record's name (see queryCname).
  Result<ServedRecord> read(const RecordRef& record) override;

  // One signed UPDATE. Compare-and-swap: `expected_target` must still be served, or with nullopt
  // the name must hold no CNAME. A lost compare-and-swap is re-read: when the name already points
  // to the new target (a resent UPDATE that had been applied: pitfall 9) it is a success,
  // otherwise a Conflict naming the current value.
  Result<Unit> replace(const ReplaceRequest& request) override;

  // Every change in one signed UPDATE (each record's compare-and-swap prerequisite, then each
  // record's delete and add), split only where a message would exceed 65,535 bytes, the most DNS
  // over TCP carries. A failed prerequisite refuses the whole message without naming the record:
  // the refused records are re-read, those that no longer serve their expected target get
  // Conflict, and one UPDATE with the rest is sent again (three sends at most). See
  // cname_update_batch.hpp. readBatch stays a query per name (two when the name has no CNAME):
  // a zone transfer would need a transfer grant the operator may not give, and moves the whole
  // zone.
  std::vector<Result<Written>> replaceBatch(const std::vector<ReplaceRequest>& changes) override;

  // The rehearsal's TXT record (txt_update.hpp), one exchange and one token each. readTxt: a TXT
  // query to the server, as read() asks for the CNAME. writeTxt: ONE signed UPDATE that deletes
  // the name's TXT RRset and adds the value (refused when the name holds a CNAME: Conflict).
  // deleteTxt: ONE signed UPDATE deleting the TXT RRset; absent already is success. A value
  // longer than one character-string is refused (Permanent) before anything is sent. The key
  // needs an update-policy grant for TXT at the name (`grant KEY name _planb-rehearsal.ZONE.
  // TXT;`); without it the server answers REFUSED (Refused).
  Result<std::vector<std::string>> readTxt(const RecordRef& record) override;
  Result<Written> writeTxt(const TxtWrite& write) override;
  Result<Written> deleteTxt(const RecordRef& record) override;

  // The zone's apex NS RRset, asked of the server (one query, one token).
  Result<std::vector<std::string>> nameServers(const std::string& zone) override;

 private:
  // Signs and sends UPDATE (txt_update.hpp), one token; the classified reply.
  Result<Written> sendTxtUpdate(const TxtUpdate& update);
  // One token for one exchange with the server: nullopt, or why it is not sent.
  std::optional<ProviderError> drawToken(const std::string& what);
  // The key to sign with: the key file's, parsed again when the file changed (a rotated key signs
  // from the next UPDATE on, without a restart); the last good one while the file holds no key.
  const TsigKey& currentKey();

  std::string name_;
  net::HostPort server_;
  TsigKey key_;
  std::unique_ptr<net::WatchedSecretFile> key_file_;  // null: the key was given, not its file
  net::Secret key_text_;                              // what key_ was parsed from
  std::chrono::milliseconds timeout_;
  std::shared_ptr<RequestCeiling> ceiling_;
};

}  // namespace planb::providers
