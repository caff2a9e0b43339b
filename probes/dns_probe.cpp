#include "probes/dns_probe.hpp"

// Before ldns: without __bool_true_false_are_defined, ldns/common.h #defines `false` as 0 and
// `bool` as _Bool, which breaks later C++ headers.
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers)
// clang-format off
#include <ldns/ldns.h>
// clang-format on
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "probes/single_result.hpp"

namespace planb::probes {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using tcp = asio::ip::tcp;

namespace {

struct PktDeleter {
  void operator()(ldns_pkt* p) const noexcept { ldns_pkt_free(p); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktDeleter>;

std::string owned(char* text) {
  std::string out = text != nullptr ? text : "";
  std::free(text);
  return out;
}

constexpr std::array<std::string_view, 6> kRcodes = {"NOERROR",  "FORMERR", "SERVFAIL",
                                                     "NXDOMAIN", "NOTIMP",  "REFUSED"};

std::string rcodeName(int rcode) {
  if (rcode >= 0 && static_cast<std::size_t>(rcode) < kRcodes.size()) {
    return std::string(kRcodes[static_cast<std::size_t>(rcode)]);
  }
  return "RCODE " + std::to_string(rcode);
}

// The data of a record as `dig +short` shows it: its rdata fields, space-separated.
std::string rdataText(const ldns_rr* rr) {
  std::string out;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    if (i > 0) {
      out += ' ';
    }
    out += owned(ldns_rdf2str(ldns_rr_rdf(rr, i)));
  }
  return out;
}

// The largest reply we take over UDP; our EDNS0 size asks for at most 1232 bytes.
constexpr std::size_t kUdpReplyMax = 4096;
constexpr std::uint16_t kEdnsUdpSize = 1232;

}  // namespace

struct DnsProbe::Spec {
  udp::endpoint server;
  std::string display;   // "127.0.0.1:53"
  std::string question;  // "A example.com." for details
  std::string name;      // canonical, for matching the reply's question
  ldns_rr_type type = LDNS_RR_TYPE_A;
  std::string typeName;
  int expectRcode = 0;
  std::unique_ptr<const re2::RE2> expectAnswer;
  // The query in wire format, ID 0: each attempt writes its own random ID into bytes 0-1.
  std::vector<std::uint8_t> query;
};

namespace {

// A reply to the query with ID of SPEC: a response with that ID and, when it carries a question,
// the query's.
bool isReplyTo(const DnsProbe::Spec& spec, std::uint16_t id, const ldns_pkt* reply) {
  if (ldns_pkt_id(reply) != id || !ldns_pkt_qr(reply)) {
    return false;
  }
  const ldns_rr_list* question = ldns_pkt_question(reply);
  // FORMERR and NOTIMP replies may carry no question.
  if (question == nullptr || ldns_rr_list_rr_count(question) == 0) {
    return true;
  }
  const ldns_rr* q = ldns_rr_list_rr(question, 0);
  std::string owner = owned(ldns_rdf2str(ldns_rr_owner(q)));
  std::transform(owner.begin(), owner.end(), owner.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ldns_rr_get_type(q) == spec.type && owner == spec.name;
}

// The verdict on a reply to SPEC's query: nullopt when it passes, else the failure's detail.
std::optional<std::string> judgeAnswer(const DnsProbe::Spec& spec, const ldns_pkt* reply) {
  int rcode = static_cast<int>(ldns_pkt_get_rcode(reply));
  if (rcode != spec.expectRcode) {
    return spec.display + " answered " + spec.question + " with rcode " + rcodeName(rcode) +
           ", expected " + rcodeName(spec.expectRcode);
  }
  if (!spec.expectAnswer) {
    return std::nullopt;
  }
  std::vector<std::string> seen;
  const ldns_rr_list* answer = ldns_pkt_answer(reply);
  for (std::size_t i = 0; answer != nullptr && i < ldns_rr_list_rr_count(answer); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answer, i);
    if (ldns_rr_get_type(rr) != spec.type) {
      continue;
    }
    std::string data = rdataText(rr);
    bool match =
        re2::RE2::FullMatch(data, *spec.expectAnswer) ||
        (data.size() > 1 && data.back() == '.' &&
         re2::RE2::FullMatch(re2::StringPiece(data.data(), data.size() - 1), *spec.expectAnswer));
    if (match) {
      return std::nullopt;
    }
    seen.push_back(std::move(data));
  }
  std::string detail = "no " + spec.typeName + " answer for " + spec.name + " matches /" +
                       spec.expectAnswer->pattern().substr(0, 64) + "/";
  std::sort(seen.begin(), seen.end());  // servers rotate RRsets: keep the detail stable
  if (seen.empty()) {
    detail += ": the answer is empty";
  } else {
    detail += ": got ";
    for (std::size_t i = 0; i < seen.size() && i < 3; ++i) {
      detail += (i > 0 ? ", " : "") + seen[i].substr(0, 80);
    }
    if (seen.size() > 3) {
      detail += ", … (" + std::to_string(seen.size()) + " records)";
    }
  }
  return detail;
}

}  // namespace

class DnsProbe::Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  Attempt(asio::io_context& io, std::shared_ptr<const Spec> spec, ResultCallback done)
      : io_(io),
        spec_(std::move(spec)),
        result_(std::move(done)),
        deadline_(io),
        udp_(io),
        tcp_(io) {}

  void run(std::chrono::milliseconds timeout) {
    started_ = std::chrono::steady_clock::now();
    timeout_ = std::max(timeout, std::chrono::milliseconds{0});
    deadline_.expires_at(started_ + timeout_);
    deadline_.async_wait(
        [self = shared_from_this()](const boost::system::error_code&) { self->onDeadline(); });
    query_ = spec_->query;
    // A fresh random ID per attempt (ldns' generator, seeded from the system's entropy).
    ldns_pkt* scratch = ldns_pkt_new();
    ldns_pkt_set_random_id(scratch);
    id_ = ldns_pkt_id(scratch);
    ldns_pkt_free(scratch);
    query_[0] = static_cast<std::uint8_t>(id_ >> 8);
    query_[1] = static_cast<std::uint8_t>(id_ & 0xff);

    boost::system::error_code ec;
    udp_.open(spec_->server.protocol(), ec);
    if (!ec) {
      udp_.connect(spec_->server, ec);  // only the server's datagrams reach this socket
    }
    if (ec) {
      asio::post(io_, [self = shared_from_this(), ec] { self->failIo("query", ec); });
      return;
    }
    udp_.async_send(asio::buffer(query_),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      if (self->finished()) {
                        return;
                      }
                      if (ec) {
                        self->failIo("send to", ec);
                        return;
                      }
                      self->receive();
                    });
  }

  void cancel() {
    ResultCallback done = result_.take();
    if (!done) {
      return;
    }
    abortIo();
    asio::post(io_, [done = std::move(done), latency = elapsed()] {
      done(core::ProbeResult::failed(core::ProbeFailure::Internal, "cancelled", latency));
    });
  }

 private:
  bool finished() const noexcept { return !result_.pending(); }

  void receive() {
    reply_.resize(kUdpReplyMax);
    udp_.async_receive(
        asio::buffer(reply_),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          if (self->finished()) {
            return;
          }
          if (ec) {
            self->failIo("query", ec);
            return;
          }
          self->reply_.resize(n);
          self->onReply(/*over_tcp=*/false);
        });
  }

  // Truncated over UDP: the same query over TCP, two-byte length prefixed (RFC 1035 4.2.2).
  void retryOverTcp() {
    tcpQuery_.clear();
    tcpQuery_.push_back(static_cast<std::uint8_t>(query_.size() >> 8));
    tcpQuery_.push_back(static_cast<std::uint8_t>(query_.size() & 0xff));
    tcpQuery_.insert(tcpQuery_.end(), query_.begin(), query_.end());
    boost::system::error_code ignored;
    udp_.close(ignored);
    overTcp_ = true;
    tcp::endpoint peer(spec_->server.address(), spec_->server.port());
    tcp_.async_connect(peer, [self = shared_from_this()](const boost::system::error_code& ec) {
      if (self->finished()) {
        return;
      }
      if (ec) {
        self->failIo("connect (TCP, after a truncated reply) to", ec);
        return;
      }
      asio::async_write(self->tcp_, asio::buffer(self->tcpQuery_),
                        [self](const boost::system::error_code& ec, std::size_t) {
                          if (self->finished()) {
                            return;
                          }
                          if (ec) {
                            self->failIo("send (TCP) to", ec);
                            return;
                          }
                          self->readTcpLength();
                        });
    });
  }

  void readTcpLength() {
    reply_.resize(2);
    asio::async_read(tcp_, asio::buffer(reply_),
                     [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                       if (self->finished()) {
                         return;
                       }
                       if (ec) {
                         self->failIo("read (TCP) from", ec);
                         return;
                       }
                       std::size_t length = (std::size_t{self->reply_[0]} << 8) | self->reply_[1];
                       self->reply_.resize(length);
                       asio::async_read(self->tcp_, asio::buffer(self->reply_),
                                        [self](const boost::system::error_code& ec, std::size_t) {
                                          if (self->finished()) {
                                            return;
                                          }
                                          if (ec) {
                                            self->failIo("read (TCP) from", ec);
                                            return;
                                          }
                                          self->onReply(/*over_tcp=*/true);
                                        });
                     });
  }

  void onReply(bool over_tcp) {
    ldns_pkt* parsed = nullptr;
    ldns_status status = ldns_wire2pkt(&parsed, reply_.data(), reply_.size());
    PktPtr reply(parsed);
    if (status != LDNS_STATUS_OK || !reply) {
      if (!over_tcp) {
        receive();  // not a DNS message: not our reply
        return;
      }
      fail(core::ProbeFailure::Dns,
           "malformed reply from " + spec_->display + ": " + ldns_get_errorstr_by_id(status));
      return;
    }
    if (!isOurReply(reply.get())) {
      if (!over_tcp) {
        receive();  // a late reply to an earlier query, or noise: keep waiting
        return;
      }
      fail(core::ProbeFailure::Dns,
           "reply from " + spec_->display + " does not answer the query (" + spec_->question + ")");
      return;
    }
    if (!over_tcp && ldns_pkt_tc(reply.get())) {
      retryOverTcp();
      return;
    }
    evaluate(reply.get());
  }

  bool isOurReply(const ldns_pkt* reply) const { return isReplyTo(*spec_, id_, reply); }

  void evaluate(const ldns_pkt* reply) {
    if (std::optional<std::string> failure = judgeAnswer(*spec_, reply)) {
      fail(core::ProbeFailure::Dns, std::move(*failure));
      return;
    }
    succeed();
  }

  void onDeadline() {
    if (finished()) {
      return;
    }
    fail(core::ProbeFailure::Timeout, "timeout after " + std::to_string(timeout_.count()) +
                                          "ms waiting for " + spec_->display + " to answer " +
                                          spec_->question + (overTcp_ ? " (over TCP)" : ""));
  }

  void failIo(std::string_view doing, const boost::system::error_code& ec) {
    fail(core::ProbeFailure::Refused,
         std::string(doing) + " " + spec_->display + ": " + ec.message());
  }

  void succeed() { finish(core::ProbeResult::success({})); }
  void fail(core::ProbeFailure why, std::string detail) {
    finish(core::ProbeResult::failed(why, std::move(detail)));
  }

  void finish(core::ProbeResult result) {
    ResultCallback done = result_.take();
    if (!done) {
      return;
    }
    abortIo();
    result.latency = elapsed();
    done(std::move(result));
  }

  void abortIo() noexcept {
    deadline_.cancel();
    boost::system::error_code ignored;
    udp_.close(ignored);
    tcp_.close(ignored);
  }

  std::chrono::microseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                 started_);
  }

  asio::io_context& io_;
  std::shared_ptr<const Spec> spec_;
  SingleResult result_;
  asio::steady_timer deadline_;
  udp::socket udp_;
  tcp::socket tcp_;
  std::vector<std::uint8_t> query_;
  std::vector<std::uint8_t> tcpQuery_;
  std::vector<std::uint8_t> reply_;
  std::uint16_t id_ = 0;
  bool overTcp_ = false;
  std::chrono::steady_clock::time_point started_;
  std::chrono::milliseconds timeout_{0};
};

DnsProbe::DnsProbe(asio::io_context& io, const DnsProbeOptions& options) : io_(io) {
  auto spec = std::make_shared<Spec>();
  std::string name = options.queryName;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name.empty() || name.back() != '.') {
    name += '.';
  }
  const std::string where = "dns probe of " + name + ": ";
  if (options.port == 0) {
    throw std::invalid_argument(where + "port 0");
  }
  spec->server = udp::endpoint(options.server, options.port);
  std::ostringstream display;
  display << tcp::endpoint(options.server, options.port);
  spec->display = display.str();
  spec->type = ldns_get_rr_type_by_name(options.queryType.c_str());
  if (spec->type == 0) {
    throw std::invalid_argument(where + "unknown query type \"" + options.queryType + "\"");
  }
  spec->typeName = options.queryType;
  auto rcode = std::find(kRcodes.begin(), kRcodes.end(), options.expectRcode);
  if (rcode == kRcodes.end()) {
    throw std::invalid_argument(where + "unknown rcode \"" + options.expectRcode + "\"");
  }
  spec->expectRcode = static_cast<int>(rcode - kRcodes.begin());
  if (options.expectAnswer) {
    re2::RE2::Options reOptions;
    reOptions.set_log_errors(false);
    auto re = std::make_unique<const re2::RE2>(*options.expectAnswer, reOptions);
    if (!re->ok()) {
      throw std::invalid_argument(where + "bad expect_answer: " + re->error());
    }
    spec->expectAnswer = std::move(re);
  }
  ldns_rdf* owner = nullptr;
  if (ldns_str2rdf_dname(&owner, name.c_str()) != LDNS_STATUS_OK || owner == nullptr) {
    throw std::invalid_argument(where + "bad query name");
  }
  spec->name = owned(ldns_rdf2str(owner));
  std::transform(spec->name.begin(), spec->name.end(), spec->name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  PktPtr query(ldns_pkt_query_new(owner, spec->type, LDNS_RR_CLASS_IN, LDNS_RD));
  if (!query) {
    throw std::invalid_argument(where + "cannot build the query");
  }
  ldns_pkt_set_id(query.get(), 0);
  ldns_pkt_set_edns_udp_size(query.get(), kEdnsUdpSize);
  std::uint8_t* wire = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&wire, query.get(), &size) != LDNS_STATUS_OK || wire == nullptr) {
    throw std::invalid_argument(where + "cannot build the query");
  }
  spec->query.assign(wire, wire + size);
  std::free(wire);
  spec->question = options.queryType + " " + spec->name;
  spec_ = std::move(spec);
}

DnsProbe::~DnsProbe() {
  cancel();
}

void DnsProbe::start(std::chrono::milliseconds timeout, ResultCallback done) {
  auto attempt = std::make_shared<Attempt>(io_, spec_, std::move(done));
  current_ = attempt;
  attempt->run(timeout);
}

std::optional<std::string> DnsProbe::judgeReply(std::uint16_t id, const std::uint8_t* wire,
                                                std::size_t size) const {
  ldns_pkt* parsed = nullptr;
  ldns_status status = ldns_wire2pkt(&parsed, wire, size);
  PktPtr reply(parsed);
  if (status != LDNS_STATUS_OK || !reply) {
    return "malformed reply from " + spec_->display + ": " + ldns_get_errorstr_by_id(status);
  }
  if (!isReplyTo(*spec_, id, reply.get())) {
    return "reply from " + spec_->display + " does not answer the query (" + spec_->question + ")";
  }
  return judgeAnswer(*spec_, reply.get());
}

void DnsProbe::cancel() {
  if (auto attempt = current_.lock()) {
    attempt->cancel();
  }
}

}  // namespace planb::probes
