#pragma once
// Support for the provider and etcd fuzz targets: one fuzz input is a script of HTTP replies,
// answered in order by a transport, so the real client code parses whatever the fuzzer makes.
//
// Input format: replies separated by a line "----". A reply that begins with a line of three
// digits has that status, then "Name: value" header lines up to an empty line, then the body;
// any other reply is a 200 whose body is all of it. When the replies run out, the transport fails
// as a network error would.

#include <sys/stat.h>

#include <cctype>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "net/http_client.hpp"

namespace planb::fuzz {

inline std::deque<net::HttpResponse> splitReplies(std::string_view input) {
  std::deque<net::HttpResponse> replies;
  constexpr std::string_view kSeparator = "\n----\n";
  while (true) {
    std::size_t end = input.find(kSeparator);
    std::string_view part = input.substr(0, end);
    net::HttpResponse reply;
    reply.status = 200;
    if (part.size() >= 4 && part[3] == '\n' && std::isdigit(static_cast<unsigned char>(part[0])) &&
        std::isdigit(static_cast<unsigned char>(part[1])) &&
        std::isdigit(static_cast<unsigned char>(part[2]))) {
      reply.status = std::atol(std::string(part.substr(0, 3)).c_str());
      part.remove_prefix(4);
      while (!part.empty()) {
        std::size_t eol = part.find('\n');
        std::string_view line = part.substr(0, eol);
        std::size_t colon = line.find(':');
        if (line.empty() || colon == std::string_view::npos) {
          if (line.empty()) {
            part.remove_prefix(eol == std::string_view::npos ? part.size() : eol + 1);
          }
          break;
        }
        std::string name(line.substr(0, colon));
        for (char& c : name) {
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') {
          value.remove_prefix(1);
        }
        reply.headers.emplace_back(std::move(name), std::string(value));
        part.remove_prefix(eol == std::string_view::npos ? part.size() : eol + 1);
      }
    }
    reply.body = std::string(part);
    replies.push_back(std::move(reply));
    if (end == std::string_view::npos) {
      break;
    }
    input.remove_prefix(end + kSeparator.size());
  }
  return replies;
}

class ReplayTransport final : public net::HttpTransport {
 public:
  explicit ReplayTransport(std::string_view input) : replies_(splitReplies(input)) {}

  net::Result<net::HttpResponse> send(const net::HttpRequest&) override {
    if (replies_.empty()) {
      return net::Error{net::ErrorKind::Transient, "no more replies", {}};
    }
    net::HttpResponse reply = std::move(replies_.front());
    replies_.pop_front();
    return reply;
  }

 private:
  std::deque<net::HttpResponse> replies_;
};

// A private file holding TEXT in a directory of this process, made once per name.
inline std::string secretFile(const std::string& name, const std::string& text) {
  // Removed when the process exits.
  struct TempDir {
    std::string path = [] {
      std::string pattern = "/tmp/planb-fuzz-XXXXXX";
      if (::mkdtemp(pattern.data()) == nullptr) {
        std::abort();
      }
      return pattern;
    }();
    ~TempDir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const TempDir dir;
  std::string path = dir.path + "/" + name;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    std::ofstream(path) << text << "\n";
    ::chmod(path.c_str(), 0600);
  }
  return path;
}

}  // namespace planb::fuzz
