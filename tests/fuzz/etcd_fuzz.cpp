// Fuzzes EtcdClient's reading of etcd's v3 gateway JSON replies (auth token, lease grant and
// keepalive, put, range, delete, txn): the input is a script of replies (fuzz_replies.hpp)
// answered to one of each call in turn. Every call must return or throw EtcdError.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "cluster/etcd_client.hpp"
#include "fuzz/fuzz_replies.hpp"

using namespace planb::cluster;

namespace {

template <typename F>
void call(F&& f) {
  try {
    f();
  } catch (const EtcdError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto transport = std::make_shared<planb::fuzz::ReplayTransport>(input);
  EtcdOptions options;
  options.endpoints = {"http://127.0.0.1:2379", "http://127.0.0.2:2379"};
  options.username = "planb";
  options.password = "fuzz-password";
  EtcdClient client(options, transport);
  call([&] { client.grantLease(std::chrono::seconds(5)); });
  call([&] { client.keepAlive(7587862072006515712); });
  call([&] { client.put("/planb/view/edge-1", "{}", 7587862072006515712); });
  call([&] { client.get("/planb/leader"); });
  call([&] { client.rangePrefix("/planb/view/"); });
  call([&] { client.deleteKey("/planb/override/www"); });
  call([&] {
    client.txn({Compare{"/planb/leader", Compare::Target::Value, Compare::Result::Equal, 0, "n1"}},
               {Operation{Operation::Kind::Put, "/planb/state/www", "x", 0, ""},
                Operation{Operation::Kind::Range, "/planb/state/", "", 0, "/planb/state0"}},
               {Operation{Operation::Kind::Range, "/planb/leader", "", 0, ""}});
  });
  call([&] { client.revokeLease(7587862072006515712); });
  return 0;
}
