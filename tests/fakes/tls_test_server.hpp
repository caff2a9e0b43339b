#pragma once
// An HTTPS server on 127.0.0.1 for tests of the libcurl client: a throw-away PKI made with the
// openssl CLI at test time (no key is committed) and a thread that, per connection, completes the
// TLS handshake, reads the request head and answers one canned reply. Every wait is bounded; the
// destructor wakes the thread through a pipe and joins it.
// The PKI: tests/fakes/test_pki.hpp.

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

#include "fakes/test_pki.hpp"

namespace planb::testing {

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
