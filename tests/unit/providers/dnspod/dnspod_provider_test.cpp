// DnspodProvider through a scripted transport: signed JSON requests, the envelope, paging, the
// read-first compare, the minimum TTL, and every error-code branch.

#include <doctest/doctest.h>

#include "dnspod_fixture.hpp"

using namespace planb::net;
using namespace planb::providers;
using namespace planb::testing::dnspod;
using planb::testing::reply;

TEST_CASE("a read POSTs a TC3-signed DescribeRecordList for the name's Subdomain to /") {
  DnspodFixture f;
  f.answer([](const std::string&, const Json&) {
    return dnspodList(Json::array({dnspodRecord(1001, "www", "CNAME", "App.AWS.example.net.")}));
  });
  DnspodProvider provider = f.make();
  CHECK(provider.type() == "dnspod");
  CHECK(provider.name() == "pod");
  CHECK_FALSE(provider.capabilities().compare_and_swap);

  ServedRecord www = dnspodServed(provider.read(kDnspodWww));
  CHECK(www.kind == ServedRecord::Kind::Cname);
  CHECK(www.target == "app.aws.example.net.");
  CHECK(www.ttl == 600);

  REQUIRE(f.transport->requests.size() == 1);
  const HttpRequest& request = f.transport->requests[0];
  CHECK(request.method == "POST");
  CHECK(request.url == kEndpoint);
  CHECK(dnspodHeader(request, "Host") == "dnspod.test");
  CHECK(dnspodHeader(request, "Content-Type") == "application/json; charset=utf-8");
  CHECK(dnspodHeader(request, "X-TC-Action") == "DescribeRecordList");
  CHECK(dnspodHeader(request, "X-TC-Version") == "2021-03-23");
  CHECK(dnspodHeader(request, "X-TC-Timestamp") ==
        std::to_string(tc3Timestamp(f.clock->wallNow())));
  CHECK(
      dnspodHeader(request, "Authorization").rfind("TC3-HMAC-SHA256 Credential=" + kSecretId, 0) ==
      0);
  CHECK(dnspodHeader(request, "X-TC-Token").empty());
  CHECK(request.body.find(kSecretKey) == std::string::npos);
  CHECK(f.calls[0].params ==
        Json{{"Domain", "example.com"}, {"Subdomain", "www"}, {"Offset", 0}, {"Limit", 3000}});
}

TEST_CASE("the default endpoint is dnspod.tencentcloudapi.com, and an override keeps its port") {
  DnspodFixture f;
  SUBCASE("default") {
    f.config.endpoint.reset();
    f.make().read(kDnspodWww);
    CHECK(f.transport->requests.at(0).url == "https://dnspod.tencentcloudapi.com/");
    CHECK(dnspodHeader(f.transport->requests.at(0), "Host") == "dnspod.tencentcloudapi.com");
  }
  SUBCASE("override") {
    f.config.endpoint = "http://127.0.0.1:8080";
    f.make().read(kDnspodWww);
    CHECK(f.transport->requests.at(0).url == "http://127.0.0.1:8080/");
    CHECK(dnspodHeader(f.transport->requests.at(0), "Host") == "127.0.0.1:8080");
  }
}

TEST_CASE("temporary credentials send the token file's token as X-TC-Token, re-read on change") {
  DnspodFixture f;
  f.config.settings.token_file = f.writeSecret("token", "sts-token-one");
  f.answer([](const std::string&, const Json&) { return dnspodNoRecords(); });
  DnspodProvider provider = f.make();
  provider.read(kDnspodWww);
  f.writeSecret("token.new", "sts-token-two-longer");
  std::rename((f.dir.path() + "/token.new").c_str(), f.config.settings.token_file.c_str());
  provider.read(kDnspodWww);
  REQUIRE(f.calls.size() == 2);
  CHECK(f.calls[0].token == "sts-token-one");
  CHECK(f.calls[1].token == "sts-token-two-longer");
}

TEST_CASE("ResourceNotFound.NoDataOfRecord is an absent name, and the apex is Subdomain @") {
  DnspodFixture f;
  f.answer([](const std::string&, const Json& p) {
    if (p.at("Subdomain") == "@") {
      return dnspodList(Json::array({dnspodRecord(1, "@", "CNAME", "apex.example.net.")}));
    }
    return dnspodNoRecords();
  });
  DnspodProvider provider = f.make();
  CHECK(dnspodServed(provider.read({"example.com.", "example.com."})).target ==
        "apex.example.net.");
  CHECK(dnspodServed(provider.read(kDnspodWww)).kind == ServedRecord::Kind::Absent);
}

TEST_CASE("anything but one enabled default-line CNAME at the name is a conflict") {
  DnspodFixture f;
  Json listed;
  f.answer([&listed](const std::string&, const Json&) { return dnspodList(listed); });
  DnspodProvider provider = f.make();
  SUBCASE("another type") {
    listed = Json::array({dnspodRecord(1, "www", "A", "192.0.2.1")});
    ServedRecord r = dnspodServed(provider.read(kDnspodWww));
    CHECK(r.kind == ServedRecord::Kind::Conflict);
    CHECK(r.conflict_type == "A");
  }
  SUBCASE("a CNAME on an ISP line") {
    listed = Json::array({dnspodRecord(1, "www", "CNAME", "a.example.net.", 600, "电信", "10=0")});
    ServedRecord r = dnspodServed(provider.read(kDnspodWww));
    CHECK(r.kind == ServedRecord::Kind::Conflict);
    CHECK(r.conflict_type == "CNAME (line 电信)");
  }
  SUBCASE("a disabled CNAME") {
    listed = Json::array(
        {dnspodRecord(1, "www", "CNAME", "a.example.net.", 600, "默认", "0", "DISABLE")});
    CHECK(dnspodServed(provider.read(kDnspodWww)).conflict_type == "CNAME (disabled)");
  }
  SUBCASE("the international site's Default line is the default line") {
    listed = Json::array({dnspodRecord(1, "www", "CNAME", "a.example.net.", 600, "Default", "0")});
    CHECK(dnspodServed(provider.read(kDnspodWww)).kind == ServedRecord::Kind::Cname);
  }
  SUBCASE("a record of another label the filter let through is ignored") {
    listed = Json::array({dnspodRecord(1, "www.a", "A", "192.0.2.1")});
    CHECK(dnspodServed(provider.read(kDnspodWww)).kind == ServedRecord::Kind::Absent);
  }
}

TEST_CASE("a listing is read page by page with Offset until TotalCount records have come") {
  DnspodFixture f;
  f.answer([](const std::string&, const Json& p) {
    int offset = p.at("Offset").get<int>();
    Json all = Json::array({dnspodRecord(1, "www", "TXT", "a"), dnspodRecord(2, "www", "TXT", "b"),
                            dnspodRecord(3, "www", "A", "192.0.2.1")});
    Json page = Json::array();
    for (int i = offset; i < std::min(offset + 2, 3); ++i) {
      page.push_back(all[static_cast<std::size_t>(i)]);
    }
    return dnspodList(page, 3);
  });
  DnspodOptions options;
  options.page_size = 2;
  DnspodProvider provider = f.make(options);
  ServedRecord r = dnspodServed(provider.read(kDnspodWww));
  CHECK(r.kind == ServedRecord::Kind::Conflict);
  REQUIRE(f.calls.size() == 2);
  CHECK(f.calls[0].params.at("Offset") == 0);
  CHECK(f.calls[1].params.at("Offset") == 2);
  CHECK(f.calls[1].params.at("Limit") == 2);
}

TEST_CASE("a listing that never ends is refused after max_pages") {
  DnspodFixture f;
  f.answer([](const std::string&, const Json&) {
    return dnspodList(Json::array({dnspodRecord(1, "x", "TXT", "a")}), 1000);
  });
  DnspodOptions options;
  options.page_size = 1;
  options.max_pages = 3;
  DnspodProvider provider = f.make(options);
  Error e = dnspodFailed(provider.read(kDnspodWww));
  CHECK(e.kind == ErrorKind::Permanent);
  CHECK(e.message.find("more than 3 pages") != std::string::npos);
  CHECK(f.calls.size() == 3);
}

TEST_CASE("a replace modifies the CNAME by RecordId, keeping its line, weight, status and remark") {
  DnspodFixture f;
  f.answer([](const std::string& action, const Json&) {
    if (action == "DescribeRecordList") {
      Json r = dnspodRecord(162, "www", "CNAME", "primary.example.net.", 600);
      r["Weight"] = 20;
      r["Remark"] = "managed by planb";
      return dnspodList(Json::array({r}));
    }
    if (action == "DescribeDomainPurview") {
      return dnspodPurview(1);
    }
    return dnspodOk({{"RecordId", 162}});
  });
  DnspodProvider provider = f.make();
  auto done = provider.replace(dnspodSwap("backup.example.net.", "primary.example.net.", 60));
  REQUIRE(std::holds_alternative<Unit>(done));
  auto modify = f.callsOf("ModifyRecord");
  REQUIRE(modify.size() == 1);
  CHECK(modify[0].params == Json{{"Domain", "example.com"},
                                 {"RecordId", 162},
                                 {"SubDomain", "www"},
                                 {"RecordType", "CNAME"},
                                 {"RecordLine", "默认"},
                                 {"RecordLineId", "0"},
                                 {"Value", "backup.example.net."},
                                 {"TTL", 60},
                                 {"Weight", 20},
                                 {"Status", "ENABLE"},
                                 {"Remark", "managed by planb"}});
}

TEST_CASE("an absent name gets a CreateRecord on the default line, LineId 0") {
  DnspodFixture f;
  f.answer([](const std::string& action, const Json&) {
    if (action == "DescribeRecordList") {
      return dnspodNoRecords();
    }
    if (action == "DescribeDomainPurview") {
      return dnspodPurview(1);
    }
    return dnspodOk({{"RecordId", 163}});
  });
  DnspodProvider provider = f.make();
  REQUIRE(std::holds_alternative<Unit>(
      provider.replace(dnspodSwap("backup.example.net.", std::nullopt, 60))));
  auto create = f.callsOf("CreateRecord");
  REQUIRE(create.size() == 1);
  CHECK(create[0].params == Json{{"Domain", "example.com"},
                                 {"SubDomain", "www"},
                                 {"RecordType", "CNAME"},
                                 {"RecordLine", "默认"},
                                 {"RecordLineId", "0"},
                                 {"Value", "backup.example.net."},
                                 {"TTL", 60}});
}

TEST_CASE("a served value other than the expected one is a conflict and nothing is written") {
  DnspodFixture f;
  f.answer([](const std::string&, const Json&) {
    return dnspodList(Json::array({dnspodRecord(1, "www", "CNAME", "other.example.net.")}));
  });
  DnspodProvider provider = f.make();
  Error e =
      dnspodFailed(provider.replace(dnspodSwap("backup.example.net.", "primary.example.net.")));
  CHECK(e.kind == ErrorKind::Conflict);
  CHECK(f.actions() == std::vector<std::string>{"DescribeRecordList"});
}

TEST_CASE("the wanted CNAME and TTL already served send nothing") {
  DnspodFixture f;
  f.answer([](const std::string&, const Json&) {
    return dnspodList(Json::array({dnspodRecord(1, "www", "CNAME", "backup.example.net.", 600)}));
  });
  DnspodProvider provider = f.make();
  REQUIRE(std::holds_alternative<Unit>(
      provider.replace(dnspodSwap("backup.example.net.", "primary.example.net.", 600))));
  CHECK(f.actions() == std::vector<std::string>{"DescribeRecordList"});
}

TEST_CASE("a TTL below the plan's minimum is written with the minimum DescribeDomainPurview says") {
  DnspodFixture f;
  f.answer([](const std::string& action, const Json&) {
    if (action == "DescribeRecordList") {
      return dnspodList(Json::array({dnspodRecord(7, "www", "CNAME", "primary.example.net.")}));
    }
    if (action == "DescribeDomainPurview") {
      return dnspodPurview(600);
    }
    return dnspodOk({{"RecordId", 7}});
  });
  DnspodProvider provider = f.make();
  auto results =
      provider.replaceBatch({dnspodSwap("backup.example.net.", "primary.example.net.", 60)});
  REQUIRE(results.size() == 1);
  Written w = dnspodValue(results[0]);
  CHECK(w.raised_ttl == 600);
  CHECK(f.callsOf("ModifyRecord").at(0).params.at("TTL") == 600);
  // Learned once per zone.
  provider.replaceBatch({dnspodSwap("primary.example.net.", "primary.example.net.", 60)});
  CHECK(f.callsOf("DescribeDomainPurview").size() == 1);
}

TEST_CASE("LimitExceeded.RecordTtlLimit relearns the minimum and writes once more with it") {
  DnspodFixture f;
  int purviews = 0;
  f.answer([&purviews](const std::string& action, const Json& p) {
    if (action == "DescribeRecordList") {
      return dnspodList(Json::array({dnspodRecord(7, "www", "CNAME", "primary.example.net.")}));
    }
    if (action == "DescribeDomainPurview") {
      return ++purviews == 1 ? dnspodPurview(1) : dnspodPurview(300);
    }
    if (p.at("TTL").get<int>() < 300) {
      return dnspodFailure("LimitExceeded.RecordTtlLimit", "记录的TTL值超出了限制。");
    }
    return dnspodOk({{"RecordId", 7}});
  });
  DnspodProvider provider = f.make();
  auto results =
      provider.replaceBatch({dnspodSwap("backup.example.net.", "primary.example.net.", 60)});
  CHECK(dnspodValue(results.at(0)).raised_ttl == 300);
  auto modify = f.callsOf("ModifyRecord");
  REQUIRE(modify.size() == 2);
  CHECK(modify[1].params.at("TTL") == 300);
}

TEST_CASE("a refused TTL with no minimum to learn is written with the free plan's 600") {
  DnspodFixture f;
  f.answer([](const std::string& action, const Json& p) {
    if (action == "DescribeRecordList") {
      return dnspodList(Json::array({dnspodRecord(7, "www", "CNAME", "primary.example.net.")}));
    }
    if (action == "DescribeDomainPurview") {
      return dnspodFailure("UnauthorizedOperation", "CAM denied");
    }
    if (p.at("TTL").get<int>() < 600) {
      return dnspodFailure("LimitExceeded.RecordTtlLimit", "记录的TTL值超出了限制。");
    }
    return dnspodOk({{"RecordId", 7}});
  });
  DnspodProvider provider = f.make();
  auto results =
      provider.replaceBatch({dnspodSwap("backup.example.net.", "primary.example.net.", 60)});
  CHECK(dnspodValue(results.at(0)).raised_ttl == 600);
}

TEST_CASE("InvalidParameter.DomainRecordExist is a success once a re-read shows the target") {
  DnspodFixture f;
  int lists = 0;
  f.answer([&lists](const std::string& action, const Json&) {
    if (action == "DescribeRecordList") {
      return ++lists == 1 ? dnspodNoRecords()
                          : dnspodList(Json::array(
                                {dnspodRecord(9, "www", "CNAME", "backup.example.net.", 600)}));
    }
    if (action == "DescribeDomainPurview") {
      return dnspodPurview(1);
    }
    return dnspodFailure("InvalidParameter.DomainRecordExist", "记录已经存在，无需再次添加。");
  });
  DnspodProvider provider = f.make();
  CHECK(std::holds_alternative<Unit>(
      provider.replace(dnspodSwap("backup.example.net.", std::nullopt, 600))));
}

TEST_CASE("DomainRecordExist while the name serves something else is a conflict") {
  DnspodFixture f;
  int lists = 0;
  f.answer([&lists](const std::string& action, const Json&) {
    if (action == "DescribeRecordList") {
      return ++lists == 1 ? dnspodNoRecords()
                          : dnspodList(Json::array(
                                {dnspodRecord(9, "www", "CNAME", "other.example.net.", 600)}));
    }
    if (action == "DescribeDomainPurview") {
      return dnspodPurview(1);
    }
    return dnspodFailure("InvalidParameter.DomainRecordExist", "记录已经存在，无需再次添加。");
  });
  DnspodProvider provider = f.make();
  CHECK(dnspodFailed(provider.replace(dnspodSwap("backup.example.net.", std::nullopt, 600))).kind ==
        ErrorKind::Conflict);
}

TEST_CASE("a RecordId gone between the read and the write is a conflict") {
  DnspodFixture f;
  f.answer([](const std::string& action, const Json&) {
    if (action == "DescribeRecordList") {
      return dnspodList(Json::array({dnspodRecord(7, "www", "CNAME", "primary.example.net.")}));
    }
    if (action == "DescribeDomainPurview") {
      return dnspodPurview(1);
    }
    return dnspodFailure("InvalidParameter.RecordIdInvalid", "记录编号错误。");
  });
  DnspodProvider provider = f.make();
  CHECK(dnspodFailed(provider.replace(dnspodSwap("backup.example.net.", "primary.example.net.")))
            .kind == ErrorKind::Conflict);
}

TEST_CASE("error codes map to error kinds, auth ones with advice naming the file, never a secret") {
  DnspodFixture f;
  std::string code;
  f.answer([&code](const std::string&, const Json&) {
    return dnspodFailure(code, "The SecretId " + kSecretId + " is not found.");
  });
  DnspodProvider provider = f.make();
  auto kindOf = [&](const std::string& c) {
    code = c;
    return dnspodFailed(provider.read(kDnspodWww));
  };
  Error missing = kindOf("AuthFailure.SecretIdNotFound");
  CHECK(missing.kind == ErrorKind::Auth);
  CHECK(missing.message.find("secret_id_file " + f.config.settings.secret_id_file) !=
        std::string::npos);
  CHECK(missing.message.find("AuthFailure.SecretIdNotFound") != std::string::npos);
  CHECK(kindOf("AuthFailure.InvalidSecretId").kind == ErrorKind::Auth);
  Error signature = kindOf("AuthFailure.SignatureFailure");
  CHECK(signature.message.find("secret_key_file") != std::string::npos);
  CHECK(kindOf("AuthFailure.SignatureExpire").message.find("clock") != std::string::npos);
  CHECK(kindOf("AuthFailure.TokenFailure").message.find("token_file") != std::string::npos);
  CHECK(kindOf("UnauthorizedOperation").kind == ErrorKind::Auth);
  CHECK(kindOf("OperationDenied.NoPermissionToOperateDomain").kind == ErrorKind::Auth);
  CHECK(kindOf("RequestLimitExceeded").kind == ErrorKind::RateLimited);
  CHECK(kindOf("RequestLimitExceeded.UinLimitExceeded").kind == ErrorKind::RateLimited);
  CHECK(kindOf("InternalError").kind == ErrorKind::Transient);
  CHECK(kindOf("FailedOperation.TemporaryError").kind == ErrorKind::Transient);
  CHECK(kindOf("InvalidParameterValue.DomainNotExists").kind == ErrorKind::NotFound);
  CHECK(kindOf("FailedOperation.DomainIsLocked").kind == ErrorKind::Refused);
  CHECK(kindOf("InvalidParameter.SubdomainInvalid").kind == ErrorKind::Permanent);
  CHECK(kindOf("LimitExceeded.SubdomainRollLimit").kind == ErrorKind::Permanent);
  // A non-auth message is quoted, with the SecretId it names scrubbed.
  Error quoted = kindOf("InvalidParameter.ParamInvalid");
  CHECK(quoted.message.find("***") != std::string::npos);
  CHECK(quoted.message.find("RequestId") != std::string::npos);
}

TEST_CASE("a reply that is not the Response envelope fails by its HTTP status") {
  DnspodFixture f;
  long status = 200;
  std::string body;
  f.transport->answer(
      [&](const HttpRequest&) { return Result<HttpResponse>(reply(status, body)); });
  DnspodProvider provider = f.make();
  status = 502;
  body = "<html>Bad Gateway</html>";
  CHECK(dnspodFailed(provider.read(kDnspodWww)).kind == ErrorKind::Transient);
  status = 200;
  body = "{\"Response\": 7}";
  Error e = dnspodFailed(provider.read(kDnspodWww));
  CHECK(e.kind == ErrorKind::Permanent);
  CHECK(e.message.find("no Response object") != std::string::npos);
  body = R"({"Response": {"RequestId": "x", "RecordList": "nope"}})";
  Error list = dnspodFailed(provider.read(kDnspodWww));
  CHECK(list.message.find("DescribeRecordList www.example.com.: malformed reply") !=
        std::string::npos);
}

TEST_CASE("name servers are DescribeDomain's DnspodNsList, canonical and sorted") {
  DnspodFixture f;
  f.answer([](const std::string& action, const Json& p) {
    CHECK(action == "DescribeDomain");
    CHECK(p == Json{{"Domain", "example.com"}});
    return dnspodOk({{"DomainInfo",
                      {{"DnspodNsList", Json::array({"source.dnspod.net", "low.dnspod.net"})},
                       {"ActualNsList", Json::array({"f1g1ns1.dnspod.net"})},
                       {"Domain", "example.com"}}}});
  });
  DnspodProvider provider = f.make();
  CHECK(dnspodValue(provider.nameServers("example.com.")) ==
        std::vector<std::string>{"low.dnspod.net.", "source.dnspod.net."});
}

TEST_CASE("a missing credential file stops the provider at construction") {
  DnspodFixture f;
  f.config.settings.secret_key_file = f.dir.path() + "/absent";
  CHECK_THROWS(f.make());
}

TEST_CASE("the default ceiling stays under DescribeRecordList's 100 requests per second") {
  CHECK(kDnspodCeiling.per_second + kDnspodCeiling.burst <= 100);
  CHECK(kDnspodCeiling.per_second >= 80);
}
