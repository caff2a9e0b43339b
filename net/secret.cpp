#include "net/secret.hpp"

#include <openssl/crypto.h>

namespace planb::net {

Secret::Secret(Secret&& other) noexcept : value_(std::move(other.value_)) {
  other.wipe();
}

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    wipe();
    value_ = other.value_;
  }
  return *this;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
  }
  return *this;
}

Secret::~Secret() {
  wipe();
}

void Secret::wipe() noexcept {
  wipeString(value_);
}

void wipeString(std::string& text) noexcept {
  // Growing to the capacity first also covers bytes a short (in-place) string left behind after
  // a move; OPENSSL_cleanse cannot be optimised away, unlike a plain memset before free.
  text.resize(text.capacity());
  OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

}  // namespace planb::net
