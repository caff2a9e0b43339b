#pragma once
// A Google Cloud service-account key file, as the console and `gcloud iam service-accounts keys
// create` write it (https://cloud.google.com/iam/docs/keys-create-delete): a JSON object with
// "type":"service_account", "client_email", "private_key" (PEM), "private_key_id" and
// "token_uri". The file is re-read when it changes (net::WatchedSecretFile), so a rotated key is
// used without a restart. Nothing read from it appears in any message: errors name the file and
// the field.

#include <memory>
#include <string>

#include "net/secret.hpp"
#include "net/watched_secret_file.hpp"

namespace planb::providers {

// The service account one token is asked for with.
struct GoogleServiceAccount {
  std::string client_email;
  std::string private_key_id;  // the JWT's kid; empty when the file has none
  net::Secret private_key;     // PEM
  std::string token_uri;       // https://oauth2.googleapis.com/token in every key Google issues
  std::string project_id;      // empty when the file has none
  bool operator==(const GoogleServiceAccount& other) const;
};

// The account in `text`, the content of `path`. Throws net::CredentialError ("PATH: ...") when it
// is not JSON, not a service-account key, lacks a field, or names a token_uri that is neither
// https:// nor plain http:// to a loopback address.
GoogleServiceAccount parseGoogleServiceAccount(const std::string& text, const std::string& path);

class GoogleCredentials {
 public:
  // Reads and checks the file now: a missing, unsafe or malformed one throws
  // net::CredentialError at start.
  explicit GoogleCredentials(const std::string& path);
  ~GoogleCredentials();
  GoogleCredentials(const GoogleCredentials&) = delete;
  GoogleCredentials& operator=(const GoogleCredentials&) = delete;

  // The account the file holds now. A rewrite that is not (yet) a whole key keeps the last good
  // account, as WatchedSecretFile keeps the last good secret.
  GoogleServiceAccount current();

  const std::string& path() const noexcept { return file_.path(); }

 private:
  net::WatchedSecretFile file_;
  std::string last_text_;  // wiped with the Secret it came from
  GoogleServiceAccount last_;
};

}  // namespace planb::providers
