#include "aws/credential_sso.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "aws/endpoints.hpp"
#include "aws/secret_checks.hpp"
#include "aws/service.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_http_client.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::aws {
namespace {

using namespace std::chrono_literals;
using testing::FakeHttpClient;

constexpr const char* k_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* k_session = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";
constexpr const char* k_access_token = "aoaAAAAAGEXAMPLEBEARERTOKEN";
// hashlib.sha1(b"my-sso").hexdigest() and of b"https://my-sso-portal.awsapps.com/start".
constexpr const char* k_session_cache = "0ad374308c5a4e22f723adf10145eafad7c4031c.json";
constexpr const char* k_legacy_cache = "c7aaaf71fcc8777ae2475525ed049d39fe16c484.json";
constexpr const char* k_start_url = "https://my-sso-portal.awsapps.com/start";
constexpr std::int64_t k_expiration_ms = 1440593760123;  // 2015-08-26T12:56:00.123Z

constexpr const char* k_session_config = R"([profile dev]
sso_session = my-sso
sso_account_id = 123456789012
sso_role_name = GpuAdmin
region = eu-west-1

[sso-session my-sso]
sso_region = us-east-1
sso_start_url = https://my-sso-portal.awsapps.com/start
sso_registration_scopes = sso:account:access
)";

constexpr const char* k_legacy_config = R"([profile old]
sso_start_url = https://my-sso-portal.awsapps.com/start
sso_region = eu-central-1
sso_account_id = 210987654321
sso_role_name = Gpu+Admin@team
)";

std::string iso(TimePoint t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(t)));
}

std::string token_json(std::string expires_at) {
  return fmt::format(R"({{"startUrl": "{}", "region": "us-east-1", "accessToken": "{}",
                         "expiresAt": "{}", "refreshToken": "r"}})",
                     k_start_url, k_access_token, expires_at);
}

std::string role_json() {
  return fmt::format(R"({{"roleCredentials": {{"accessKeyId": "ASIASSO", "secretAccessKey": "{}",
                         "sessionToken": "{}", "expiration": {}}}}})",
                     k_secret, k_session, k_expiration_ms);
}

struct Fixture {
  testing::ScopedTempDir home;
  testing::FakeClock clock;
  FakeHttpClient http;
  Settings settings;

  Fixture() {
    settings.config_file = home.path() / ".aws/config";
    settings.credentials_file = home.path() / ".aws/credentials";
  }
  std::filesystem::path cache_dir() const { return default_sso_cache_dir(home.path()); }
  std::string config_path() const { return settings.config_file.string(); }
  void config(std::string_view text) { home.write(".aws/config", text); }
  void cache(std::string_view file, std::string_view text) {
    home.write(".aws/sso/cache/" + std::string(file), text);
  }
  void fresh_token(std::string_view file) { cache(file, token_json(iso(clock.now() + 1h))); }

  Result<Credentials> get(const std::string& profile) {
    auto files = load_profile_files(settings.config_file, settings.credentials_file);
    EXPECT_TRUE(files.has_value());
    if (!files) {
      return fail(files.error());
    }
    return credentials_from_sso(*files, find_profile(*files, profile), http, settings, clock,
                                cache_dir());
  }
  Credentials get_ok(const std::string& profile) {
    auto r = get(profile);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? *r : Credentials{};
  }
  Error get_error(const std::string& profile) {
    auto r = get(profile);
    EXPECT_FALSE(r.has_value());
    Error e = r ? Error{} : r.error();
    testing::expect_no_secrets(e, {k_secret, k_session, k_access_token});
    return e;
  }
};

TEST(CredentialSso, ProfileUsesSso) {
  Fixture f;
  f.config(std::string(k_session_config) + k_legacy_config + "[profile plain]\nregion = x\n");
  auto files = load_profile_files(f.settings.config_file, f.settings.credentials_file);
  ASSERT_TRUE(files.has_value());
  EXPECT_TRUE(profile_uses_sso(find_profile(*files, "dev")));
  EXPECT_TRUE(profile_uses_sso(find_profile(*files, "old")));
  EXPECT_FALSE(profile_uses_sso(find_profile(*files, "plain")));
}

TEST(CredentialSso, SessionProfileCallsGetRoleCredentialsWithTheBearerToken) {
  Fixture f;
  f.config(k_session_config);
  f.fresh_token(k_session_cache);
  f.http.add({"GET", "portal.sso.us-east-1.amazonaws.com", ""}, HttpResponse{200, {}, role_json()});
  Credentials c = f.get_ok("dev");
  EXPECT_EQ(c.access_key_id, "ASIASSO");
  EXPECT_EQ(c.secret_access_key, k_secret);
  EXPECT_EQ(c.session_token, k_session);
  EXPECT_EQ(c.expiration, TimePoint{std::chrono::milliseconds{k_expiration_ms}});
  EXPECT_EQ(c.source, "sso GpuAdmin in 123456789012 (profile dev)");
  auto requests = f.http.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].url,
            "https://portal.sso.us-east-1.amazonaws.com/federation/credentials"
            "?account_id=123456789012&role_name=GpuAdmin");
  EXPECT_EQ(find_header(requests[0].headers, "x-amz-sso_bearer_token"), k_access_token);
  for (const char* signed_header :
       {"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"}) {
    EXPECT_EQ(find_header(requests[0].headers, signed_header), std::nullopt) << signed_header;
  }
  EXPECT_TRUE(requests[0].body.empty());
}

TEST(CredentialSso, LegacyProfileHashesTheStartUrlAndEncodesTheQuery) {
  Fixture f;
  f.config(k_legacy_config);
  f.fresh_token(k_legacy_cache);
  f.http.add({}, HttpResponse{200, {}, role_json()});
  Credentials c = f.get_ok("old");
  EXPECT_EQ(c.source, "sso Gpu+Admin@team in 210987654321 (profile old)");
  ASSERT_EQ(f.http.requests().size(), 1u);
  EXPECT_EQ(f.http.requests()[0].url,
            "https://portal.sso.eu-central-1.amazonaws.com/federation/"
            "credentials?account_id=210987654321&role_name=Gpu%2BAdmin%40team");
}

TEST(CredentialSso, SessionProfileDoesNotReadTheLegacyCacheFile) {
  Fixture f;
  f.config(k_session_config);
  f.fresh_token(k_legacy_cache);  // the start URL's hash: not the session's
  Error e = f.get_error("dev");
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_NE(e.message.find(k_session_cache), std::string::npos) << e.message;
  EXPECT_TRUE(f.http.requests().empty());
}

TEST(CredentialSso, MissingTokenCacheSaysToLogIn) {
  Fixture f;
  f.config(k_session_config);
  Error e = f.get_error("dev");
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_EQ(e.message, "no SSO token for profile dev: " +
                           (f.cache_dir() / k_session_cache).string() + " does not exist");
  EXPECT_EQ(e.hint, "aws sso login --profile dev");
  EXPECT_TRUE(f.http.requests().empty());
}

TEST(CredentialSso, ExpiredTokenSaysToLogIn) {
  Fixture f;
  f.config(k_legacy_config);
  std::string expires_at = iso(f.clock.now());
  f.cache(k_legacy_cache, token_json(expires_at));
  Error e = f.get_error("old");
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_EQ(e.message, "the SSO token for profile old in " +
                           (f.cache_dir() / k_legacy_cache).string() + " expired at " + expires_at);
  EXPECT_EQ(e.hint, "aws sso login --profile old");
  EXPECT_TRUE(f.http.requests().empty());
}

TEST(CredentialSso, ExpiresAtWithUtcSuffixIsAccepted) {
  Fixture f;
  f.config(k_session_config);
  std::string utc = iso(f.clock.now() + 1h);
  utc.back() = 'U';
  f.cache(k_session_cache, token_json(utc + "TC"));
  f.http.add({}, HttpResponse{200, {}, role_json()});
  EXPECT_EQ(f.get_ok("dev").access_key_id, "ASIASSO");
  f.clock.advance(2h);
  EXPECT_EQ(f.get_error("dev").hint, "aws sso login --profile dev");
}

TEST(CredentialSso, UnreadableTokenCacheSaysToLogIn) {
  for (std::string body :
       {std::string("not json"), std::string(R"({"expiresAt": "2030-01-01T00:00:00Z"})"),
        std::string(R"({"accessToken": "aoaAAAAAGEXAMPLEBEARERTOKEN"})")}) {
    Fixture f;
    f.config(k_session_config);
    f.cache(k_session_cache, body);
    Error e = f.get_error("dev");
    EXPECT_EQ(e.kind, ErrorKind::auth);
    EXPECT_NE(e.message.find("is unreadable"), std::string::npos) << e.message;
    EXPECT_EQ(e.hint, "aws sso login --profile dev");
  }
}

TEST(CredentialSso, UnauthorizedFromThePortalSaysToLogIn) {
  Fixture f;
  f.config(k_session_config);
  f.fresh_token(k_session_cache);
  f.http.add(
      {}, HttpResponse{401,
                       {{"x-amzn-ErrorType", "UnauthorizedException:http://internal.amazon.com/"},
                        {"x-amzn-RequestId", "req-1"}},
                       R"({"message":"Session token not found or invalid"})"});
  Error e = f.get_error("dev");
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_EQ(e.http_status, 401);
  EXPECT_EQ(e.aws_code, "UnauthorizedException");
  EXPECT_EQ(e.request_id, "req-1");
  EXPECT_EQ(e.message,
            "SSO GetRoleCredentials for role GpuAdmin in account 123456789012 (profile "
            "dev) was refused (UnauthorizedException: Session token not found or "
            "invalid); the SSO session may have ended");
  EXPECT_EQ(e.hint, "aws sso login --profile dev");
}

TEST(CredentialSso, ForbiddenFromThePortalSaysToLogIn) {
  Fixture f;
  f.config(k_session_config);
  f.fresh_token(k_session_cache);
  f.http.add({}, HttpResponse{403, {}, R"({"__type":"ForbiddenException","message":"No access"})"});
  Error e = f.get_error("dev");
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_EQ(e.aws_code, "ForbiddenException");
  EXPECT_EQ(e.hint, "aws sso login --profile dev");
}

TEST(CredentialSso, OtherPortalErrorsAreClassifiedWithTheStatus) {
  Fixture f;
  f.config(k_session_config);
  f.fresh_token(k_session_cache);
  f.http.add({}, HttpResponse{429,
                              {{"x-amzn-ErrorType", "TooManyRequestsException"}},
                              R"({"message":"slow down"})"});
  Error e = f.get_error("dev");
  EXPECT_EQ(e.http_status, 429);
  EXPECT_EQ(e.aws_code, "TooManyRequestsException");
  EXPECT_EQ(e.kind, ErrorKind::throttled);
  EXPECT_TRUE(e.hint.empty());

  Fixture g;
  g.config(k_session_config);
  g.fresh_token(k_session_cache);
  g.http.add({}, HttpResponse{500, {}, std::string("<html>") + k_access_token});
  Error e500 = g.get_error("dev");
  EXPECT_EQ(e500.http_status, 500);
  EXPECT_EQ(e500.kind, ErrorKind::remote);
  EXPECT_EQ(e500.message,
            "SSO GetRoleCredentials for role GpuAdmin in account 123456789012 "
            "(profile dev): HTTP 500");
}

TEST(CredentialSso, MissingProfileKeysNameTheProfileAndLine) {
  Fixture f;
  f.config(
      "[profile dev]\nsso_session = my-sso\nsso_account_id = 1\n\n"
      "[sso-session my-sso]\nsso_region = us-east-1\nsso_start_url = u\n");
  Error e = f.get_error("dev");
  EXPECT_EQ(e.kind, ErrorKind::invalid_input);
  EXPECT_EQ(e.message, "profile dev uses SSO (sso_session at " + f.config_path() +
                           ":2) but does not set sso_role_name");

  f.config("[profile old]\nregion = x\nsso_start_url = u\n");
  e = f.get_error("old");
  EXPECT_EQ(e.kind, ErrorKind::invalid_input);
  EXPECT_EQ(e.message, "profile old uses SSO (sso_start_url at " + f.config_path() +
                           ":3) but does not set sso_region, sso_account_id, sso_role_name");
}

TEST(CredentialSso, MissingOrIncompleteSsoSessionSection) {
  Fixture f;
  f.config("[profile dev]\nsso_session = my-sso\nsso_account_id = 1\nsso_role_name = r\n");
  Error e = f.get_error("dev");
  EXPECT_EQ(e.kind, ErrorKind::invalid_input);
  EXPECT_EQ(e.message, "profile dev refers to [sso-session my-sso] (" + f.config_path() +
                           ":2), which " + f.config_path() + " does not have");

  f.config(
      "[profile dev]\nsso_session = my-sso\nsso_account_id = 1\nsso_role_name = r\n"
      "[sso-session my-sso]\nsso_start_url = u\n");
  e = f.get_error("dev");
  EXPECT_EQ(e.kind, ErrorKind::invalid_input);
  EXPECT_EQ(e.message, "[sso-session my-sso] (" + f.config_path() + ":5) does not set sso_region");
}

TEST(CredentialSso, ProfileKeysMustAgreeWithTheSsoSession) {
  Fixture f;
  f.config(std::string(k_session_config) +
           "[profile other]\nsso_session = my-sso\n"
           "sso_account_id = 1\nsso_role_name = r\nsso_region = eu-west-1\n");
  Error e = f.get_error("other");
  EXPECT_EQ(e.kind, ErrorKind::invalid_input);
  EXPECT_NE(e.message.find("sets sso_region"), std::string::npos) << e.message;
}

TEST(CredentialSso, EndpointOverridesApplyButNotEndpointUrlFlag) {
  Fixture f;
  f.config(k_session_config);
  f.fresh_token(k_session_cache);
  f.settings.endpoint_url_flag = "http://ec2-only:1";
  f.settings.service_endpoints["sso"] = "http://localhost:4566/";
  f.http.add({}, HttpResponse{200, {}, role_json()});
  f.get_ok("dev");
  ASSERT_EQ(f.http.requests().size(), 1u);
  EXPECT_EQ(
      f.http.requests()[0].url,
      "http://localhost:4566/federation/credentials?account_id=123456789012&role_name=GpuAdmin");
}

TEST(CredentialSso, AwsEndpointUrlSsoReachesTheSettings) {
  testing::ScopedTempDir home;
  SettingsInput input;
  input.home = home.path();
  input.env = env_from_map({{"AWS_ENDPOINT_URL_SSO", "http://sso-env:9"}});
  auto settings = load_settings(input);
  ASSERT_TRUE(settings.has_value()) << settings.error().message;
  EXPECT_EQ(resolve_endpoint(k_sso, "us-east-1", *settings), "http://sso-env:9");
  EXPECT_EQ(resolve_endpoint(k_sso, "us-east-1", Settings{}),
            "https://portal.sso.us-east-1.amazonaws.com");
}

TEST(CredentialSso, ReplyWithoutRoleCredentialsIsAnError) {
  Fixture f;
  f.config(k_session_config);
  f.fresh_token(k_session_cache);
  f.http.add({}, HttpResponse{200, {}, fmt::format(R"({{"secretAccessKey": "{}"}})", k_secret)});
  Error e = f.get_error("dev");
  EXPECT_EQ(e.kind, ErrorKind::remote);
  EXPECT_NE(e.message.find("no roleCredentials"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace gpubox::aws
