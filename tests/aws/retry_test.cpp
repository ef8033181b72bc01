#include "aws/retry.hpp"

#include <gtest/gtest.h>

#include "aws/client.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_http_client.hpp"

namespace gpubox::aws {
namespace {

using std::chrono::milliseconds;
using testing::FakeClock;
using testing::FakeHttpClient;

const char* k_throttled_xml =
    "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit "
    "exceeded.</Message></Error></Errors><RequestID>r1</RequestID></Response>";
const char* k_ok_xml =
    "<DescribeRegionsResponse><requestId>ok-1</requestId><regionInfo/></DescribeRegionsResponse>";

Error error_of(ErrorKind kind, bool retryable, std::string message = "x") {
  Error e;
  e.kind = kind;
  e.retryable = retryable;
  e.message = std::move(message);
  return e;
}

// An HttpClient that spends one second of fake time per request, like a slow network would.
class SlowHttp final : public HttpClient {
public:
  SlowHttp(HttpClient& inner, FakeClock& clock) : m_inner(inner), m_clock(clock) {}
  Result<HttpResponse> send(const HttpRequest& r) override {
    m_clock.advance(std::chrono::seconds{1});
    return m_inner.send(r);
  }

private:
  HttpClient& m_inner;
  FakeClock& m_clock;
};

struct Harness {
  explicit Harness(int max_attempts = 3, double random = 0.5) {
    settings.region = "us-east-1";
    settings.max_attempts = max_attempts;
    client = std::make_unique<AwsClient>(ClientDeps{http, clock, creds, settings},
                                         [random] { return random; });
  }
  Result<std::string> call() { return client->query(k_ec2, "us-east-1", "DescribeRegions", {}); }

  FakeHttpClient http;
  FakeClock clock;
  StaticCredentialProvider creds{Credentials{"AKIDEXAMPLE", "secret", "", {}, "test"}};
  Settings settings;
  std::unique_ptr<AwsClient> client;
};

TEST(Retry, BackoffIsFullJitterDoublingFromOneSecond) {
  EXPECT_EQ(backoff_delay(1, 0.5), milliseconds{500});
  EXPECT_EQ(backoff_delay(2, 0.5), milliseconds{1000});
  EXPECT_EQ(backoff_delay(3, 0.25), milliseconds{1000});
  EXPECT_EQ(backoff_delay(3, 0.0), milliseconds{0});
}

TEST(Retry, BackoffIsCappedAtTwentySeconds) {
  EXPECT_EQ(backoff_delay(5, 0.5), milliseconds{8000});
  EXPECT_EQ(backoff_delay(6, 0.5), milliseconds{10000});
  EXPECT_EQ(backoff_delay(60, 0.5), milliseconds{10000});
  EXPECT_LE(backoff_delay(1000, 0.9999), k_max_backoff);
}

TEST(Retry, ShouldRetryOnlyRetryableErrorsBelowTheLimit) {
  EXPECT_TRUE(should_retry(error_of(ErrorKind::throttled, true), 1, 3));
  EXPECT_TRUE(should_retry(error_of(ErrorKind::throttled, true), 2, 3));
  EXPECT_FALSE(should_retry(error_of(ErrorKind::throttled, true), 3, 3));
  EXPECT_FALSE(should_retry(error_of(ErrorKind::capacity, false), 1, 3));
}

TEST(Retry, QuotaChargesFiveOrTenForTimeoutsAndRefusesWhenShort) {
  RetryQuota q(22);
  EXPECT_EQ(q.acquire(error_of(ErrorKind::throttled, true)), 5);
  EXPECT_EQ(q.acquire(error_of(ErrorKind::network, true, "Timeout was reached")), 10);
  EXPECT_EQ(q.available(), 7);
  EXPECT_EQ(q.acquire(error_of(ErrorKind::network, true, "Operation timed out")), std::nullopt);
  EXPECT_EQ(q.available(), 7);
  EXPECT_EQ(q.acquire(error_of(ErrorKind::remote, true)), 5);
  EXPECT_EQ(q.acquire(error_of(ErrorKind::remote, true)), std::nullopt);
}

TEST(Retry, QuotaRefundsOnSuccessAndNeverExceedsCapacity) {
  RetryQuota q(20);
  ASSERT_TRUE(q.acquire(error_of(ErrorKind::remote, true)));
  ASSERT_TRUE(q.acquire(error_of(ErrorKind::remote, true)));
  q.on_success(0);  // a first-time success refills one token
  EXPECT_EQ(q.available(), 11);
  q.on_success(10);  // refund of a retried request
  EXPECT_EQ(q.available(), 20);
  q.on_success(0);
  EXPECT_EQ(q.available(), 20);
}

TEST(Retry, ParsesHttpDatesAndComputesSkew) {
  auto t = parse_http_date("Wed, 26 Aug 2015 11:56:00 GMT");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->time_since_epoch(), std::chrono::seconds{1440590160});
  EXPECT_FALSE(parse_http_date("yesterday"));
  EXPECT_FALSE(parse_http_date("Wed, 31 Feb 2015 11:56:00 GMT"));
  EXPECT_FALSE(parse_http_date("Wed, 26 Aug 99999 11:56:00 GMT"));  // beyond the clock's range
  TimePoint now{std::chrono::seconds{1000000}};
  EXPECT_FALSE(corrected_clock_offset(now + std::chrono::minutes{4}, now, Duration{0}));
  EXPECT_EQ(corrected_clock_offset(now + std::chrono::minutes{10}, now, Duration{0}),
            Duration{std::chrono::minutes{10}});
  EXPECT_FALSE(corrected_clock_offset(now + std::chrono::minutes{10}, now,
                                      Duration{std::chrono::minutes{9}}));
}

TEST(Retry, SucceedsAfterThrottlingAndRecordsDelaysOnTheClock) {
  Harness h(3, 0.5);
  h.http.respond("DescribeRegions", 503, k_throttled_xml);
  h.http.respond("DescribeRegions", 503, k_throttled_xml);
  h.http.respond("DescribeRegions", 200, k_ok_xml);
  auto r = h.call();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, k_ok_xml);
  EXPECT_EQ(h.clock.sleeps, (std::vector<Duration>{milliseconds{500}, milliseconds{1000}}));
  EXPECT_EQ(h.http.requests().size(), 3u);
  EXPECT_EQ(h.client->retry_quota_available(), RetryQuota::k_capacity);
  EXPECT_TRUE(h.http.unused().empty());
}

TEST(Retry, GivesUpAfterMaxAttemptsWithTheLastError) {
  Harness h(3, 0.5);
  for (int i = 0; i < 4; ++i) {
    h.http.respond("DescribeRegions", 503, k_throttled_xml);
  }
  auto r = h.call();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::throttled);
  EXPECT_EQ(r.error().aws_code, "RequestLimitExceeded");
  EXPECT_EQ(h.http.requests().size(), 3u);
  EXPECT_EQ(h.clock.sleeps.size(), 2u);
  EXPECT_EQ(h.http.unused().size(), 1u);
}

TEST(Retry, DelaysGrowAndStopAtTheCap) {
  Harness h(8, 0.5);
  for (int i = 0; i < 8; ++i) {
    h.http.respond("DescribeRegions", 503, k_throttled_xml);
  }
  ASSERT_FALSE(h.call());
  std::vector<Duration> want{milliseconds{500},  milliseconds{1000}, milliseconds{2000},
                             milliseconds{4000}, milliseconds{8000}, milliseconds{10000},
                             milliseconds{10000}};
  EXPECT_EQ(h.clock.sleeps, want);
}

TEST(Retry, NonRetryableCodeIsReturnedAtOnce) {
  Harness h;
  h.http.respond("DescribeRegions", 500,
                 "<Response><Errors><Error><Code>InsufficientInstanceCapacity</Code><Message>no"
                 "</Message></Error></Errors></Response>");
  auto r = h.call();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::capacity);
  EXPECT_FALSE(r.error().retryable);
  EXPECT_EQ(h.http.requests().size(), 1u);
  EXPECT_TRUE(h.clock.sleeps.empty());
}

TEST(Retry, ServerErrorPageIsRetried) {
  Harness h;
  h.http.respond("DescribeRegions", 500, "<!doctype html><title>500 Internal Server Error</title>");
  h.http.respond("DescribeRegions", 200, k_ok_xml);
  ASSERT_TRUE(h.call());
  EXPECT_EQ(h.http.requests().size(), 2u);
  EXPECT_EQ(h.clock.sleeps.size(), 1u);
}

TEST(Retry, ConnectionErrorIsRetried) {
  Harness h;
  h.http.fail_network("DescribeRegions");
  h.http.respond("DescribeRegions", 200, k_ok_xml);
  ASSERT_TRUE(h.call());
  EXPECT_EQ(h.http.requests().size(), 2u);
}

TEST(Retry, QuotaExhaustionStopsRetrying) {
  Harness h(3, 0.0);
  // Each failing call spends two retries (10 tokens): 50 calls drain the 500-token bucket.
  for (int call = 0; call < 50; ++call) {
    for (int i = 0; i < 3; ++i) {
      h.http.respond("DescribeRegions", 503, k_throttled_xml);
    }
    ASSERT_FALSE(h.call());
  }
  EXPECT_EQ(h.client->retry_quota_available(), 0);
  EXPECT_EQ(h.http.requests().size(), 150u);
  h.http.respond("DescribeRegions", 503, k_throttled_xml);
  ASSERT_FALSE(h.call());
  EXPECT_EQ(h.http.requests().size(), 151u);  // no retry without quota
}

TEST(Retry, EveryAttemptIsSignedAgain) {
  FakeHttpClient fake;
  FakeClock clock;
  SlowHttp http(fake, clock);
  StaticCredentialProvider creds{Credentials{"AKIDEXAMPLE", "secret", "", {}, "test"}};
  Settings settings;
  AwsClient client(ClientDeps{http, clock, creds, settings}, [] { return 0.0; });
  fake.respond("DescribeRegions", 503, k_throttled_xml);
  fake.respond("DescribeRegions", 503, k_throttled_xml);
  fake.respond("DescribeRegions", 200, k_ok_xml);
  ASSERT_TRUE(client.query(k_ec2, "us-east-1", "DescribeRegions", {}));
  auto reqs = fake.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(find_header(reqs[0].headers, "X-Amz-Date"), "20150826T115600Z");
  EXPECT_EQ(find_header(reqs[1].headers, "X-Amz-Date"), "20150826T115601Z");
  EXPECT_EQ(find_header(reqs[2].headers, "X-Amz-Date"), "20150826T115602Z");
  EXPECT_NE(find_header(reqs[0].headers, "Authorization"),
            find_header(reqs[1].headers, "Authorization"));
}

TEST(Retry, JsonThrottlingExceptionIsRetriedWithBackoff) {
  Harness h(3, 0.5);
  const std::string target = "AmazonSSM.GetParameter";
  h.http.respond(target, 400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
  h.http.respond(target, 200, R"({"Parameter":{"Name":"/x","Value":"ami-1"}})");
  auto r = h.client->json(k_ssm, "us-east-1", "GetParameter", nlohmann::json{{"Name", "/x"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["Parameter"]["Value"], "ami-1");
  EXPECT_EQ(h.http.requests().size(), 2u);
  EXPECT_EQ(h.clock.sleeps, (std::vector<Duration>{milliseconds{500}}));
}

TEST(Retry, AccessDeniedIsAnAuthErrorSentOnce) {
  Harness h;
  h.http.respond("DescribeRegions", 403,
                 "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not "
                 "authorized to perform this operation.</Message></Error></Errors></Response>");
  auto r = h.call();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::auth);
  EXPECT_EQ(r.error().aws_code, "UnauthorizedOperation");
  EXPECT_FALSE(r.error().retryable);
  EXPECT_EQ(h.http.requests().size(), 1u);
  EXPECT_TRUE(h.clock.sleeps.empty());
}

TEST(Retry, MaxAttemptsOfOneNeverRetries) {
  Harness h(1, 0.5);
  h.http.respond("DescribeRegions", 503, k_throttled_xml);
  h.http.respond("DescribeRegions", 200, k_ok_xml);
  ASSERT_FALSE(h.call());
  EXPECT_EQ(h.http.requests().size(), 1u);
  EXPECT_TRUE(h.clock.sleeps.empty());
}

}  // namespace
}  // namespace gpubox::aws
