#pragma once
// A credential file that is re-read when it changes: an agent rotating temporary credentials (an
// STS session token, a renewed API token) writes the file anew and planbd takes the new secret on
// its next request, without a restart.

#include <sys/types.h>

#include <ctime>
#include <mutex>
#include <optional>
#include <string>

#include "net/credential_file.hpp"
#include "net/secret.hpp"

namespace planb::net {

class WatchedSecretFile {
 public:
  // Reads the file now under readSecretFile's rules (private, one line, not empty), so a missing
  // or unsafe file stops planbd at start. Throws CredentialError.
  WatchedSecretFile(std::string path, std::string what);

  // The secret the file holds now: re-read when the file's identity, size or times changed since
  // the last look (one stat per call). A re-read that fails (a file being rewritten in place, or
  // replaced by an unsafe one) keeps the last good secret: a rotation seen half-done must not
  // take the provider down; lastError() says what was wrong. Safe from any thread.
  Secret current();

  // Why the last re-read failed ("PATH: ..."; never the content), or nullopt after a good one.
  std::optional<std::string> lastError() const;

  const std::string& path() const noexcept { return path_; }

 private:
  struct Stamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = -1;
    timespec modified{};
    timespec changed{};
    bool operator==(const Stamp& other) const noexcept;
  };
  static std::optional<Stamp> stampOf(const std::string& path);
  // Reads the file and stamps it; the caller holds mutex_. Throws CredentialError.
  void reread();
  // A file modified within a second of being read may change again without a new stamp (the
  // clock's tick is coarse): such a stamp is not trusted, as git treats a racy index entry.
  bool trusted(const Stamp& stamp) const noexcept;

  std::string path_;
  std::string what_;
  mutable std::mutex mutex_;
  Secret secret_;
  std::optional<Stamp> stamp_;
  std::time_t read_at_ = 0;  // wall clock second of the last good read
  std::optional<std::string> last_error_;
};

}  // namespace planb::net
