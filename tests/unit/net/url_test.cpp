#include "net/url.hpp"

#include <doctest/doctest.h>

using planb::net::parseHttpUrl;
using planb::net::UrlError;

TEST_CASE("parses an http URL with the default port and path") {
  auto u = parseHttpUrl("http://Example.COM");
  CHECK(u.scheme == "http");
  CHECK(u.host == "example.com");
  CHECK(u.port == 80);
  CHECK(u.target == "/");
  CHECK_FALSE(u.tls());
  CHECK(u.authority() == "example.com");
  CHECK(u.str() == "http://example.com/");
}

TEST_CASE("understands https and its default port already") {
  auto u = parseHttpUrl("HTTPS://api.example.com/health?full=1#frag");
  CHECK(u.tls());
  CHECK(u.port == 443);
  CHECK(u.target == "/health?full=1");
  CHECK(u.authority() == "api.example.com");
  CHECK(parseHttpUrl("https://h:8443/").authority() == "h:8443");
}

TEST_CASE("keeps an explicit port in the Host authority only when it is not the default") {
  CHECK(parseHttpUrl("http://h:8080/x").authority() == "h:8080");
  CHECK(parseHttpUrl("http://h:80/x").authority() == "h");
  CHECK(parseHttpUrl("http://127.0.0.1:9/").host == "127.0.0.1");
}

TEST_CASE("brackets IPv6 literals in the authority and strips them from the host") {
  auto u = parseHttpUrl("http://[::1]:8080?q");
  CHECK(u.host == "::1");
  CHECK(u.port == 8080);
  CHECK(u.target == "/?q");
  CHECK(u.authority() == "[::1]:8080");
}

TEST_CASE("rejects what cannot make a well-formed request") {
  SUBCASE("other schemes") {
    CHECK_THROWS_AS(parseHttpUrl("ftp://h/"), UrlError);
  }
  SUBCASE("no scheme") {
    CHECK_THROWS_AS(parseHttpUrl("example.com/health"), UrlError);
  }
  SUBCASE("empty host") {
    CHECK_THROWS_AS(parseHttpUrl("http:///x"), UrlError);
  }
  SUBCASE("user info") {
    CHECK_THROWS_AS(parseHttpUrl("http://u:p@h/"), UrlError);
  }
  SUBCASE("port zero") {
    CHECK_THROWS_AS(parseHttpUrl("http://h:0/"), UrlError);
  }
  SUBCASE("port too big") {
    CHECK_THROWS_AS(parseHttpUrl("http://h:65536/"), UrlError);
  }
  SUBCASE("empty port") {
    CHECK_THROWS_AS(parseHttpUrl("http://h:/"), UrlError);
  }
  SUBCASE("spaces") {
    CHECK_THROWS_AS(parseHttpUrl("http://h/a b"), UrlError);
  }
  SUBCASE("bad host") {
    CHECK_THROWS_AS(parseHttpUrl("http://h%41/"), UrlError);
  }
  SUBCASE("bad IPv6") {
    CHECK_THROWS_AS(parseHttpUrl("http://[zz::1]/"), UrlError);
  }
  SUBCASE("IPv6 zone") {
    CHECK_THROWS_AS(parseHttpUrl("http://[fe80::1%25eth0]/"), UrlError);
  }
}

TEST_CASE("names the URL and the problem in the error message") {
  try {
    parseHttpUrl("ftp://h/");
    FAIL("expected UrlError");
  } catch (const UrlError& e) {
    CHECK(std::string(e.what()) == "url ftp://h/: scheme must be http or https");
  }
}
