#include "harness/etcd_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <random>
#include <stdexcept>

extern char** environ;

namespace planb::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr int kStartAttempts = 5;
constexpr int kReadinessPolls = 100;  // × 100 ms: a member is ready in well under a second
constexpr milliseconds kReadinessInterval{100};
constexpr milliseconds kStopTimeout{5000};
constexpr milliseconds kToolTimeout{10000};
constexpr milliseconds kHttpTimeout{2000};
constexpr std::uint16_t kLowestPort = 20000;
constexpr std::uint16_t kHighestPort = 32767;

// The environment without ETCD_* and ETCDCTL_* variables: etcd reads them as flags and aborts
// when one names an option a flag also gives ("conflicting environment variable ...").
std::vector<std::string> cleanEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env(extra);
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (!entry.starts_with("ETCD_") && !entry.starts_with("ETCDCTL_")) {
      env.emplace_back(entry);
    }
  }
  return env;
}

// spawn() of process.hpp, with the clean environment instead of ours.
pid_t spawnClean(const std::vector<std::string>& argv, const std::string& output_path,
                 const std::vector<std::string>& extra_env, bool append) {
  std::optional<std::string> program = findProgram(argv.at(0));
  if (!program) {
    throw std::runtime_error(argv[0] + " not found (scripts/setup installs it)");
  }
  std::vector<char*> args;
  args.push_back(program->data());
  for (std::size_t i = 1; i < argv.size(); ++i) {
    args.push_back(const_cast<char*>(argv[i].c_str()));
  }
  args.push_back(nullptr);
  std::vector<std::string> env_strings = cleanEnvironment(extra_env);
  std::vector<char*> env;
  for (std::string& e : env_strings) {
    env.push_back(e.data());
  }
  env.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, output_path.c_str(),
                                   O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program->c_str(), &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error("cannot start " + *program + ": " + std::strerror(rc));
  }
  return pid;
}

// "Transfer-Encoding: chunked" bodies (etcd streams keepalive and error replies) put together.
std::string dechunk(const std::string& body) {
  std::string out;
  std::size_t at = 0;
  while (at < body.size()) {
    std::size_t line_end = body.find("\r\n", at);
    if (line_end == std::string::npos) {
      break;
    }
    std::size_t size = std::strtoul(body.substr(at, line_end - at).c_str(), nullptr, 16);
    if (size == 0) {
      break;
    }
    out += body.substr(line_end + 2, size);
    at = line_end + 2 + size + 2;
  }
  return out;
}

// One HTTP/1.1 request to 127.0.0.1:PORT over a plain socket, Connection: close, bounded by
// kHttpTimeout per send/receive. Status 0 when nothing answered.
EtcdServer::HttpReply httpRequest(std::uint16_t port, const std::string& method,
                                  const std::string& path, const std::string& body,
                                  const std::string& token) {
  EtcdServer::HttpReply reply;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return reply;
  }
  timeval timeout{kHttpTimeout.count() / 1000, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return reply;
  }
  std::string request = method + " " + path +
                        " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nConnection: close\r\n";
  if (!token.empty()) {
    request += "Authorization: " + token + "\r\n";
  }
  if (method == "POST") {
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  std::size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return reply;
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      break;  // EOF, or the timeout
    }
    response.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"
  std::size_t head_end = response.find("\r\n\r\n");
  if (!response.starts_with("HTTP/1.") || response.size() < 12 || head_end == std::string::npos) {
    return reply;
  }
  reply.status = std::atoi(response.substr(9, 3).c_str());
  std::string head = response.substr(0, head_end);
  reply.body = response.substr(head_end + 4);
  for (char& c : head) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (head.find("transfer-encoding: chunked") != std::string::npos) {
    reply.body = dechunk(reply.body);
  }
  return reply;
}

// Runs ARGV with the clean environment, output into OUTPUT_PATH; throws when it fails.
CommandResult runClean(const std::vector<std::string>& argv, const std::string& output_path,
                       const std::vector<std::string>& extra_env = {}) {
  pid_t pid = spawnClean(argv, output_path, extra_env, /*append=*/false);
  int pidfd = openPidFd(pid);
  CommandResult result;
  result.exit_code = reap(pid, pidfd, kToolTimeout);
  if (pidfd >= 0) {
    ::close(pidfd);
  }
  result.output = readFile(output_path);
  return result;
}

void mustRun(const std::vector<std::string>& argv, const std::string& output_path) {
  CommandResult result = runClean(argv, output_path);
  if (result.exit_code != 0) {
    throw std::runtime_error(argv.at(0) + " " + argv.at(1) + " failed: " + result.output);
  }
}

}  // namespace

void EtcdServer::requireTools() {
  if (findProgram("etcd")) {
    return;
  }
  const char* allow_skip = std::getenv("PLANB_ALLOW_SKIP");
  if (allow_skip != nullptr && std::string(allow_skip) == "1") {
    std::cerr << "SKIP: etcd not found and PLANB_ALLOW_SKIP=1\n";
    std::exit(kSkipExitCode);
  }
  throw std::runtime_error(
      "etcd not found: run scripts/setup (etcd-server, etcd-client), or set PLANB_ALLOW_SKIP=1 to "
      "skip this test");
}

std::uint16_t EtcdServer::pickPort(const std::vector<std::uint16_t>& except) {
  static std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> ports(kLowestPort, kHighestPort);
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto port = static_cast<std::uint16_t>(ports(random));
    if (std::find(except.begin(), except.end(), port) != except.end()) {
      continue;
    }
    int fd = bindLoopback(SOCK_STREAM, port);
    if (fd >= 0) {
      ::close(fd);
      return port;
    }
  }
  throw std::runtime_error("no free port on 127.0.0.1 in 20000-32767");
}

EtcdServer::EtcdServer() : EtcdServer(Options{}) {}

EtcdServer::EtcdServer(Options options) : options_(std::move(options)) {
  requireTools();
  dir_ = makeTempDir("planb-etcd");
  try {
    if (options_.tls) {
      makeCertificates();
    }
    for (int attempt = 1;; ++attempt) {
      client_port_ = pickPort();
      peer_port_ = pickPort({client_port_});
      if (start()) {
        break;
      }
      if (attempt == kStartAttempts) {
        throw std::runtime_error("etcd found no free ports in " + std::to_string(attempt) +
                                 " attempts; its log:\n" + log());
      }
      std::error_code ignored;
      fs::remove_all(dataDir(), ignored);
    }
  } catch (...) {
    stop();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    throw;
  }
}

EtcdServer::~EtcdServer() {
  stop();
  if (currentTestFailed() || std::uncaught_exceptions() > 0) {
    std::cerr << "---- etcd log (" << dir_ << "/etcd.log) ----\n"
              << log() << "---- end of etcd log ----\n";
  }
  const char* keep = std::getenv("PLANB_KEEP_TEST_DIRS");
  if (keep != nullptr && std::string(keep) == "1") {
    std::cerr << "kept " << dir_ << "\n";
  } else {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

std::string EtcdServer::endpoint() const {
  return (options_.tls ? "https://" : "http://") + host_ + ":" + std::to_string(client_port_);
}

std::string EtcdServer::caFile() const {
  return options_.tls ? dir_ + "/ca.pem" : "";
}

std::string EtcdServer::clientCertFile() const {
  return options_.tls ? dir_ + "/client.pem" : "";
}

std::string EtcdServer::clientKeyFile() const {
  return options_.tls ? dir_ + "/client.key" : "";
}

// A fresh CA (valid one day), a server certificate for IP 127.0.0.1 and a client certificate
// with CN root, all P-256, inside the 0700 temp dir.
void EtcdServer::makeCertificates() const {
  const std::string out = dir_ + "/openssl.out";
  mustRun({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-keyout", dir_ + "/ca.key", "-out", dir_ + "/ca.pem", "-days", "1", "-subj",
           "/CN=planb-it-ca"},
          out);
  struct Leaf {
    std::string name;
    std::string subject;
    std::string extensions;
  };
  for (const Leaf& leaf :
       {Leaf{"server", "/CN=127.0.0.1",
             "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"},
        Leaf{"client", "/CN=root", "extendedKeyUsage=clientAuth\n"}}) {
    const std::string base = dir_ + "/" + leaf.name;
    writeFile(base + ".ext", leaf.extensions);
    mustRun({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", base + ".key", "-out", base + ".csr", "-subj", leaf.subject},
            out);
    mustRun({"openssl", "x509", "-req", "-in", base + ".csr", "-CA", dir_ + "/ca.pem", "-CAkey",
             dir_ + "/ca.key", "-CAcreateserial", "-out", base + ".pem", "-days", "1", "-extfile",
             base + ".ext"},
            out);
  }
}

std::string EtcdServer::log() const {
  return readFile(dir_ + "/etcd.log");
}

bool EtcdServer::start() {
  const std::string client_url = endpoint();
  const std::string peer_url = "http://" + host_ + ":" + std::to_string(peer_port_);
  std::vector<std::string> argv = {"etcd",
                                   "--name",
                                   options_.name,
                                   "--data-dir",
                                   dataDir(),
                                   "--listen-client-urls",
                                   client_url,
                                   "--advertise-client-urls",
                                   client_url,
                                   "--listen-peer-urls",
                                   peer_url,
                                   "--initial-advertise-peer-urls",
                                   peer_url,
                                   "--initial-cluster",
                                   options_.name + "=" + peer_url};
  if (options_.tls) {
    argv.insert(argv.end(),
                {"--cert-file", dir_ + "/server.pem", "--key-file", dir_ + "/server.key",
                 "--client-cert-auth", "--trusted-ca-file", caFile()});
  }
  pid_ = spawnClean(argv, dir_ + "/etcd.log", {}, /*append=*/true);
  pidfd_ = openPidFd(pid_);
  if (pidfd_ < 0) {
    ::kill(pid_, SIGKILL);
    reap(pid_, -1, milliseconds(0));
    pid_ = -1;
    throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(errno));
  }
  for (int poll = 0; poll < kReadinessPolls; ++poll) {
    HttpReply health = get("/health");
    if (health.status == 200 && health.body.find("\"true\"") != std::string::npos) {
      return true;
    }
    if (waitExit(pidfd_, kReadinessInterval)) {
      stop();
      if (log().find("address already in use") != std::string::npos) {
        return false;  // another process took a port between pick and bind
      }
      throw std::runtime_error("etcd exited while starting; its log:\n" + log());
    }
  }
  throw std::runtime_error("etcd was not healthy on " + endpoint() + " within " +
                           std::to_string(kReadinessPolls * kReadinessInterval.count()) +
                           " ms; its log:\n" + log());
}

void EtcdServer::stop() {
  if (pid_ <= 0) {
    return;
  }
  ::kill(pid_, SIGTERM);
  reap(pid_, pidfd_, kStopTimeout);
  ::close(pidfd_);
  pid_ = -1;
  pidfd_ = -1;
}

void EtcdServer::restart() {
  stop();
  if (!start()) {
    throw std::runtime_error("etcd could not restart: a port was taken; its log:\n" + log());
  }
}

namespace {

// Over https: curl with the CA and the client certificate; the body (which may hold a password)
// goes through a 0600 file, never the command line.
EtcdServer::HttpReply curlRequest(const EtcdServer& server, const std::string& method,
                                  const std::string& path, const std::string& body,
                                  const std::string& token) {
  static std::atomic<int> counter{0};
  const std::string base = server.dir() + "/curl-" + std::to_string(++counter);
  std::vector<std::string> argv = {"curl",     "-s",
                                   "-m",       "2",
                                   "-o",       base + ".body",
                                   "-w",       "%{http_code}",
                                   "-X",       method,
                                   "--cacert", server.caFile(),
                                   "--cert",   server.clientCertFile(),
                                   "--key",    server.clientKeyFile()};
  if (method == "POST") {
    writeFile(base + ".json", body);
    argv.insert(argv.end(),
                {"-H", "Content-Type: application/json", "--data-binary", "@" + base + ".json"});
  }
  if (!token.empty()) {
    writeFile(base + ".headers", "Authorization: " + token + "\n");
    argv.insert(argv.end(), {"-H", "@" + base + ".headers"});
  }
  argv.push_back(server.endpoint() + path);
  CommandResult result = runClean(argv, base + ".out");
  EtcdServer::HttpReply reply;
  if (result.exit_code == 0) {
    reply.status = std::atoi(trim(result.output).c_str());
    reply.body = readFile(base + ".body");
  }
  return reply;
}

}  // namespace

EtcdServer::HttpReply EtcdServer::get(const std::string& path) const {
  return options_.tls ? curlRequest(*this, "GET", path, "", "")
                      : httpRequest(client_port_, "GET", path, "", "");
}

EtcdServer::HttpReply EtcdServer::post(const std::string& path, const std::string& json_body,
                                       const std::string& token) const {
  return options_.tls ? curlRequest(*this, "POST", path, json_body, token)
                      : httpRequest(client_port_, "POST", path, json_body, token);
}

void EtcdServer::enableAuth(const std::string& password) const {
  // The password goes into a JSON string: keep tests to passwords that need no escaping.
  if (password.find_first_of("\"\\") != std::string::npos || password.empty()) {
    throw std::invalid_argument("enableAuth: use a non-empty password without '\"' or '\\'");
  }
  struct Step {
    const char* path;
    std::string body;
  };
  for (const Step& step :
       {Step{"/v3/auth/user/add", R"({"name":"root","password":")" + password + R"("})"},
        Step{"/v3/auth/user/grant", R"({"user":"root","role":"root"})"},
        Step{"/v3/auth/enable", "{}"}}) {
    HttpReply reply = post(step.path, step.body);
    if (reply.status != 200) {
      // The body is etcd's error; it does not repeat the password.
      throw std::runtime_error(std::string("etcd refused ") + step.path + ": HTTP " +
                               std::to_string(reply.status) + " " + reply.body);
    }
  }
}

CommandResult EtcdServer::etcdctl(const std::vector<std::string>& args) const {
  static std::atomic<int> counter{0};
  std::vector<std::string> argv = {"etcdctl", "--endpoints=" + endpoint()};
  if (options_.tls) {
    argv.insert(argv.end(),
                {"--cacert=" + caFile(), "--cert=" + clientCertFile(), "--key=" + clientKeyFile()});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return runClean(argv, dir_ + "/etcdctl-" + std::to_string(++counter) + ".out", {"ETCDCTL_API=3"});
}

}  // namespace planb::testing
