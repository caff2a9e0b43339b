#pragma once
// An HTTPS server on 127.0.0.1 for tests of the libcurl client: a throw-away PKI made with the
// openssl CLI at test time (no key is committed) and a thread that, per connection, completes the
// TLS handshake, reads the request head and answers one canned reply. Every wait is bounded; the
// destructor wakes the thread through a pipe and joins it.
//
// The PKI: CA "ca" signing "ip" (IP:127.0.0.1) and "name" (DNS:app.test); an unrelated CA
// "other-ca"; "expired" (IP:127.0.0.1, signed by "ca", no longer valid).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

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

class TlsTestServer {
 public:
  // Serves with the PKI's certificate CERT ("ip", "name", "expired") and answers REPLY (a whole
  // HTTP/1.1 response) to every request.
  TlsTestServer(const std::string& cert, std::string reply) : reply_(std::move(reply)) {
    const TestPki& pki = TestPki::get();
    context_ = SSL_CTX_new(TLS_server_method());
    if (context_ == nullptr ||
        SSL_CTX_use_certificate_chain_file(context_, pki.file(cert + ".pem").c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(context_, pki.file(cert + ".key").c_str(), SSL_FILETYPE_PEM) !=
            1) {
      throw std::runtime_error("cannot load the test certificate " + cert);
    }
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener_ < 0 ||
        ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        ::listen(listener_, 8) != 0 || ::pipe(wake_) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~TlsTestServer() {
    char byte = 0;
    (void)!::write(wake_[1], &byte, 1);
    thread_.join();
    ::close(listener_);
    ::close(wake_[0]);
    ::close(wake_[1]);
    SSL_CTX_free(context_);
  }
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return "https://127.0.0.1:" + std::to_string(port_) + path;
  }
  int handshakes() const { return handshakes_; }  // completed ones
  int requests() const { return requests_; }      // answered ones

 private:
  void serve() {
    // OpenSSL writes with write(2): a client that hangs up mid-handshake (as one refusing the
    // certificate does) would raise SIGPIPE and end the whole test program. Blocked in this
    // thread only, the write fails with EPIPE instead.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    for (;;) {
      pollfd fds[2] = {{listener_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 || (fds[1].revents & POLLIN) != 0) {
        return;
      }
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        answer(fd);
        ::close(fd);
      }
    }
  }
  // One connection: handshake, the request head, the reply. A client that stalls is dropped
  // after 5 s (socket timeouts).
  void answer(int fd) {
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    SSL* ssl = SSL_new(context_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      ++handshakes_;
      std::string head;
      char buffer[4096];
      int n = 0;
      while (head.find("\r\n\r\n") == std::string::npos &&
             (n = SSL_read(ssl, buffer, sizeof buffer)) > 0) {
        head.append(buffer, static_cast<std::size_t>(n));
      }
      if (SSL_write(ssl, reply_.data(), static_cast<int>(reply_.size())) > 0) {
        ++requests_;
      }
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    ERR_clear_error();
  }

  std::string reply_;
  SSL_CTX* context_ = nullptr;
  int listener_ = -1;
  int wake_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  std::atomic<int> handshakes_{0};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace planb::testing
