#pragma once
// JSON text written as it goes, laid out byte for byte as nlohmann's dump(2) with invalid UTF-8
// replaced prints a document, without building the document first. For the large answers of the
// admin API (GET /v1/plan: 10,000 rows for 5,000 records on two providers), building, printing
// and freeing a document took most of the request's time on the daemon's one thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace planb::daemon {

class PrettyJson {
 public:
  PrettyJson& beginObject();
  PrettyJson& endObject();
  PrettyJson& beginArray();
  PrettyJson& endArray();
  // The next member's name; its value follows.
  PrettyJson& key(std::string_view name);
  PrettyJson& string(std::string_view text);
  PrettyJson& number(std::int64_t value);
  PrettyJson& boolean(bool value);
  PrettyJson& null();

  // The text so far, with a final newline.
  std::string take() &&;

 private:
  void beforeValue();
  void newLine();
  void quoted(std::string_view text);
  void begin(char bracket);
  void end(char bracket);

  std::string out_;
  std::vector<bool> empty_;  // per open object or array: nothing in it yet
  bool after_key_ = false;
};

}  // namespace planb::daemon
