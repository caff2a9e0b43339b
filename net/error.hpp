#pragma once
// What a call over the network can fail with, classified so that callers decide retry or give up
// from the kind alone. Shared by the HTTP transport, the providers and the etcd client.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace planb::net {

enum class ErrorKind {
  Auth,         // bad credentials, TSIG BADKEY/BADSIG/BADTIME, NOTAUTH
  Refused,      // the server refuses the operation (policy)
  Conflict,     // compare-and-swap lost: someone else changed the record meanwhile
  NotFound,     // zone unknown to the provider
  RateLimited,  // retry later (retry_after when the server says)
  Transient,    // timeout, connection failure, SERVFAIL, 5xx
  Permanent,    // malformed reply, FORMERR, anything retrying will not fix
};

std::string_view nameOf(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::Transient;
  std::string message;  // never contains a secret
  std::optional<std::chrono::milliseconds> retry_after;
  bool retriable() const noexcept {
    return kind == ErrorKind::Transient || kind == ErrorKind::RateLimited;
  }
};

template <typename T>
using Result = std::variant<T, Error>;

struct Unit {};

// The error a Result holds, or nullptr when it holds a value: the one way to return early,
//   if (auto* error = errorIn(result)) {
//     return std::move(*error);
//   }
template <typename T>
Error* errorIn(Result<T>& result) noexcept {
  return std::get_if<Error>(&result);
}
template <typename T>
const Error* errorIn(const Result<T>& result) noexcept {
  return std::get_if<Error>(&result);
}

}  // namespace planb::net
