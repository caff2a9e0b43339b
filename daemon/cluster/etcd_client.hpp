#pragma once
// A small client of etcd's v3 HTTP/JSON gateway (etcd 3.4, POST /v3/...), on the project's
// libcurl transport: keys and values are base64 on the wire, 64-bit numbers come back as
// strings, zero values are omitted. No gRPC. Each call is blocking and bounded by the request
// timeout; a client serialises its calls, so give each thread that needs etcd its own client.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/http_client.hpp"

namespace planb::cluster {

struct EtcdOptions {
  std::vector<std::string> endpoints;  // "http(s)://host:port"; the first that answers is kept
  std::optional<std::string> username;
  std::optional<std::string> password;  // read from password_file by the caller; never logged
  std::optional<std::string> ca_file;
  std::optional<std::string> cert_file;
  std::optional<std::string> key_file;
  std::chrono::milliseconds timeout{1000};  // connect and whole request, per endpoint tried
  // planbd's own addresses of the members' host names (product.md §11); none: libcurl resolves.
  std::shared_ptr<const net::HostAddresses> addresses = nullptr;
};

// Why a call failed. Messages name the call and the endpoint, never a password or token.
class EtcdError : public std::runtime_error {
 public:
  enum class Kind {
    Unavailable,      // no endpoint answered (connect, timeout, 5xx)
    LeaseNotFound,    // the lease expired or was revoked
    Unauthenticated,  // bad user or password, or a token that could not be renewed
    Rejected,         // any other error reply of etcd (bad request, too large, ...)
  };
  EtcdError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

struct KeyValue {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
  std::int64_t version = 0;
  std::int64_t lease = 0;
};

// One comparison of a transaction: KEY's TARGET compared (RESULT) with a number or a value.
struct Compare {
  enum class Target { Version, Create, Mod, Value, Lease };
  enum class Result { Equal, NotEqual, Greater, Less };
  std::string key;
  Target target = Target::Create;
  Result result = Result::Equal;
  std::int64_t number = 0;  // Version, Create, Mod, Lease
  std::string value;        // Value
};

// One operation of a transaction.
struct Operation {
  enum class Kind { Put, DeleteRange, Range };
  Kind kind = Kind::Range;
  std::string key;
  std::string value;       // Put
  std::int64_t lease = 0;  // Put: 0 is no lease
  std::string range_end;   // DeleteRange, Range: empty is the one key
  // Range: only the key written last (highest mod_revision), without its value; for a poll that
  // wants to know whether anything under a prefix was written since, in the same transaction.
  bool last_written_only = false;
};

struct TxnResult {
  bool succeeded = false;
  std::int64_t revision = 0;  // the store's revision after the transaction (header.revision)
  // The KeyValues of each Range operation of the branch that ran, in order (other kinds: empty).
  std::vector<std::vector<KeyValue>> ranges;
};

// The range_end that selects every key beginning with PREFIX (its last byte incremented).
std::string prefixEnd(const std::string& prefix);

std::string base64Encode(std::string_view bytes);
// Throws std::invalid_argument on anything that is not padded standard base64.
std::string base64Decode(std::string_view text);

class EtcdClient {
 public:
  explicit EtcdClient(EtcdOptions options);
  // For tests: any transport (one per endpoint is not needed: the URL carries the endpoint).
  EtcdClient(EtcdOptions options, std::shared_ptr<net::HttpTransport> transport);
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  // Every call throws EtcdError.

  // A new lease of TTL (whole seconds, etcd grants at least 2); returns its ID.
  std::int64_t grantLease(std::chrono::seconds ttl);
  // One keepalive; the TTL left, or nullopt when the lease is gone (expired or revoked).
  std::optional<std::chrono::seconds> keepAlive(std::int64_t lease);
  void revokeLease(std::int64_t lease);

  // Returns the revision of the put.
  std::int64_t put(const std::string& key, const std::string& value, std::int64_t lease = 0);
  std::optional<KeyValue> get(const std::string& key);
  std::vector<KeyValue> rangePrefix(const std::string& prefix);  // in key order
  // The LIMIT keys of PREFIX that sort last, in key order; KEYS_ONLY leaves values empty.
  std::vector<KeyValue> lastInPrefix(const std::string& prefix, std::size_t limit,
                                     bool keys_only = false);
  std::int64_t deleteKey(const std::string& key);  // how many were deleted
  TxnResult txn(const std::vector<Compare>& compares, const std::vector<Operation>& success,
                const std::vector<Operation>& failure = {});

  // The endpoint in use, for status and logs ("http://127.0.0.1:2379").
  std::string endpoint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace planb::cluster
