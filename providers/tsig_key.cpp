#include "providers/tsig_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <set>

#include "core/ascii.hpp"
#include "core/dns_name.hpp"
#include "net/credential_file.hpp"

namespace planb::providers {
namespace {

constexpr std::size_t kMaxKeyFileSize = 64 * 1024;

struct Token {
  enum class Kind { Word, String, OpenBrace, CloseBrace, Semicolon, End };
  Kind kind = Kind::End;
  std::string text;
  std::uint32_t line = 1;
};

// What the parser found, for messages. Token text is shown only for the grammar's own keywords:
// anything else could be (part of) a misplaced secret.
std::string describe(const Token& token) {
  switch (token.kind) {
    case Token::Kind::Word: {
      std::string word = core::asciiLower(token.text);
      if (word == "key" || word == "algorithm" || word == "secret") {
        return "\"" + word + "\"";
      }
      return "a word";
    }
    case Token::Kind::String:
      return "a quoted string";
    case Token::Kind::OpenBrace:
      return "'{'";
    case Token::Kind::CloseBrace:
      return "'}'";
    case Token::Kind::Semicolon:
      return "';'";
    case Token::Kind::End:
      return "the end of the file";
  }
  return "a token";
}

// The named.conf subset tsig-keygen writes: words, quoted strings, braces, semicolons, comments.
class Parser {
 public:
  Parser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  std::vector<TsigKey> parse() {
    std::vector<TsigKey> keys;
    std::set<std::string> names;
    for (Token token = next(); token.kind != Token::Kind::End; token = next()) {
      if (!isWord(token, "key")) {
        fail(token.line, "expected a key statement, found " + describe(token));
      }
      TsigKey key = parseKey(token.line);
      if (!names.insert(key.name).second) {
        fail(token.line, "key \"" + displayName(key) + "\" is defined twice");
      }
      keys.push_back(std::move(key));
    }
    if (keys.empty()) {
      throw TsigKeyError(source_ + ": no key statement found");
    }
    return keys;
  }

 private:
  [[noreturn]] void fail(std::uint32_t line, const std::string& message) const {
    throw TsigKeyError(source_ + ":" + std::to_string(line) + ": " + message);
  }

  static bool isWord(const Token& token, std::string_view word) {
    return token.kind == Token::Kind::Word && core::asciiLower(token.text) == word;
  }

  Token expect(Token::Kind kind, const std::string& what) {
    Token token = next();
    if (token.kind != kind) {
      fail(token.line, "expected " + what + ", found " + describe(token));
    }
    return token;
  }

  // A word or a quoted string, as named.conf accepts either for names and values.
  Token expectValue(const std::string& what) {
    Token token = next();
    if (token.kind != Token::Kind::Word && token.kind != Token::Kind::String) {
      fail(token.line, "expected " + what + ", found " + describe(token));
    }
    return token;
  }

  TsigKey parseKey(std::uint32_t key_line) {
    Token name = expectValue("a key name");
    if (!core::isValidDnsName(name.text)) {
      // Not shown: a misplaced secret would land here.
      fail(name.line, "the key name is not a valid DNS name");
    }
    TsigKey key;
    key.name = core::canonicalName(name.text);
    const std::string label = "key \"" + displayName(key) + "\"";
    expect(Token::Kind::OpenBrace, "'{' after " + label);
    bool have_algorithm = false;
    bool have_secret = false;
    for (Token token = next(); token.kind != Token::Kind::CloseBrace; token = next()) {
      if (isWord(token, "algorithm")) {
        if (have_algorithm) {
          fail(token.line, label + " has two algorithm clauses");
        }
        Token value = expectValue("an algorithm name");
        key.algorithm = parseAlgorithm(value, label);
        have_algorithm = true;
      } else if (isWord(token, "secret")) {
        if (have_secret) {
          fail(token.line, label + " has two secret clauses");
        }
        Token value = expectValue("the secret");
        if (!isBase64(value.text)) {
          fail(value.line, "the secret of " + label + " is not valid base64");
        }
        key.secret = net::Secret(std::move(value.text));
        have_secret = true;
      } else {
        fail(token.line, "expected \"algorithm\", \"secret\" or '}' in " + label + ", found " +
                             describe(token));
      }
      expect(Token::Kind::Semicolon, "';'");
    }
    expect(Token::Kind::Semicolon, "';' after the closing '}' of " + label);
    if (!have_algorithm) {
      fail(key_line, label + " has no algorithm");
    }
    if (!have_secret) {
      fail(key_line, label + " has no secret");
    }
    return key;
  }

  TsigAlgorithm parseAlgorithm(const Token& value, const std::string& label) const {
    std::string name = core::asciiLower(value.text);
    if (!name.empty() && name.back() == '.') {
      name.pop_back();
    }
    if (name == "hmac-sha256") {
      return TsigAlgorithm::HmacSha256;
    }
    if (name == "hmac-sha512") {
      return TsigAlgorithm::HmacSha512;
    }
    if (name == "hmac-sha384") {
      fail(value.line, label +
                           ": hmac-sha384 is broken in ldns 1.8.3 (it spells the algorithm "
                           "\"hmac-shac384.\"); use hmac-sha256 or hmac-sha512");
    }
    // Base64 has no '-', so a value starting with "hmac-" cannot be a misplaced secret.
    std::string shown = name.rfind("hmac-", 0) == 0 ? "\"" + name + "\"" : "(value not shown)";
    fail(value.line,
         label + ": unsupported TSIG algorithm " + shown + "; use hmac-sha256 or hmac-sha512");
  }

  static bool isBase64(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) {
      return false;
    }
    std::size_t padding = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      if (c == '=') {
        ++padding;
      } else if (padding > 0 || !(std::isalnum(c) || c == '+' || c == '/')) {
        return false;
      }
    }
    return padding <= 2 && text.size() / 4 * 3 > padding;
  }

  Token next() {
    skipSpaceAndComments();
    Token token;
    // A missing ';' at the end is reported where the file's last token is, not on a last blank
    // line.
    token.line = pos_ >= text_.size() ? last_line_ : line_;
    last_line_ = line_;
    if (pos_ >= text_.size()) {
      return token;
    }
    char c = text_[pos_];
    if (c == '{' || c == '}' || c == ';') {
      ++pos_;
      token.kind = c == '{'   ? Token::Kind::OpenBrace
                   : c == '}' ? Token::Kind::CloseBrace
                              : Token::Kind::Semicolon;
      return token;
    }
    if (c == '"') {
      token.kind = Token::Kind::String;
      for (++pos_; pos_ < text_.size() && text_[pos_] != '"'; ++pos_) {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
          ++pos_;
        }
        if (text_[pos_] == '\n') {
          ++line_;
        }
        token.text.push_back(text_[pos_]);
      }
      if (pos_ >= text_.size()) {
        fail(token.line, "unterminated quoted string");
      }
      ++pos_;
      return token;
    }
    token.kind = Token::Kind::Word;
    while (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_])) &&
           std::string_view("{};\"#").find(text_[pos_]) == std::string_view::npos &&
           !startsComment()) {
      token.text.push_back(text_[pos_++]);
    }
    return token;
  }

  bool startsComment() const {
    return text_[pos_] == '#' || (text_[pos_] == '/' && pos_ + 1 < text_.size() &&
                                  (text_[pos_ + 1] == '/' || text_[pos_ + 1] == '*'));
  }

  void skipSpaceAndComments() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '#' || (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/')) {
        while (pos_ < text_.size() && text_[pos_] != '\n') {
          ++pos_;
        }
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        std::uint32_t start = line_;
        std::size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) {
          fail(start, "unterminated /* comment");
        }
        line_ += static_cast<std::uint32_t>(std::count(
            text_.begin() + static_cast<long>(pos_), text_.begin() + static_cast<long>(end), '\n'));
        pos_ = end + 2;
      } else {
        return;
      }
    }
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t last_line_ = 1;
};

}  // namespace

std::string_view nameOf(TsigAlgorithm algorithm) {
  return algorithm == TsigAlgorithm::HmacSha512 ? "hmac-sha512" : "hmac-sha256";
}

const char* ldnsAlgorithmName(TsigAlgorithm algorithm) {
  return algorithm == TsigAlgorithm::HmacSha512 ? "hmac-sha512." : "hmac-sha256.";
}

std::string displayName(const TsigKey& key) {
  std::string name = key.name;
  if (name.size() > 1 && name.back() == '.') {
    name.pop_back();
  }
  return name;
}

std::vector<TsigKey> parseTsigKeys(std::string_view text, const std::string& source) {
  return Parser(text, source).parse();
}

std::vector<TsigKey> loadTsigKeys(const std::string& path) {
  try {
    net::Secret text =
        net::readPrivateFile(path, "TSIG key file");  // the file text holds the secret too
    return parseTsigKeys(text.reveal(), path);
  } catch (const net::CredentialError& e) {
    throw TsigKeyError(e.what());
  }
}

TsigKey loadTsigKey(const std::string& path) {
  return onlyTsigKey(loadTsigKeys(path), path);
}

TsigKey onlyTsigKey(std::vector<TsigKey> keys, const std::string& path) {
  if (keys.size() != 1) {
    std::string names;
    for (const TsigKey& key : keys) {
      names += (names.empty() ? "\"" : ", \"") + displayName(key) + "\"";
    }
    throw TsigKeyError(path + ": holds " + std::to_string(keys.size()) + " keys (" + names +
                       "); an rfc2136 provider needs a file with exactly one");
  }
  return std::move(keys.front());
}

}  // namespace planb::providers
