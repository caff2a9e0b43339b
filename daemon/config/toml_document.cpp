#include "config/toml_document.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/toml_nesting.hpp"

namespace planb::config {

namespace {

std::optional<std::string> readFile(const std::string& path, std::string& why) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    why = "is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  return text.str();
}

// toml11's syntax_error message is a report for humans:
//
//   [error] toml::parse_key_value_pair: missing value after key-value separator '='
//    --> planb.toml
//      |
//    3 | x =
//      |     ^--- expected value, but got nothing
//
// Its location() gives the line, but often column 1; the marker under the quoted line of that
// number gives the column, and its label completes the message.
ConfigError syntaxError(const toml::syntax_error& e, const std::string& path) {
  std::istringstream report(e.what());
  std::string headline;
  std::getline(report, headline);
  if (headline.starts_with("[error] ")) {
    headline.erase(0, 8);
  }
  // Drop the name of toml11's parsing function ("toml::parse_array: ").
  std::size_t colon = headline.find(": ");
  if (colon != std::string::npos && headline.find(' ') > colon) {
    headline.erase(0, colon + 2);
  }
  while (!headline.empty() && (headline.back() == '.' || headline.back() == ' ')) {
    headline.pop_back();
  }

  SourcePos pos{path, e.location().line(), e.location().column()};
  std::string label;
  std::string line;
  while (std::getline(report, line)) {
    // A quoted source line: "<spaces><line number> | <text>"; its marker line is aligned with it.
    std::size_t number_start = line.find_first_not_of(' ');
    std::size_t bar = line.find(" | ");
    if (number_start == std::string::npos || bar == std::string::npos ||
        line.substr(number_start, bar - number_start) != std::to_string(pos.line)) {
      continue;
    }
    std::size_t text_start = bar + 3;
    std::string marker;
    if (!std::getline(report, marker)) {
      break;
    }
    std::size_t at = marker.find_first_of("^~", text_start);
    if (at != std::string::npos) {
      pos.column = static_cast<std::uint32_t>(at - text_start + 1);
      std::size_t label_start = marker.find_first_not_of("^~- ", at);
      label = label_start == std::string::npos ? "" : marker.substr(label_start);
      if (label.ends_with('.')) {
        label.pop_back();
      }
    }
  }
  std::string message = "syntax error: " + headline;
  if (!label.empty() && label != "here") {
    message += ": " + label;
  }
  return ConfigError{pos, "", message};
}

}  // namespace

std::optional<TomlValue> parseTomlFile(const std::string& path, ErrorList& errors) {
  std::string why;
  std::optional<std::string> text = readFile(path, why);
  if (!text) {
    errors.add(SourcePos{path, 0, 0}, "", "cannot read: " + why);
    return std::nullopt;
  }
  return parseTomlText(*text, path, errors);
}

std::optional<TomlValue> parseTomlText(const std::string& text, const std::string& path,
                                       ErrorList& errors) {
  // toml11 recurses once per level: a hostile depth would overflow the stack, so it is refused
  // before parsing (on reload too: the running configuration stays).
  if (std::optional<NestingPos> deep = findDeepNesting(text)) {
    errors.add(SourcePos{path, deep->line, deep->column}, "",
               "arrays and inline tables are nested deeper than " +
                   std::to_string(kMaxTomlNesting) + " levels");
    return std::nullopt;
  }
  std::istringstream in(text);
  try {
    return toml::parse<toml::discard_comments, std::map, std::vector>(in, path);
  } catch (const toml::syntax_error& e) {
    ConfigError error = syntaxError(e, path);
    errors.add(error.pos, error.key_path, error.message);
  } catch (const std::exception& e) {
    // toml11 reports a few problems (e.g. invalid UTF-8 in some places) with other exceptions.
    errors.add(SourcePos{path, 0, 0}, "", std::string("cannot parse: ") + e.what());
  }
  return std::nullopt;
}

}  // namespace planb::config
