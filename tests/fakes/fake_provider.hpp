#pragma once
// An in-memory DNS provider: serves what it was given or written, records every call, and fails
// on demand. Thread-safe: the reconciler calls it from its worker threads.

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "providers/dns_provider.hpp"

namespace planb::testing {

class FakeProvider final : public providers::DnsProvider {
 public:
  explicit FakeProvider(std::string name) : name_(std::move(name)) {}

  const std::string& name() const noexcept override { return name_; }
  std::string_view type() const noexcept override { return "fake"; }
  providers::Capabilities capabilities() const noexcept override { return {1, true}; }

  net::Result<providers::ServedRecord> read(const providers::RecordRef& record) override {
    std::lock_guard lock(mutex_);
    calls_.push_back("read " + record.name);
    if (auto e = takeError()) {
      return *e;
    }
    auto it = served_.find(record.name);
    return it == served_.end() ? providers::ServedRecord{} : it->second;
  }

  net::Result<providers::Unit> replace(const providers::ReplaceRequest& r) override {
    std::lock_guard lock(mutex_);
    calls_.push_back("replace " + r.record.name + " " + r.expected_target.value_or("-") + " -> " +
                     r.new_target);
    if (auto e = takeError()) {
      return *e;
    }
    if (refuse_every_write_) {
      return net::Error{net::ErrorKind::Conflict, "compare-and-swap lost", std::nullopt};
    }
    auto it = served_.find(r.record.name);
    std::optional<std::string> current;
    if (it != served_.end() && it->second.kind == providers::ServedRecord::Kind::Cname) {
      current = it->second.target;
    }
    if (current != r.expected_target) {
      return net::Error{net::ErrorKind::Conflict, "compare-and-swap lost", std::nullopt};
    }
    served_[r.record.name] = {
        providers::ServedRecord::Kind::Cname, r.new_target, std::max(r.ttl, min_ttl_), {}};
    return providers::Unit{};
  }

  // Records the size of every batch; with propagate(), every batch it accepts answers a change id
  // that stays Pending until applyChanges(), as Route 53 answers PENDING until INSYNC.
  std::vector<net::Result<providers::Written>> replaceBatch(
      const std::vector<providers::ReplaceRequest>& changes) override {
    {
      std::lock_guard lock(mutex_);
      batches_.push_back(changes.size());
    }
    auto results = DnsProvider::replaceBatch(changes);  // replace() for each, one by one
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < results.size(); ++i) {
      auto* written = std::get_if<providers::Written>(&results[i]);
      if (written != nullptr && changes[i].ttl < min_ttl_) {
        written->raised_ttl = min_ttl_;
      }
    }
    if (propagate_) {
      std::string change = "C" + std::to_string(batches_.size());
      pending_changes_.push_back(change);
      for (auto& result : results) {
        if (auto* written = std::get_if<providers::Written>(&result)) {
          written->propagating_change = change;
        }
      }
    }
    return results;
  }

  net::Result<providers::Propagation> pollChange(const std::string& change) override {
    std::lock_guard lock(mutex_);
    calls_.push_back("poll " + change);
    if (auto e = takeError()) {
      return *e;
    }
    bool pending = std::find(pending_changes_.begin(), pending_changes_.end(), change) !=
                   pending_changes_.end();
    return pending ? providers::Propagation::Pending : providers::Propagation::Applied;
  }

  // The rehearsal's TXT records (product.md §11), by name: writeTxt makes the RRset exactly the
  // one value, deleteTxt removes it (absent is success), as DnsProvider specifies. failNext()
  // applies to these calls too; failTxtWrites() fails every writeTxt alone (a key whose
  // permission to write was narrowed while reads still work).
  net::Result<std::vector<std::string>> readTxt(const providers::RecordRef& record) override {
    txtHook();
    std::lock_guard lock(mutex_);
    calls_.push_back("readTxt " + record.name);
    if (auto e = takeError()) {
      return *e;
    }
    auto it = txt_.find(record.name);
    return it == txt_.end() ? std::vector<std::string>{} : it->second;
  }
  net::Result<providers::Written> writeTxt(const providers::TxtWrite& write) override {
    txtHook();
    std::lock_guard lock(mutex_);
    calls_.push_back("writeTxt " + write.record.name + " " + write.value);
    if (auto e = takeError()) {
      return *e;
    }
    if (txt_write_error_) {
      return *txt_write_error_;
    }
    txt_[write.record.name] = {write.value};
    txt_ttl_[write.record.name] = std::max(write.ttl, min_ttl_);
    providers::Written written;
    if (write.ttl < min_ttl_) {
      written.raised_ttl = min_ttl_;
    }
    if (propagate_) {
      written.propagating_change = "T" + std::to_string(calls_.size());
      pending_changes_.push_back(written.propagating_change);
    }
    return written;
  }
  net::Result<providers::Written> deleteTxt(const providers::RecordRef& record) override {
    txtHook();
    std::lock_guard lock(mutex_);
    calls_.push_back("deleteTxt " + record.name);
    if (auto e = takeError()) {
      return *e;
    }
    txt_.erase(record.name);
    return providers::Written{};
  }
  std::vector<std::string> txt(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = txt_.find(name);
    return it == txt_.end() ? std::vector<std::string>{} : it->second;
  }
  std::uint32_t txtTtl(const std::string& name) {
    std::lock_guard lock(mutex_);
    return txt_ttl_.at(name);
  }
  void serveTxt(const std::string& name, std::vector<std::string> values) {
    std::lock_guard lock(mutex_);
    txt_[name] = std::move(values);
  }
  // Called on the worker as each TXT call begins, before it takes effect: a test blocks a
  // provider's worker there, or looks at what else is queued.
  void onTxtCall(std::function<void()> hook) {
    std::lock_guard lock(mutex_);
    txt_hook_ = std::move(hook);
  }
  void failTxtWrites(std::optional<net::Error> error) {
    std::lock_guard lock(mutex_);
    txt_write_error_ = std::move(error);
  }

  // From now on every write is made with at least `ttl` and reported raised, as a zone on Alibaba
  // DNS's free edition takes no TTL below 600.
  void minimumTtl(std::uint32_t ttl) {
    std::lock_guard lock(mutex_);
    min_ttl_ = ttl;
  }
  // Temporary credentials that expire at `at` (nullopt: lasting ones).
  void credentialsExpire(std::optional<std::chrono::system_clock::time_point> at) {
    std::lock_guard lock(mutex_);
    credentials_expire_ = at;
  }
  std::optional<std::chrono::system_clock::time_point> credentialsExpireAt() const override {
    std::lock_guard lock(mutex_);
    return credentials_expire_;
  }
  std::uint32_t servedTtl(const std::string& name) {
    std::lock_guard lock(mutex_);
    return served_.at(name).ttl;
  }

  void propagate(bool slowly = true) {
    std::lock_guard lock(mutex_);
    propagate_ = slowly;
  }
  // Every change accepted so far is applied everywhere now.
  void applyChanges() {
    std::lock_guard lock(mutex_);
    pending_changes_.clear();
  }
  // The number of changes each replaceBatch call carried, in order.
  std::vector<std::size_t> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }

  void serve(const std::string& name, providers::ServedRecord record) {
    std::lock_guard lock(mutex_);
    served_[name] = std::move(record);
  }
  void serveCname(const std::string& name, const std::string& target) {
    serve(name, {providers::ServedRecord::Kind::Cname, target, 60, {}});
  }
  std::optional<std::string> cname(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = served_.find(name);
    if (it == served_.end() || it->second.kind != providers::ServedRecord::Kind::Cname) {
      return std::nullopt;
    }
    return it->second.target;
  }
  // The next `count` calls fail with `error`.
  void failNext(net::Error error, int count = 1) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < count; ++i) {
      errors_.push_back(error);
    }
  }
  // From now on every write is refused as changed meanwhile while reads go on showing what was
  // served: a provider whose read and write disagree (a lagging replica, a record set listed
  // apart from the one written); false ends that.
  void refuseEveryWrite(bool refuse = true) {
    std::lock_guard lock(mutex_);
    refuse_every_write_ = refuse;
  }
  std::vector<std::string> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::size_t writes() {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& c : calls_) {
      n += c.rfind("replace", 0) == 0 ? 1 : 0;
    }
    return n;
  }

 private:
  void txtHook() {
    std::function<void()> hook;
    {
      std::lock_guard lock(mutex_);
      hook = txt_hook_;
    }
    if (hook) {
      hook();
    }
  }
  std::optional<net::Error> takeError() {
    if (errors_.empty()) {
      return std::nullopt;
    }
    auto e = errors_.front();
    errors_.pop_front();
    return e;
  }

  std::string name_;
  mutable std::mutex mutex_;
  std::map<std::string, providers::ServedRecord> served_;
  std::deque<net::Error> errors_;
  bool refuse_every_write_ = false;
  std::vector<std::string> calls_;
  std::vector<std::size_t> batches_;
  bool propagate_ = false;
  std::vector<std::string> pending_changes_;
  std::uint32_t min_ttl_ = 0;
  std::map<std::string, std::vector<std::string>> txt_;
  std::map<std::string, std::uint32_t> txt_ttl_;
  std::optional<net::Error> txt_write_error_;
  std::function<void()> txt_hook_;
  std::optional<std::chrono::system_clock::time_point> credentials_expire_;
};

}  // namespace planb::testing
