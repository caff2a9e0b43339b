#include "own_resolution.hpp"

namespace planb::daemon {

namespace {

std::string listed(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) {
    text += (text.empty() ? "" : ", ") + item;
  }
  return text;
}

}  // namespace

OwnResolution::OwnResolution(Log& log, const core::Clock& clock, std::shared_ptr<AddressBook> book)
    : log_(log), clock_(clock), book_(std::move(book)) {}

OwnResolution::~OwnResolution() {
  stop();
}

void OwnResolution::configure(std::vector<std::string> hosts, Resolve resolve) {
  std::lock_guard lock(mutex_);
  hosts_ = std::move(hosts);
  resolve_ = std::move(resolve);
}

void OwnResolution::refresh() {
  std::vector<std::string> hosts;
  Resolve resolve;
  {
    std::lock_guard lock(mutex_);
    hosts = hosts_;
    resolve = resolve_;
  }
  if (!resolve) {
    return;
  }
  bool changed = false;
  for (const std::string& host : hosts) {
    net::Result<std::vector<std::string>> answer = resolve(host);
    if (auto* error = net::errorIn(answer)) {
      if (book_->failed(host, error->message)) {
        std::vector<std::string> saved = book_->addressesOf(host);
        if (saved.empty()) {
          log_.warn("resolve: " + host + ": " + error->message +
                    "; no saved addresses: the system resolves it when it is needed");
        } else {
          log_.warn("resolve: " + host + ": " + error->message + "; using the saved addresses " +
                    listed(saved));
        }
      }
      continue;
    }
    std::vector<std::string>& addresses = std::get<std::vector<std::string>>(answer);
    std::optional<AddressBook::Entry> before = book_->entry(host);
    if (before && !before->error.empty()) {
      log_.info("resolve: " + host + " resolves again: " + listed(addresses));
    }
    changed = changed || !before || before->addresses != addresses;
    book_->resolved(host, std::move(addresses), clock_.wallNow());
  }
  if (changed) {
    if (auto error = book_->save()) {
      log_.error("resolve: cannot save the addresses: " + *error);
    }
  }
}

void OwnResolution::start(std::chrono::milliseconds interval) {
  if (thread_.joinable()) {
    return;
  }
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      refresh();
      lock.lock();
      wake_.wait_for(lock, interval, [this] { return stopping_; });
    }
  });
}

void OwnResolution::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace planb::daemon
