// http probes' header_files: a credential header's value read from its file at every attempt.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include "fakes/temp_dir.hpp"
#include "probes/http_probe.hpp"
#include "test_support.hpp"

namespace planb::probes::test {
namespace {

void writeHeaderFile(const std::string& path, const std::string& text, mode_t mode = 0600) {
  std::ofstream(path, std::ios::trunc) << text;
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

HttpProbeOptions headerFileOptions(const std::string& url, const std::string& file) {
  HttpProbeOptions o;
  o.url = planb::net::parseHttpUrl(url);
  o.headers = {{"X-Probe", "planb"}};
  o.headerFiles = {{"Authorization", file}};
  return o;
}

std::string requestOf(asio::io_context& io, HttpProbe& probe, const LoopbackServer& server) {
  Results results;
  probe.start(1000ms, results.callback());
  REQUIRE(runUntil(
      io, [&] { return results.any(); }, 3000ms));
  return server.lastRequest();
}

TEST_CASE(
    "an http probe sends a header_files header with the file's value, re-read when it "
    "changes") {
  asio::io_context io;
  testing::TempDir dir;
  const std::string file = dir.path() + "/probe-auth";
  writeHeaderFile(file, "Bearer first-7f3a\n");
  LoopbackServer server(io, LoopbackServer::Mode::Respond, LoopbackServer::http(200, "ok"));
  HttpProbe probe(io, headerFileOptions(server.url("/health"), file));
  std::string first = requestOf(io, probe, server);
  CHECK(first.find("\r\nX-Probe: planb\r\nAuthorization: Bearer first-7f3a\r\nConnection: "
                   "close\r\n\r\n") != std::string::npos);

  // A new file (as an agent rotating the token writes it): the next attempt sends the new value.
  const std::string next = dir.path() + "/probe-auth.new";
  writeHeaderFile(next, "Bearer second-9c2d\n");
  REQUIRE(::rename(next.c_str(), file.c_str()) == 0);
  std::string second = requestOf(io, probe, server);
  CHECK(second.find("\r\nAuthorization: Bearer second-9c2d\r\n") != std::string::npos);
  CHECK(second.find("first-7f3a") == std::string::npos);
}

TEST_CASE(
    "an http probe refuses a header file others may read, or with a line break, without "
    "its value") {
  asio::io_context io;
  testing::TempDir dir;
  const std::string file = dir.path() + "/probe-auth";
  auto refusal = [&] {
    try {
      HttpProbe probe(io, headerFileOptions("https://origin.example.com/health", file));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  writeHeaderFile(file, "Bearer s3cret\n", 0644);
  CHECK(refusal() == "http probe https://origin.example.com/health: header Authorization: " + file +
                         ": refusing header file with mode 0644: group or others may access it; "
                         "run chmod 600 on it");
  writeHeaderFile(file, "Bearer s3cret\r\nX-Injected: 1\n");
  CHECK(refusal() == "http probe https://origin.example.com/health: header Authorization: " + file +
                         ": the value has a line break or control character");
}

}  // namespace
}  // namespace planb::probes::test
