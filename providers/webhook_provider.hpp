#pragma once
// A client of the external-dns webhook provider protocol (kubernetes-sigs/external-dns
// docs/tutorials/webhook-provider.md, api/webhook.yaml): any of the community webhook providers
// (Hetzner, deSEC, IONOS, Netcup, ...) run beside planbd on loopback, at `url`
// (http://127.0.0.1:PORT[/path], http://[::1]..., http://localhost... or unix:/abs/path).
//
//   GET /                  negotiation: the answer's Content-Type must be kWebhookMediaType
//                          exactly; its body is the domain filter, checked against every name
//   GET /records           every endpoint the provider manages, of every zone
//   POST /adjustendpoints  the endpoints about to be written; what it answers is what is written
//                          (a provider may raise the TTL or add providerSpecific)
//   POST /records          one plan.Changes per batch; 204 (any 2xx) is success
//
// The protocol has no compare-and-swap: every write reads GET /records just before, compares
// (compare_before_write.hpp) and sends UpdateOld (the endpoint as read, with its labels,
// providerSpecific and setIdentifier) + UpdateNew (the same with the new target and TTL). A change
// made by another writer in between is overwritten; verification and the resync report it.
//
// Negotiation runs before the first request and again after the provider failed to answer or
// answered 5xx (it may have been restarted with another configuration). Not thread-safe on its
// own beyond that: the transport is used by one thread at a time (CurlTransport serialises).

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_client.hpp"
#include "providers/dns_provider.hpp"
#include "providers/request_ceiling.hpp"
#include "providers/webhook_endpoint.hpp"

namespace planb::providers {

// planb's own choice, as for PowerDNS: a process the operator runs beside planbd, with no
// documented limit of its own; generous, yet no flood of the DNS API behind it.
inline constexpr CeilingRate kWebhookCeiling{100, 1};

// external-dns caps webhook bodies at 32 MiB by default (--webhook-provider-max-body-size,
// docs/tutorials/webhook-provider.md): a provider may send GET /records that large.
inline constexpr std::size_t kWebhookMaxBody = 32u * 1024u * 1024u;

// Where `url` points: the base URL requests are built on and, for unix:/abs/path, the socket.
// Throws std::invalid_argument for anything else than http:// on a loopback host or unix:/abs.
struct WebhookAddress {
  std::string base;  // "http://127.0.0.1:8888/path" without a trailing slash; "http://localhost"
  std::optional<std::string> unix_socket;
  std::string shown;  // the url as configured, for messages
};
WebhookAddress webhookAddressOf(const std::string& url);

// The transport options for `url`: its unix socket, if any, and kWebhookMaxBody.
net::HttpOptions webhookHttpOptions(const std::string& url);

class WebhookProvider final : public DnsProvider {
 public:
  // Every request draws from `ceiling` (kWebhookCeiling on the system clock when null). Throws
  // std::invalid_argument for an unusable url or no transport. Sends nothing.
  WebhookProvider(std::string name, const std::string& url,
                  std::shared_ptr<net::HttpTransport> transport,
                  std::shared_ptr<RequestCeiling> ceiling = nullptr);

  const std::string& name() const noexcept override { return name_; }
  std::string_view type() const noexcept override { return "webhook"; }
  // No compare-and-swap; no minimum TTL the protocol tells before a write (adjustendpoints may
  // raise one: Written::raised_ttl).
  Capabilities capabilities() const noexcept override { return {1, false}; }

  Result<ServedRecord> read(const RecordRef& record) override;
  Result<Unit> replace(const ReplaceRequest& request) override;

  // One GET /records for every name.
  std::vector<Result<ServedRecord>> readBatch(const std::string& zone,
                                              const std::vector<std::string>& names) override;

  // One GET /records, compareBeforeWrite for each change (Conflict alone, already served: no
  // write), one POST /adjustendpoints with every endpoint to write, then one POST /records with
  // every change. A change adjustendpoints drops or retargets fails alone.
  std::vector<Result<Written>> replaceBatch(const std::vector<ReplaceRequest>& changes) override;

  // The rehearsal's TXT record through the same endpoints (recordType TXT): readTxt lists the TXT
  // endpoints at the name; writeTxt creates the endpoint, or updates the one there (deleting any
  // other TXT endpoint at the name); deleteTxt deletes every TXT endpoint at the name (none: no
  // request but the read).
  Result<std::vector<std::string>> readTxt(const RecordRef& record) override;
  Result<Written> writeTxt(const TxtWrite& write) override;
  Result<Written> deleteTxt(const RecordRef& record) override;

  // The NS endpoints at the zone's apex when the provider lists them (many list only what
  // external-dns may manage); empty otherwise: not known.
  Result<std::vector<std::string>> nameServers(const std::string& zone) override;

  const WebhookAddress& address() const noexcept { return address_; }

 private:
  struct Listing;
  struct Write;

  Result<net::HttpResponse> call(const std::string& method, const std::string& path,
                                 std::string body = {});
  ProviderError failure(const std::string& what, ErrorKind kind) const;
  // The domain filter, negotiated now unless known; then an error unless it covers every name.
  Result<Unit> negotiated(const std::string& zone, const std::vector<std::string>& names);
  // GET /records, after negotiation for NAMES of ZONE.
  Result<std::vector<WebhookEndpoint>> list(const std::string& zone,
                                            const std::vector<std::string>& names);
  // POST /adjustendpoints with every write's endpoint, then POST /records. One result per write.
  std::vector<Result<Written>> apply(std::vector<Write>& writes, WebhookChanges fixed);

  std::string name_;
  WebhookAddress address_;
  std::shared_ptr<net::HttpTransport> transport_;
  std::mutex mutex_;  // guards filter_
  std::optional<WebhookDomainFilter> filter_;
};

}  // namespace planb::providers
