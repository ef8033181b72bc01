#include "box/access/caller_ip.hpp"

#include <map>

#include <gtest/gtest.h>

#include "fakes/fake_http_client.hpp"

namespace gpubox::box {
namespace {

using testing::FakeHttpClient;
using testing::HttpMatch;

aws::HttpResponse reply(int status, std::string body) {
  aws::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

TEST(HttpCallerIpSource, GetsTheConfiguredUrlAndTrimsTheAnswer) {
  FakeHttpClient http;
  http.add(HttpMatch{"GET", "127.0.0.1:9", "", {}}, reply(200, "203.0.113.7\n"));
  HttpCallerIpSource source(http, "http://127.0.0.1:9/ip");
  auto ip = source.lookup();
  ASSERT_TRUE(ip) << ip.error().message;
  EXPECT_EQ(*ip, "203.0.113.7");
  ASSERT_EQ(http.requests().size(), 1u);
  EXPECT_EQ(http.requests()[0].url, "http://127.0.0.1:9/ip");
}

TEST(HttpCallerIpSource, RejectsAnAnswerThatIsNotAnAddress) {
  FakeHttpClient http;
  http.add(HttpMatch{}, reply(200, "<html>captive portal</html>"));
  HttpCallerIpSource source(http, "http://127.0.0.1:9/");
  auto ip = source.lookup();
  ASSERT_FALSE(ip);
  EXPECT_EQ(ip.error().kind, ErrorKind::remote);
  EXPECT_NE(ip.error().message.find("captive portal"), std::string::npos);
  EXPECT_NE(ip.error().hint.find("--allow-from"), std::string::npos);
}

TEST(HttpCallerIpSource, ReportsAnHttpErrorStatus) {
  FakeHttpClient http;
  http.add(HttpMatch{}, reply(503, "203.0.113.7"));
  HttpCallerIpSource source(http, "http://127.0.0.1:9/");
  auto ip = source.lookup();
  ASSERT_FALSE(ip);
  EXPECT_NE(ip.error().message.find("HTTP 503"), std::string::npos);
}

TEST(HttpCallerIpSource, KeepsTheNetworkErrorKindAndAddsAHint) {
  FakeHttpClient http;
  http.fail_network("");
  HttpCallerIpSource source(http, "http://127.0.0.1:9/");
  auto ip = source.lookup();
  ASSERT_FALSE(ip);
  EXPECT_EQ(ip.error().kind, ErrorKind::network);
  EXPECT_TRUE(ip.error().retryable);
  EXPECT_NE(ip.error().hint.find("GPUBOX_CALLER_IP"), std::string::npos);
}

TEST(MakeCallerIpSource, FixedAddressFromEnvironmentMakesNoRequest) {
  FakeHttpClient http;
  auto source = make_caller_ip_source(env_of({{"GPUBOX_CALLER_IP", " 2001:DB8::1 "}}), http);
  auto ip = source->lookup();
  ASSERT_TRUE(ip);
  EXPECT_EQ(*ip, "2001:db8::1");
  EXPECT_TRUE(http.requests().empty());
}

TEST(MakeCallerIpSource, BadFixedAddressNamesTheVariable) {
  FakeHttpClient http;
  auto ip = make_caller_ip_source(env_of({{"GPUBOX_CALLER_IP", "300.1.1.1"}}), http)->lookup();
  ASSERT_FALSE(ip);
  EXPECT_NE(ip.error().message.find("GPUBOX_CALLER_IP"), std::string::npos);
}

TEST(MakeCallerIpSource, UsesTheUrlFromTheEnvironmentElseTheDefault) {
  FakeHttpClient http;
  http.add(HttpMatch{}, reply(200, "198.51.100.1"));
  http.add(HttpMatch{}, reply(200, "198.51.100.2"));
  auto custom =
      make_caller_ip_source(env_of({{"GPUBOX_CALLER_IP_URL", "http://127.0.0.1:1/x"}}), http);
  auto fallback = make_caller_ip_source(env_of({}), http);
  ASSERT_TRUE(custom->lookup());
  ASSERT_TRUE(fallback->lookup());  // answered by the fake: nothing leaves the machine
  ASSERT_EQ(http.requests().size(), 2u);
  EXPECT_EQ(http.requests()[0].url, "http://127.0.0.1:1/x");
  EXPECT_EQ(http.requests()[1].url, k_default_caller_ip_url);
  EXPECT_EQ(http.requests()[1].method, "GET");
}

TEST(ToCidr32, MakesASingleAddressRange) {
  EXPECT_EQ(to_cidr32("203.0.113.7").value_or(""), "203.0.113.7/32");
  EXPECT_EQ(to_cidr32("2001:0db8:0000::0001").value_or(""), "2001:db8::1/128");
  auto bad = to_cidr32("203.0.113");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::invalid_input);
  EXPECT_FALSE(to_cidr32("203.0.113.7/32"));
}

TEST(ValidateCidr, NormalizesGoodRanges) {
  EXPECT_EQ(validate_cidr("10.0.0.0/8").value_or(""), "10.0.0.0/8");
  EXPECT_EQ(validate_cidr(" 198.51.100.4 ").value_or(""), "198.51.100.4/32");
  EXPECT_EQ(validate_cidr("2001:DB8::/32").value_or(""), "2001:db8::/32");
  EXPECT_EQ(validate_cidr("0.0.0.0/0").value_or(""), "0.0.0.0/0");
}

TEST(ValidateCidr, ExplainsMalformedRanges) {
  auto message = [](std::string_view cidr) {
    auto r = validate_cidr(cidr);
    EXPECT_FALSE(r) << cidr;
    return r ? std::string() : r.error().message;
  };
  EXPECT_NE(message("10.0.0/8").find("not an IPv4 or IPv6 address"), std::string::npos);
  EXPECT_NE(message("10.0.0.0/33").find("0 to 32"), std::string::npos);
  EXPECT_NE(message("10.0.0.0/").find("0 to 32"), std::string::npos);
  EXPECT_NE(message("10.0.0.0/8x").find("0 to 32"), std::string::npos);
  EXPECT_NE(message("::/129").find("0 to 128"), std::string::npos);
  EXPECT_NE(message("10.1.2.3/8").find("did you mean 10.0.0.0/8"), std::string::npos);
  EXPECT_NE(message("").find("invalid CIDR"), std::string::npos);
}

TEST(IsWorldOpen, RecognizesOnlyTheWholeInternet) {
  EXPECT_TRUE(is_world_open("0.0.0.0/0"));
  EXPECT_TRUE(is_world_open("::/0"));
  EXPECT_TRUE(is_world_open("0:0::0/0"));
  EXPECT_FALSE(is_world_open("0.0.0.0/1"));
  EXPECT_FALSE(is_world_open("203.0.113.7/32"));
  EXPECT_FALSE(is_world_open("garbage"));
}

TEST(IsWideOpen, AnythingWiderThanASlash24WarnsLikeTheWholeInternet) {
  for (const char* wide :
       {"0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/23", "::/0", "2001:db8::/48"}) {
    EXPECT_TRUE(is_wide_open(wide)) << wide;
  }
  for (const char* narrow : {"10.1.2.0/24", "203.0.113.7/32", "2001:db8::/64", "garbage"}) {
    EXPECT_FALSE(is_wide_open(narrow)) << narrow;
  }
  EXPECT_EQ(wide_open_words("0.0.0.0/0"), "the whole internet");
  EXPECT_EQ(wide_open_words("10.1.0.0/16"), "65536 addresses");
}

}  // namespace
}  // namespace gpubox::box
