#include "state_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "errno_text.hpp"

namespace planb::daemon {

namespace {

using StateJson = nlohmann::json;

std::int64_t toUnixMillis(core::WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

core::WallTime fromUnixMillis(std::int64_t ms) {
  return core::WallTime(std::chrono::milliseconds(ms));
}

StateJson toJson(const PersistedState& state) {
  StateJson records = StateJson::object();
  for (const auto& [name, r] : state.records) {
    StateJson j;
    j["target"] = r.target ? StateJson(*r.target) : StateJson(nullptr);
    StateJson changes = StateJson::array();
    for (core::WallTime t : r.automatic_changes) {
      changes.push_back(toUnixMillis(t));
    }
    j["automatic_changes_unix_ms"] = changes;
    j["applied"] = r.applied;
    records[name] = j;
  }
  StateJson overrides = StateJson::array();
  for (const core::Override& o : state.overrides) {
    overrides.push_back({{"kind", core::nameOf(o.kind)},
                         {"subject", o.subject},
                         {"target", o.target},
                         {"reason", o.reason},
                         {"user", o.user},
                         {"created_unix_ms", toUnixMillis(o.created_at)},
                         {"expires_unix_ms", o.expires_at ? StateJson(toUnixMillis(*o.expires_at))
                                                          : StateJson(nullptr)}});
  }
  return StateJson{{"version", 1}, {"records", records}, {"overrides", overrides}};
}

PersistedState fromJson(const StateJson& j) {
  PersistedState state;
  if (j.at("version").get<int>() != 1) {
    throw std::runtime_error("unsupported version " + j.at("version").dump());
  }
  for (const auto& [name, r] : j.at("records").items()) {
    PersistedRecord rec;
    if (!r.at("target").is_null()) {
      rec.target = r.at("target").get<std::string>();
    }
    for (const StateJson& t : r.at("automatic_changes_unix_ms")) {
      rec.automatic_changes.push_back(fromUnixMillis(t.get<std::int64_t>()));
    }
    rec.applied = r.at("applied").get<std::map<std::string, std::string>>();
    state.records[name] = std::move(rec);
  }
  // Absent in state files written before overrides existed.
  for (const StateJson& o : j.value("overrides", StateJson::array())) {
    core::Override ov;
    std::string kind = o.at("kind").get<std::string>();
    if (kind == "pin") {
      ov.kind = core::OverrideKind::Pin;
    } else if (kind == "drain") {
      ov.kind = core::OverrideKind::Drain;
    } else if (kind == "freeze") {
      ov.kind = core::OverrideKind::Freeze;
    } else {
      throw std::runtime_error("unknown override kind " + o.at("kind").dump());
    }
    ov.subject = o.at("subject").get<std::string>();
    ov.target = o.at("target").get<std::string>();
    ov.reason = o.at("reason").get<std::string>();
    ov.user = o.at("user").get<std::string>();
    ov.created_at = fromUnixMillis(o.at("created_unix_ms").get<std::int64_t>());
    if (!o.at("expires_unix_ms").is_null()) {
      ov.expires_at = fromUnixMillis(o.at("expires_unix_ms").get<std::int64_t>());
    }
    state.overrides.push_back(std::move(ov));
  }
  return state;
}

}  // namespace

std::string encodeState(const PersistedState& state) {
  return toJson(state).dump();
}

PersistedState decodeState(const std::string& json) {
  return fromJson(StateJson::parse(json));
}

StateStore::StateStore(std::string directory)
    : directory_(std::move(directory)), path_(directory_ + "/state.json") {}

PersistedState StateStore::load(std::string* problem) {
  std::ifstream in(path_);
  if (!in) {
    if (errno != ENOENT && problem) {
      *problem = errnoText(path_);
    }
    return {};
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    last_ = fromJson(StateJson::parse(buffer.str()));
    return last_;
  } catch (const std::exception& e) {
    std::string aside = path_ + ".corrupt";
    std::error_code ec;
    std::filesystem::rename(path_, aside, ec);
    if (problem) {
      *problem = path_ + ": unreadable state (" + e.what() + "); moved to " + aside +
                 " and relearning what DNS serves";
    }
    return {};
  }
}

std::optional<std::string> StateStore::saveRecords(std::map<std::string, PersistedRecord> records) {
  PersistedState next = last_;
  next.records = std::move(records);
  auto error = save(next);
  last_ = std::move(next);  // even on failure: the next save retries the newest state
  return error;
}

std::optional<std::string> StateStore::saveOverrides(std::vector<core::Override> overrides) {
  PersistedState next = last_;
  next.overrides = std::move(overrides);
  auto error = save(next);
  if (!error) {
    last_ = std::move(next);  // a refused override must not reach the disk with the next save
  }
  return error;
}

std::optional<std::string> StateStore::save(const PersistedState& state) {
  std::string text = toJson(state).dump(2) + "\n";
  std::string tmp = path_ + ".tmp";
  // Never through a symlink planted there: it would make planbd overwrite whatever it names.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return errno == ELOOP ? tmp + " is a symbolic link: refused (planbd never writes through one)"
                          : errnoText("cannot write " + tmp);
  }
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      std::string err = errnoText("cannot write " + tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return err;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    std::string err = errnoText("cannot fsync " + tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return err;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    std::string err = errnoText("cannot rename " + tmp + " to " + path_);
    ::unlink(tmp.c_str());
    return err;
  }
  int dir = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return std::nullopt;
}

std::optional<std::string> prepareStateDir(const std::string& directory, uid_t owner) {
  struct stat st {};
  if (::stat(directory.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return errnoText(directory);
    }
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(directory).parent_path();
    if (!parent.empty()) {
      std::filesystem::create_directories(parent, ec);
    }
    if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
      return errnoText("cannot create " + directory);
    }
    if (::stat(directory.c_str(), &st) != 0) {
      return errnoText(directory);
    }
  }
  if (!S_ISDIR(st.st_mode)) {
    return directory + ": not a directory";
  }
  if (st.st_uid != owner) {
    return directory + ": owned by uid " + std::to_string(st.st_uid) +
           ", not by planbd's user (uid " + std::to_string(owner) +
           "): its owner could change planbd's overrides and audit";
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return directory + ": writable by group or others (mode " + mode +
           "): they could change planbd's overrides and audit; make it 0700";
  }
  return std::nullopt;
}

}  // namespace planb::daemon
