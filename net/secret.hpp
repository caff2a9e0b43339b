#pragma once
// A credential kept out of every text planb produces: it prints as "***", has no implicit
// conversion to a string, and its memory is wiped when it goes away.

#include <ostream>
#include <string>

namespace planb::net {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret(Secret&& other) noexcept;
  Secret& operator=(const Secret& other);
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  // The only way to the value: call sites that hand it to a signer are easy to find.
  const std::string& reveal() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }

  friend std::ostream& operator<<(std::ostream& out, const Secret&) { return out << "***"; }

 private:
  void wipe() noexcept;
  std::string value_;
};

// Overwrites TEXT's bytes (its whole capacity: a shorter value may have left a longer one behind)
// and empties it, for a credential held in a plain string for a moment (a request body, a
// header, a token). OPENSSL_cleanse: never optimised away.
void wipeString(std::string& text) noexcept;

}  // namespace planb::net
