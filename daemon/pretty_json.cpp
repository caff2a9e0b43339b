#include "pretty_json.hpp"

#include <nlohmann/json.hpp>

namespace planb::daemon {

namespace {

// Printable ASCII without a quote or a backslash is printed as it is; anything else is left to
// nlohmann's own escaping, so escapes and replaced invalid UTF-8 are exactly its own.
bool plain(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      return false;
    }
  }
  return true;
}

}  // namespace

void PrettyJson::newLine() {
  out_ += '\n';
  out_.append(2 * empty_.size(), ' ');
}

void PrettyJson::beforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (empty_.empty()) {
    return;  // the top-level value
  }
  if (!empty_.back()) {
    out_ += ',';
  }
  empty_.back() = false;
  newLine();
}

void PrettyJson::quoted(std::string_view text) {
  if (plain(text)) {
    out_ += '"';
    out_ += text;
    out_ += '"';
    return;
  }
  out_ += nlohmann::json(std::string(text))
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void PrettyJson::begin(char bracket) {
  beforeValue();
  out_ += bracket;
  empty_.push_back(true);
}

void PrettyJson::end(char bracket) {
  bool was_empty = empty_.back();
  empty_.pop_back();
  if (!was_empty) {
    newLine();
  }
  out_ += bracket;
}

PrettyJson& PrettyJson::beginObject() {
  begin('{');
  return *this;
}

PrettyJson& PrettyJson::endObject() {
  end('}');
  return *this;
}

PrettyJson& PrettyJson::beginArray() {
  begin('[');
  return *this;
}

PrettyJson& PrettyJson::endArray() {
  end(']');
  return *this;
}

PrettyJson& PrettyJson::key(std::string_view name) {
  beforeValue();
  quoted(name);
  out_ += ": ";
  after_key_ = true;
  return *this;
}

PrettyJson& PrettyJson::string(std::string_view text) {
  beforeValue();
  quoted(text);
  return *this;
}

PrettyJson& PrettyJson::number(std::int64_t value) {
  beforeValue();
  out_ += std::to_string(value);
  return *this;
}

PrettyJson& PrettyJson::boolean(bool value) {
  beforeValue();
  out_ += value ? "true" : "false";
  return *this;
}

PrettyJson& PrettyJson::null() {
  beforeValue();
  out_ += "null";
  return *this;
}

std::string PrettyJson::take() && {
  out_ += '\n';
  return std::move(out_);
}

}  // namespace planb::daemon
