#pragma once
// The corpus of real exchanges (tests/conformance/<provider>/*.json, one exchange a file) as the
// providers' unit tests read it.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace planb::testing {

struct CorpusExchange {
  std::string file;     // "01-zone-lookup.json"
  nlohmann::json json;  // source, note, request, response, expect
};

// Every exchange in DIR, in file-name order.
inline std::vector<CorpusExchange> loadCorpus(const std::string& dir) {
  std::vector<CorpusExchange> all;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") {
      std::ifstream in(entry.path());
      all.push_back({entry.path().filename().string(), nlohmann::json::parse(in)});
    }
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  return all;
}

}  // namespace planb::testing
