#pragma once
// A throw-away PKI for TLS tests, made with the openssl CLI at test time into a temporary
// directory removed at exit (no key is ever committed): CA "ca" signing "ip" (IP:127.0.0.1),
// "name" (DNS:app.test) and "expired" (IP:127.0.0.1, no longer valid); an unrelated CA
// "other-ca"; a self-signed "self" for IP:127.0.0.1.

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace planb::testing {

class TestPki {
 public:
  static const TestPki& get() {
    static const TestPki pki;
    return pki;
  }
  // "ca.pem", "ip.key", …: a file of the PKI.
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;
  ~TestPki() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

 private:
  TestPki() {
    std::string pattern = (std::filesystem::temp_directory_path() / "planb-pki-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = pattern;
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    ca("ca", key);
    ca("other-ca", key);
    leaf("ip", key, "IP:127.0.0.1", "-days 1");
    leaf("name", key, "DNS:app.test", "-days 1");
    leaf("expired", key, "IP:127.0.0.1", "-days -1");
    run("openssl req -x509 " + key + " -keyout self.key -out self.pem -days 1 -subj /CN=self" +
        " -addext subjectAltName=IP:127.0.0.1");
  }
  void run(const std::string& command) const {
    std::string line = "cd '" + dir_.string() + "' && " + command + " >/dev/null 2>&1";
    if (std::system(line.c_str()) != 0) {
      throw std::runtime_error("failed: " + command);
    }
  }
  void ca(const std::string& name, const std::string& key) const {
    run("openssl req -x509 " + key + " -keyout " + name + ".key -out " + name +
        ".pem -days 1 -subj /CN=planb-test-" + name);
  }
  void leaf(const std::string& name, const std::string& key, const std::string& san,
            const std::string& days) const {
    std::ofstream(dir_ / (name + ".ext")) << "subjectAltName=" << san << "\n";
    run("openssl req " + key + " -keyout " + name + ".key -out " + name + ".csr -subj /CN=" + name);
    run("openssl x509 -req -in " + name + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -out " +
        name + ".pem " + days + " -extfile " + name + ".ext");
  }

  std::filesystem::path dir_;
};

}  // namespace planb::testing
