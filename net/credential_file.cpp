#include "net/credential_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace planb::net {

namespace {

// Closes the descriptor on every path out.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

std::string octalMode(mode_t mode) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%04o", static_cast<unsigned>(mode & 07777));
  return buffer;
}

}  // namespace

Secret readPrivateFile(const std::string& path, std::string_view what, std::size_t max_size) {
  std::string w(what);
  FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
  if (file.fd < 0) {
    throw CredentialError(path + ": cannot open " + w + ": " + std::strerror(errno));
  }
  // fstat on the open descriptor: the checked file is the one read.
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) {
    throw CredentialError(path + ": cannot stat " + w + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    throw CredentialError(path + ": " + w + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    throw CredentialError(path + ": refusing " + w + " with mode " + octalMode(st.st_mode) +
                          ": group or others may access it; run chmod 600 on it");
  }
  if (static_cast<std::size_t>(st.st_size) > max_size) {
    throw CredentialError(path + ": " + w + " is larger than " + std::to_string(max_size) +
                          " bytes");
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::read(file.fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      Secret wipe(std::move(text));
      throw CredentialError(path + ": cannot read " + w + ": " + std::strerror(errno));
    }
    if (n == 0) {
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  text.resize(done);
  return Secret(std::move(text));
}

Secret readSecretFile(const std::string& path, std::string_view what) {
  Secret content = readPrivateFile(path, what);
  std::string value = content.reveal();
  if (!value.empty() && value.back() == '\n') {
    value.pop_back();
    if (!value.empty() && value.back() == '\r') {
      value.pop_back();
    }
  }
  Secret secret(std::move(value));
  if (secret.empty()) {
    throw CredentialError(path + ": " + std::string(what) + " is empty");
  }
  return secret;
}

}  // namespace planb::net
