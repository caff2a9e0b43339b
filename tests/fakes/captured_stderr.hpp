#pragma once
// stderr, where planbd logs, sent to a file while this object lives: a test reads what was logged.

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace planb::testing {

class CapturedStderr {
 public:
  explicit CapturedStderr(std::string path) : path_(std::move(path)), saved_(::dup(2)) {
    int file = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (file < 0 || saved_ < 0) {
      throw std::runtime_error("cannot capture stderr in " + path_);
    }
    ::dup2(file, 2);
    ::close(file);
  }
  ~CapturedStderr() {
    ::dup2(saved_, 2);
    ::close(saved_);
  }
  CapturedStderr(const CapturedStderr&) = delete;
  CapturedStderr& operator=(const CapturedStderr&) = delete;

  // Everything logged so far.
  std::string text() const {
    std::ifstream in(path_);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }

 private:
  std::string path_;
  int saved_;
};

}  // namespace planb::testing
