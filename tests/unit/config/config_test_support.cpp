#include "config_test_support.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace planb::config::testing {

namespace {

// A file holding `text` for the life of the object.
class TempFile {
 public:
  explicit TempFile(std::string_view text) {
    static int counter = 0;
    path_ =
        (std::filesystem::temp_directory_path() / ("planb-config-test-" + std::to_string(getpid()) +
                                                   "-" + std::to_string(++counter) + ".toml"))
            .string();
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

std::string withBase(std::string_view more) {
  return std::string(kBase) + std::string(more);
}

Config load(std::string_view text, const Environment& environment) {
  TempFile file(text);
  try {
    return loadConfig(file.path(), environment);
  } catch (const ConfigErrors& e) {
    FAIL("the config was refused:\n" << e.what());
  }
  return {};
}

std::vector<ConfigError> errorsOf(std::string_view text, const Environment& environment) {
  TempFile file(text);
  try {
    loadConfig(file.path(), environment);
  } catch (const ConfigErrors& e) {
    return e.errors();
  }
  return {};
}

ConfigError onlyErrorOf(std::string_view text, const Environment& environment) {
  std::vector<ConfigError> errors = errorsOf(text, environment);
  INFO("errors:\n" << listed(errors));
  REQUIRE(errors.size() == 1);
  return errors.front();
}

void checkErrors(const std::vector<ConfigError>& errors, const std::vector<Expected>& expected) {
  INFO("errors:\n" << listed(errors));
  REQUIRE(errors.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(errors[i].pos.line == expected[i].line);
    CHECK(errors[i].pos.column == expected[i].column);
    CHECK(errors[i].key_path == expected[i].key_path);
    CHECK(errors[i].message == expected[i].message);
  }
}

std::string listed(const std::vector<ConfigError>& errors) {
  std::string text;
  for (const ConfigError& error : errors) {
    text += error.format() + "\n";
  }
  return text;
}

std::uint32_t lineOf(std::string_view text, std::string_view needle) {
  std::size_t at = text.find(needle);
  if (at == std::string_view::npos) {
    return 0;
  }
  return static_cast<std::uint32_t>(std::count(text.begin(), text.begin() + at, '\n') + 1);
}

}  // namespace planb::config::testing
