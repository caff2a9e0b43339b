#include "config/table_reader.hpp"

#include <algorithm>

#include "config/host_port.hpp"
#include "config/secrets.hpp"
#include "core/dns_name.hpp"

namespace planb::config {

namespace {

SourcePos positionOf(const SourceLines& lines, const TomlValue& value) {
  SourceLines::Location loc = lines.locate(value);
  return SourcePos{std::move(loc.file), loc.line, loc.column};
}

// toml11 records where a value starts, but an error about a key should point at the key: it is on
// the value's line, before the value ("key = value") or, for a [table] header, anywhere on it.
SourcePos keyPosition(const SourceLines& lines, const TomlValue& value, std::string_view key) {
  SourceLines::Location loc = lines.locate(value);
  const std::string& line = loc.line_text;
  std::size_t value_index = loc.column > 0 ? loc.column - 1 : 0;
  std::size_t at = std::string::npos;
  if (value_index >= key.size()) {
    at = line.rfind(key, value_index - key.size());
  }
  if (at == std::string::npos) {
    at = line.find(key);
  }
  if (at == std::string::npos) {
    return SourcePos{std::move(loc.file), loc.line, loc.column};
  }
  return SourcePos{std::move(loc.file), loc.line, static_cast<std::uint32_t>(at + 1)};
}

std::string_view typeName(toml::value_t type) {
  switch (type) {
    case toml::value_t::boolean:
      return "a boolean";
    case toml::value_t::integer:
      return "an integer";
    case toml::value_t::floating:
      return "a float";
    case toml::value_t::string:
      return "a string";
    case toml::value_t::offset_datetime:
    case toml::value_t::local_datetime:
    case toml::value_t::local_date:
    case toml::value_t::local_time:
      return "a date or time";
    case toml::value_t::array:
      return "an array";
    case toml::value_t::table:
      return "a table";
    case toml::value_t::empty:
      break;
  }
  return "nothing";
}

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// A typo is the likeliest unknown key, so name the allowed key it is closest to.
std::string unknownKeyMessage(std::string_view key, const std::vector<std::string_view>& allowed) {
  std::string message = "unknown key " + inQuotes(key);
  for (std::string_view candidate : allowed) {
    std::size_t distance = editDistance(key, candidate);
    if (distance <= 2 && distance <= candidate.size() / 2) {
      return message + " (did you mean " + inQuotes(candidate) + "?)";
    }
  }
  return message;
}

bool contains(const std::vector<std::string_view>& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// Names of providers, targets, probes, vendors and regions appear in planbctl arguments and metric
// labels, so they are kept to a plain alphabet.
bool isPlainName(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

// "target[1].probe" -> "target.probe", as written in a [[target.probe]] header.
std::string headerName(std::string_view key_path) {
  std::string out;
  bool in_index = false;
  for (char c : key_path) {
    if (c == '[') {
      in_index = true;
    } else if (c == ']') {
      in_index = false;
    } else if (!in_index) {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string inQuotes(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

std::string quotedAlternatives(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) {
      out += i + 1 == words.size() ? " or " : ", ";
    }
    out += inQuotes(words[i]);
  }
  return out;
}

TableReader::TableReader(const TomlValue& table, std::string path, ErrorList& errors)
    : TableReader(table, std::move(path), errors, std::make_shared<const SourceLines>(table)) {}

TableReader::TableReader(const TomlValue& table, std::string path, ErrorList& errors,
                         std::shared_ptr<const SourceLines> lines)
    : table_(&table), path_(std::move(path)), errors_(&errors), lines_(std::move(lines)) {}

void TableReader::checkKeys(const std::vector<std::string_view>& allowed,
                            const std::vector<std::string_view>& not_yet_supported) const {
  for (const auto& [key, value] : table_->as_table()) {
    if (contains(allowed, key)) {
      continue;
    }
    std::string message;
    if (isInlineSecretKey(key)) {
      message = "secrets are never written inline: use " + key + "_file = \"/path\"";
    } else if (contains(not_yet_supported, key)) {
      message = "key " + inQuotes(key) + " is not supported yet";
    } else {
      message = unknownKeyMessage(key, allowed);
    }
    errors_->add(keyPosition(*lines_, value, key), keyPath(key), std::move(message));
  }
}

std::optional<std::string> TableReader::schemaType(
    std::string_view what, const std::vector<std::string_view>& supported,
    const std::vector<std::string_view>& not_yet_supported) const {
  std::optional<std::string> type = string("type", Presence::Required);
  if (!type) {
    return std::nullopt;
  }
  if (contains(supported, *type)) {
    return type;
  }
  if (contains(not_yet_supported, *type)) {
    error("type", std::string(what) + " type " + inQuotes(*type) + " is not supported yet");
  } else {
    error("type", "unknown " + std::string(what) + " type " + inQuotes(*type) + ": use " +
                      quotedAlternatives(supported));
  }
  return std::nullopt;
}

const TomlValue* TableReader::find(std::string_view key) const {
  const auto& table = table_->as_table();
  auto it = table.find(std::string(key));
  return it == table.end() ? nullptr : &it->second;
}

std::string TableReader::keyPath(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

SourcePos TableReader::pos() const {
  return positionOf(*lines_, *table_);
}

SourcePos TableReader::keyPos(std::string_view key) const {
  const TomlValue* value = find(key);
  return value == nullptr ? pos() : keyPosition(*lines_, *value, key);
}

void TableReader::error(std::string_view key, std::string message) const {
  errors_->add(keyPos(key), keyPath(key), std::move(message));
}

void TableReader::error(const ListItem& item, std::string message) const {
  errors_->add(item.pos, item.key_path, std::move(message));
}

void TableReader::typeError(std::string_view key, std::string_view expected) const {
  const TomlValue* value = find(key);
  toml::value_t got = value == nullptr ? toml::value_t::empty : value->type();
  error(key, "expected " + std::string(expected) + ", got " + std::string(typeName(got)));
}

const TomlValue* TableReader::typed(std::string_view key, toml::value_t type,
                                    Presence presence) const {
  const TomlValue* value = find(key);
  if (value == nullptr) {
    if (presence == Presence::Required) {
      error(key, "required key is missing");
    }
    return nullptr;
  }
  if (value->type() != type) {
    typeError(key, typeName(type));
    return nullptr;
  }
  return value;
}

std::optional<std::string> TableReader::peekString(std::string_view key) const {
  const TomlValue* value = find(key);
  if (value == nullptr || !value->is_string()) {
    return std::nullopt;
  }
  return value->as_string().str;
}

std::optional<std::string> TableReader::string(std::string_view key, Presence presence) const {
  const TomlValue* value = typed(key, toml::value_t::string, presence);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->as_string().str.empty()) {
    error(key, "must not be empty");
    return std::nullopt;
  }
  return value->as_string().str;
}

std::optional<std::string> TableReader::name(std::string_view key, Presence presence) const {
  std::optional<std::string> text = string(key, presence);
  if (text && !isPlainName(*text)) {
    error(key, "bad name " + inQuotes(*text) + ": use letters, digits, '-', '_' and '.'");
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> TableReader::dnsName(std::string_view key, Presence presence) const {
  std::optional<std::string> text = string(key, presence);
  if (!text) {
    return std::nullopt;
  }
  if (!core::isValidDnsName(*text)) {
    error(key, inQuotes(*text) + " is not a valid DNS name");
    return std::nullopt;
  }
  return core::canonicalName(*text);
}

std::optional<std::string> TableReader::filePath(std::string_view key,
                                                 const Environment& environment,
                                                 Presence presence) const {
  std::optional<std::string> text = string(key, presence);
  if (!text) {
    return std::nullopt;
  }
  std::string why;
  std::optional<std::string> path = expandCredentialsPath(*text, environment, why);
  if (!path) {
    error(key, std::move(why));
  }
  return path;
}

std::optional<std::uint32_t> TableReader::count(std::string_view key, std::uint32_t min,
                                                std::uint32_t max) const {
  const TomlValue* value = typed(key, toml::value_t::integer, Presence::Optional);
  if (value == nullptr) {
    return std::nullopt;
  }
  std::int64_t number = value->as_integer();
  if (number < min || number > max) {
    std::string range = max == std::numeric_limits<std::uint32_t>::max() && number < min
                            ? "at least " + std::to_string(min)
                            : "between " + std::to_string(min) + " and " + std::to_string(max);
    error(key, "must be " + range + ", got " + std::to_string(number));
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(number);
}

std::optional<Millis> TableReader::duration(std::string_view key) const {
  const TomlValue* value = find(key);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_string()) {
    typeError(key, "a duration with a unit, such as \"2s\"");
    return std::nullopt;
  }
  const std::string& text = value->as_string().str;
  std::optional<Millis> parsed = core::parseDuration(text);
  if (!parsed) {
    error(key, "bad duration " + inQuotes(text) + ": use a number with a unit: ms, s, m, h");
    return std::nullopt;
  }
  if (parsed->count() <= 0) {
    error(key, "must be positive, got " + inQuotes(text));
    return std::nullopt;
  }
  return parsed;
}

std::optional<HostPort> TableReader::address(std::string_view key,
                                             std::optional<std::uint16_t> default_port,
                                             Presence presence) const {
  std::optional<std::string> text = string(key, presence);
  if (!text) {
    return std::nullopt;
  }
  std::string why;
  std::optional<HostPort> parsed = parseHostPort(*text, default_port, why);
  if (!parsed) {
    error(key, "bad address " + inQuotes(*text) + ": " + why);
  }
  return parsed;
}

std::optional<std::vector<ListItem>> TableReader::stringList(std::string_view key,
                                                             Presence presence) const {
  const TomlValue* value = typed(key, toml::value_t::array, presence);
  if (value == nullptr) {
    return std::nullopt;
  }
  std::vector<ListItem> items;
  const auto& elements = value->as_array();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    ListItem item{"", keyPath(key) + "[" + std::to_string(i) + "]",
                  positionOf(*lines_, elements[i])};
    if (!elements[i].is_string()) {
      error(item, "expected a string, got " + std::string(typeName(elements[i].type())));
    } else if (elements[i].as_string().str.empty()) {
      error(item, "must not be empty");
    } else {
      item.text = elements[i].as_string().str;
      items.push_back(std::move(item));
    }
  }
  return items;
}

std::optional<std::vector<std::int64_t>> TableReader::integerList(std::string_view key) const {
  const TomlValue* value = typed(key, toml::value_t::array, Presence::Optional);
  if (value == nullptr) {
    return std::nullopt;
  }
  std::vector<std::int64_t> numbers;
  const auto& elements = value->as_array();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (elements[i].is_integer()) {
      numbers.push_back(elements[i].as_integer());
    } else {
      errors_->add(positionOf(*lines_, elements[i]), keyPath(key) + "[" + std::to_string(i) + "]",
                   "expected an integer, got " + std::string(typeName(elements[i].type())));
    }
  }
  return numbers;
}

std::optional<std::vector<HostPort>> TableReader::addressList(
    std::string_view key, std::optional<std::uint16_t> default_port) const {
  std::optional<std::vector<ListItem>> items = stringList(key);
  if (!items) {
    return std::nullopt;
  }
  std::vector<HostPort> addresses;
  for (const ListItem& item : *items) {
    std::string why;
    if (std::optional<HostPort> parsed = parseHostPort(item.text, default_port, why)) {
      addresses.push_back(std::move(*parsed));
    } else {
      error(item, "bad address " + inQuotes(item.text) + ": " + why);
    }
  }
  return addresses;
}

void TableReader::reportBadChoice(std::string_view key, const std::string& text,
                                  const std::vector<std::string_view>& options) const {
  error(key, "bad value " + inQuotes(text) + ": use " + quotedAlternatives(options));
}

std::optional<TableReader> TableReader::table(std::string_view key) const {
  const TomlValue* value = find(key);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_table()) {
    typeError(key, "a table ([" + headerName(keyPath(key)) + "])");
    return std::nullopt;
  }
  return TableReader(*value, keyPath(key), *errors_, lines_);
}

std::optional<std::vector<TableReader>> TableReader::tables(std::string_view key) const {
  std::vector<TableReader> readers;
  const TomlValue* value = find(key);
  if (value == nullptr) {
    return readers;
  }
  if (!value->is_array()) {
    typeError(key, "an array of tables ([[" + headerName(keyPath(key)) + "]])");
    return std::nullopt;
  }
  const auto& elements = value->as_array();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    std::string path = keyPath(key) + "[" + std::to_string(i) + "]";
    if (elements[i].is_table()) {
      readers.push_back(TableReader(elements[i], std::move(path), *errors_, lines_));
    } else {
      errors_->add(positionOf(*lines_, elements[i]), std::move(path),
                   "expected a table, got " + std::string(typeName(elements[i].type())));
    }
  }
  return readers;
}

}  // namespace planb::config
