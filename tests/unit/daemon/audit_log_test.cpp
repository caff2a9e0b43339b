#include "audit_log.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "fakes/temp_dir.hpp"

using namespace planb::daemon;
using planb::testing::TempDir;

namespace {

const planb::core::WallTime kAt =
    planb::core::WallTime(std::chrono::milliseconds(1'795'000'000'123));

std::string contents(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("entries are read back newest first, stamped with their time") {
  TempDir dir;
  AuditLog log(dir.path());
  for (int i = 0; i < 5; ++i) {
    REQUIRE_FALSE(log.append({{"n", i}}, kAt + std::chrono::seconds(i)));
  }
  auto entries = log.newest(3);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0]["n"] == 4);
  CHECK(entries[2]["n"] == 2);
  CHECK(entries[0]["time"] == "2026-11-18T11:06:44.123Z");
  CHECK(log.newest(100).size() == 5);
}

TEST_CASE("a line torn by a crash is skipped and the next entry starts on a line of its own") {
  TempDir dir;
  AuditLog log(dir.path());
  REQUIRE_FALSE(log.append({{"n", 1}}, kAt));
  std::ofstream(log.path(), std::ios::app) << R"({"time":"2026-11-1)";  // kill -9 mid-write
  REQUIRE_FALSE(log.append({{"n", 2}}, kAt));
  std::size_t skipped = 0;
  auto entries = log.newest(10, &skipped);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]["n"] == 2);
  CHECK(entries[1]["n"] == 1);
  CHECK(skipped == 1);
}

TEST_CASE("an entry that cannot be written is kept and written with the next one") {
  TempDir dir;
  std::string sub = dir.path() + "/state";
  std::filesystem::create_directory(sub);
  AuditLog log(sub);
  REQUIRE_FALSE(log.append({{"n", 1}}, kAt));
  std::filesystem::rename(sub, dir.path() + "/moved");  // the directory is gone: writes fail
  auto error = log.append({{"n", 2}}, kAt);
  REQUIRE(error);
  CHECK(error->find(sub + "/audit.jsonl") != std::string::npos);
  CHECK(log.pending() == 1);
  CHECK(log.newest(10)[0]["n"] == 2);  // still visible to planbctl history
  std::filesystem::rename(dir.path() + "/moved", sub);
  REQUIRE_FALSE(log.append({{"n", 3}}, kAt));
  CHECK(log.pending() == 0);
  auto entries = log.newest(10);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0]["n"] == 3);
  CHECK(entries[1]["n"] == 2);
  CHECK(contents(log.path()).find("\n\n") == std::string::npos);
}

TEST_CASE("text that is not valid UTF-8 is written replaced, not refused") {
  TempDir dir;
  AuditLog log(dir.path());
  REQUIRE_FALSE(log.append({{"reason", std::string("bad \xff byte")}}, kAt));
  CHECK(log.newest(1)[0]["reason"].get<std::string>().find("bad") == 0);
}

TEST_CASE("an entry written without fsync is in the file at once and synced later") {
  TempDir dir;
  AuditLog log(dir.path());
  REQUIRE_FALSE(log.append({{"n", 1}}, kAt, Durability::Written));
  CHECK(contents(log.path()).find("\"n\":1") != std::string::npos);
  CHECK_FALSE(log.sync());
  CHECK_FALSE(log.sync());  // nothing left to do
  std::filesystem::remove(log.path());
  REQUIRE_FALSE(log.append({{"n", 2}}, kAt, Durability::Written));
  std::filesystem::remove(log.path());
  auto error = log.sync();  // the file it wrote to is gone: said, not hidden
  REQUIRE(error);
  CHECK(error->find("audit.jsonl") != std::string::npos);
}

TEST_CASE("a symlink planted at audit.jsonl is refused with a clear error, not appended to") {
  TempDir dir;
  std::string victim = dir.path() + "/victim";
  std::ofstream(victim) << "precious\n";
  std::filesystem::create_symlink(victim, dir.path() + "/audit.jsonl");
  AuditLog log(dir.path());
  std::optional<std::string> error = log.append({{"n", 1}}, kAt);
  REQUIRE(error);
  CHECK(*error ==
        dir.path() + "/audit.jsonl is a symbolic link: refused (planbd never writes through one)");
  CHECK(contents(victim) == "precious\n");
  CHECK(log.pending() == 1);  // kept, as on a full disk
  CHECK(log.sync() == error);
  CHECK(contents(victim) == "precious\n");
}

namespace {

// An audit.jsonl of N lines of about 300 bytes each, written directly (as years of history).
void writeLargeAudit(const std::string& dir, int lines) {
  std::ofstream out(dir + "/audit.jsonl");
  std::string padding(240, 'x');
  for (int i = 0; i < lines; ++i) {
    out << "{\"time\":\"2026-01-01T00:00:00.000Z\",\"n\":" << i << ",\"reason\":\"" << padding
        << "\"}\n";
  }
}

}  // namespace

TEST_CASE("history reads a large audit.jsonl from its end, only as far as the limit reaches") {
  TempDir dir;
  writeLargeAudit(dir.path(), 120'000);  // 36 MB
  REQUIRE(std::filesystem::file_size(dir.path() + "/audit.jsonl") > 30'000'000);
  AuditLog log(dir.path());
  std::size_t skipped = 99;
  auto entries = log.newest(10, &skipped);
  REQUIRE(entries.size() == 10);
  CHECK(entries[0]["n"] == 119'999);
  CHECK(entries[9]["n"] == 119'990);
  CHECK(skipped == 0);
  CHECK(log.bytesRead() < 200'000);
  auto more = log.newest(1000);
  REQUIRE(more.size() == 1000);
  CHECK(more[999]["n"] == 119'000);
  CHECK(log.bytesRead() < 1'000'000);
}

TEST_CASE("history of any limit is served from one reading until the file changes") {
  TempDir dir;
  writeLargeAudit(dir.path(), 120'000);
  AuditLog log(dir.path());
  log.newest(1);
  std::size_t once = log.bytesRead();
  for (std::size_t limit = 1; limit <= AuditLog::kTail; ++limit) {
    auto entries = log.newest(limit);
    REQUIRE(entries.size() == limit);
    CHECK(entries.back()["n"] == 120'000 - static_cast<int>(limit));
  }
  CHECK(log.bytesRead() == once);  // 50 distinct limits, no second reading
  REQUIRE_FALSE(log.append({{"n", "new"}}, kAt));
  auto after = log.newest(2);
  REQUIRE(after.size() == 2);
  CHECK(after[0]["n"] == "new");
  CHECK(after[1]["n"] == 119'999);
  CHECK(log.bytesRead() > once);
  CHECK(log.bytesRead() < once + 200'000);
}

TEST_CASE("a short audit.jsonl is read whole, its first line and torn lines included") {
  TempDir dir;
  std::ofstream(dir.path() + "/audit.jsonl") << "{\"n\":0}\n{\"n\":1}\n{\"n\":\n{\"n\":3}\n{\"n\"";
  AuditLog log(dir.path());
  std::size_t skipped = 0;
  auto entries = log.newest(100, &skipped);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0]["n"] == 3);
  CHECK(entries[2]["n"] == 0);
  CHECK(skipped == 2);
}
