#include "state_store.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fakes/temp_dir.hpp"

using namespace planb::daemon;
using planb::testing::TempDir;

namespace {

PersistedState sample() {
  PersistedState s;
  PersistedRecord& r = s.records["www.example.com."];
  r.target = "aws";
  r.automatic_changes = {planb::core::WallTime(std::chrono::milliseconds(1'700'000'000'123))};
  r.applied = {{"ns1", "aws"}};
  s.records["api.example.com."] = {};
  return s;
}

}  // namespace

TEST_CASE("the state written is the state read back") {
  TempDir dir;
  StateStore store(dir.path());
  REQUIRE_FALSE(store.save(sample()));
  std::string problem;
  PersistedState back = store.load(&problem);
  CHECK(problem.empty());
  CHECK(back.records.at("www.example.com.").target == "aws");
  CHECK(back.records.at("www.example.com.").automatic_changes ==
        sample().records.at("www.example.com.").automatic_changes);
  CHECK(back.records.at("www.example.com.").applied.at("ns1") == "aws");
  CHECK_FALSE(back.records.at("api.example.com.").target);
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/state.json.tmp"));
}

TEST_CASE("a missing state file is an empty state, without a problem") {
  TempDir dir;
  std::string problem;
  CHECK(StateStore(dir.path()).load(&problem).records.empty());
  CHECK(problem.empty());
}

TEST_CASE("a corrupt state file is moved aside and reported, never overwritten in place") {
  TempDir dir;
  std::ofstream(dir.path() + "/state.json") << "{\"version\": 1, \"records\": {";
  std::string problem;
  CHECK(StateStore(dir.path()).load(&problem).records.empty());
  CHECK(problem.find("state.json") != std::string::npos);
  CHECK(problem.find("moved to") != std::string::npos);
  CHECK(std::filesystem::exists(dir.path() + "/state.json.corrupt"));
}

TEST_CASE("a failed save names the file and leaves the previous state intact") {
  TempDir dir;
  StateStore store(dir.path());
  REQUIRE_FALSE(store.save(sample()));
  // A directory where the temp file should go makes the write fail like a full disk would.
  std::filesystem::create_directory(dir.path() + "/state.json.tmp");
  auto error = store.save(PersistedState{});
  REQUIRE(error);
  CHECK(error->find("state.json.tmp") != std::string::npos);
  std::string problem;
  CHECK(store.load(&problem).records.size() == 2);
}

TEST_CASE("overrides are saved beside the records and read back") {
  TempDir dir;
  StateStore store(dir.path());
  REQUIRE_FALSE(store.saveRecords(sample().records));
  planb::core::Override drain{planb::core::OverrideKind::Drain,
                              "aws",
                              "",
                              "maintenance",
                              "alice",
                              planb::core::WallTime(std::chrono::milliseconds(1'700'000'000'000)),
                              planb::core::WallTime(std::chrono::milliseconds(1'700'000'900'000))};
  REQUIRE_FALSE(store.saveOverrides({drain}));
  REQUIRE_FALSE(store.saveRecords(sample().records));  // the records' save keeps the overrides
  std::string problem;
  PersistedState back = StateStore(dir.path()).load(&problem);
  CHECK(problem.empty());
  CHECK(back.records.size() == 2);
  REQUIRE(back.overrides.size() == 1);
  CHECK(back.overrides[0] == drain);
}

TEST_CASE("a state file written before overrides existed loads with none") {
  TempDir dir;
  std::ofstream(dir.path() + "/state.json") << R"({"version": 1, "records": {}})";
  std::string problem;
  CHECK(StateStore(dir.path()).load(&problem).overrides.empty());
  CHECK(problem.empty());
}

TEST_CASE("a symlink planted at state.json.tmp is refused with a clear error, not followed") {
  TempDir dir;
  std::string victim = dir.path() + "/victim";
  std::ofstream(victim) << "precious\n";
  std::filesystem::create_symlink(victim, dir.path() + "/state.json.tmp");
  StateStore store(dir.path());
  std::optional<std::string> error = store.save(sample());
  REQUIRE(error);
  CHECK(*error == dir.path() +
                      "/state.json.tmp is a symbolic link: refused (planbd never writes through "
                      "one)");
  std::ifstream in(victim);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  CHECK(text == "precious\n");
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/state.json"));
}

TEST_CASE("a missing state_dir is created 0700, parents included") {
  TempDir dir;
  std::string state = dir.path() + "/var/lib/planb";
  CHECK(prepareStateDir(state, ::geteuid()) == std::nullopt);
  struct stat st {};
  REQUIRE(::stat(state.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);
  CHECK(prepareStateDir(state, ::geteuid()) == std::nullopt);  // and then accepted as it is
}

TEST_CASE("a state_dir writable by group or others, or owned by another user, is refused") {
  TempDir dir;
  std::string state = dir.path() + "/state";
  REQUIRE(::mkdir(state.c_str(), 0700) == 0);
  REQUIRE(::chmod(state.c_str(), 0770) == 0);
  CHECK(prepareStateDir(state, ::geteuid()) ==
        state +
            ": writable by group or others (mode 0770): they could change planbd's overrides "
            "and audit; make it 0700");
  REQUIRE(::chmod(state.c_str(), 0757) == 0);
  CHECK(prepareStateDir(state, ::geteuid()) != std::nullopt);
  REQUIRE(::chmod(state.c_str(), 0755) == 0);
  CHECK(prepareStateDir(state, ::geteuid()) == std::nullopt);  // readable is not writable
  CHECK(prepareStateDir(state, ::geteuid() + 1) ==
        state + ": owned by uid " + std::to_string(::geteuid()) + ", not by planbd's user (uid " +
            std::to_string(::geteuid() + 1) +
            "): its owner could change planbd's overrides and audit");
  std::ofstream(dir.path() + "/file") << "x";
  CHECK(prepareStateDir(dir.path() + "/file", ::geteuid()) ==
        dir.path() + "/file: not a directory");
}
