#include "aws/credential_container.hpp"

#include <gtest/gtest.h>

#include "aws/secret_checks.hpp"
#include "core/iso8601.hpp"
#include "fakes/fake_http_client.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::aws {
namespace {

using testing::FakeHttpClient;
using testing::HttpMatch;

constexpr const char* k_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* k_session = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";
constexpr const char* k_auth_token = "Bearer-EXAMPLE-AUTH-TOKEN";

std::string reply_json() {
  return std::string(R"({"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": ")") + k_secret +
         R"(", "Token": ")" + k_session +
         R"(", "Expiration": "2026-11-26T10:00:00Z", "RoleArn": "arn:aws:iam::1:role/task"})";
}

HttpResponse ok_reply(std::string body = reply_json()) {
  return HttpResponse{200, {}, std::move(body)};
}

struct Fixture {
  FakeHttpClient http;
  std::map<std::string, std::string> env;

  Result<std::optional<Credentials>> get() {
    return credentials_from_container(http, env_from_map(env));
  }
  Credentials get_ok() {
    auto r = get();
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    EXPECT_TRUE(r && r->has_value());
    return r && *r ? **r : Credentials{};
  }
  Error get_error() {
    auto r = get();
    EXPECT_FALSE(r.has_value());
    Error e = r ? Error{} : r.error();
    testing::expect_no_secrets(e, {k_secret, k_session, k_auth_token});
    return e;
  }
};

TEST(CredentialContainer, NotConfiguredIsNullopt) {
  Fixture f;
  f.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "  ";
  auto r = f.get();
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->has_value());
  EXPECT_TRUE(f.http.requests().empty());
}

TEST(CredentialContainer, RelativeUriFetchesFromTheEcsAgent) {
  Fixture f;
  f.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/6a2f-uuid";
  f.http.add({"GET", "169.254.170.2", ""}, ok_reply());
  Credentials c = f.get_ok();
  EXPECT_EQ(c.access_key_id, "ASIACONTAINER");
  EXPECT_EQ(c.secret_access_key, k_secret);
  EXPECT_EQ(c.session_token, k_session);
  EXPECT_EQ(c.expiration, parse_iso8601("2026-11-26T10:00:00Z"));
  EXPECT_EQ(c.source, "container credentials (169.254.170.2)");
  auto requests = f.http.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].url, "http://169.254.170.2/v2/credentials/6a2f-uuid");
  EXPECT_EQ(find_header(requests[0].headers, "Authorization"), std::nullopt);
}

TEST(CredentialContainer, RelativeUriWinsOverFullUri) {
  Fixture f;
  f.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/creds";
  f.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://localhost:8080/other";
  f.http.add({}, ok_reply());
  f.get_ok();
  ASSERT_EQ(f.http.requests().size(), 1u);
  EXPECT_EQ(f.http.requests()[0].url, "http://169.254.170.2/creds");
}

TEST(CredentialContainer, FullUriWithPodIdentityTokenFile) {
  Fixture f;
  testing::ScopedTempDir dir;
  auto token_file = dir.write("eks-pod-identity-token", std::string(k_auth_token) + "\n");
  f.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://169.254.170.23/v1/credentials";
  f.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = token_file.string();
  f.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "from-env";
  f.http.add({}, ok_reply());
  Credentials c = f.get_ok();
  EXPECT_EQ(c.source, "container credentials (169.254.170.23)");
  auto requests = f.http.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].url, "http://169.254.170.23/v1/credentials");
  EXPECT_EQ(find_header(requests[0].headers, "Authorization"), k_auth_token);
}

TEST(CredentialContainer, TokenFromTheEnvironmentWhenNoFile) {
  Fixture f;
  f.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "https://creds.example.com/role";
  f.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = k_auth_token;
  f.http.add({}, ok_reply());
  EXPECT_EQ(f.get_ok().source, "container credentials (creds.example.com)");
  EXPECT_EQ(find_header(f.http.requests()[0].headers, "Authorization"), k_auth_token);
}

TEST(CredentialContainer, UnreadableTokenFileNamesTheFile) {
  Fixture f;
  f.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1/creds";
  f.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = "/nonexistent/token";
  f.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = k_auth_token;
  Error e = f.get_error();
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_NE(e.message.find("/nonexistent/token"), std::string::npos) << e.message;
  EXPECT_TRUE(f.http.requests().empty());
}

TEST(CredentialContainer, TokenWithLineBreakIsRefused) {
  testing::ScopedTempDir dir;
  auto token_file = dir.write("token", std::string(k_auth_token) + "\r\nX-Injected: 1\n");
  for (bool from_file : {false, true}) {
    Fixture f;
    f.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1/creds";
    if (from_file) {
      f.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = token_file.string();
    } else {
      f.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = std::string(k_auth_token) + "\nX-Injected: 1";
    }
    Error e = f.get_error();
    EXPECT_EQ(e.kind, ErrorKind::auth);
    EXPECT_NE(e.message.find("line break"), std::string::npos) << e.message;
    EXPECT_TRUE(f.http.requests().empty());
  }
}

TEST(CredentialContainer, FullUriHostsAllowedOverHttp) {
  for (const char* url :
       {"http://127.0.0.1:8080/creds", "http://127.250.1.9/creds", "http://localhost/creds",
        "http://LOCALHOST:9911/creds", "http://[::1]:8080/creds", "http://169.254.170.2/creds",
        "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials",
        "http://[FD00:EC2:0::23]/v1/credentials", "https://anything.example.com/creds"}) {
    Fixture f;
    f.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = url;
    f.http.add({}, ok_reply());
    EXPECT_EQ(f.get_ok().access_key_id, "ASIACONTAINER") << url;
    ASSERT_EQ(f.http.requests().size(), 1u) << url;
    EXPECT_EQ(f.http.requests()[0].url, url);
  }
}

TEST(CredentialContainer, FullUriOtherHostsAreRefused) {
  for (const char* url :
       {"http://example.com/creds", "http://169.254.169.254/latest", "http://10.0.0.1/creds",
        "http://127.0.0.1.evil.example/creds", "http://localhost.evil.example/creds",
        "http://127.0.0.1@evil.example/creds", "http://[::2]/creds", "ftp://127.0.0.1/creds",
        "127.0.0.1/creds"}) {
    Fixture f;
    f.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = url;
    Error e = f.get_error();
    EXPECT_EQ(e.kind, ErrorKind::auth) << url;
    EXPECT_NE(e.message.find("AWS_CONTAINER_CREDENTIALS_FULL_URI"), std::string::npos) << url;
    EXPECT_TRUE(f.http.requests().empty()) << url;
  }
  Fixture f;
  f.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://example.com/creds";
  EXPECT_EQ(f.get_error().message,
            "container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI host 'example.com' is not "
            "allowed over http; use https, or a loopback address (127.0.0.0/8, [::1], localhost), "
            "169.254.170.2, 169.254.170.23 or [fd00:ec2::23]");
}

TEST(CredentialContainer, Non200IsAnAuthErrorWithTheStatusButNotTheBody) {
  Fixture f;
  f.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/creds";
  f.http.add({}, HttpResponse{500, {}, reply_json()});
  Error e = f.get_error();
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_EQ(e.http_status, 500);
  EXPECT_EQ(e.message,
            "container credentials (169.254.170.2): the endpoint refused the request (HTTP 500)");
}

TEST(CredentialContainer, NonJsonReplyIsAnAuthError) {
  Fixture f;
  f.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/creds";
  f.http.add({}, ok_reply(std::string("<html>") + k_secret));
  Error e = f.get_error();
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_EQ(e.message,
            "container credentials (169.254.170.2): the reply is not a JSON object (HTTP 200)");
}

TEST(CredentialContainer, ReplyWithoutKeyOrSecretIsAnError) {
  for (const char* body :
       {R"({"AccessKeyId": "ASIA", "Token": "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"})",
        R"({"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})"}) {
    Fixture f;
    f.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/creds";
    f.http.add({}, ok_reply(body));
    Error e = f.get_error();
    EXPECT_EQ(e.kind, ErrorKind::auth);
    EXPECT_NE(e.message.find("no AccessKeyId or no SecretAccessKey"), std::string::npos);
  }
}

TEST(CredentialContainer, OneNetworkErrorIsRetried) {
  Fixture f;
  f.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/creds";
  f.http.fail_network("");
  f.http.add({}, ok_reply());
  EXPECT_EQ(f.get_ok().access_key_id, "ASIACONTAINER");
  EXPECT_EQ(f.http.requests().size(), 2u);

  Fixture g;
  g.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/creds";
  g.http.fail_network("");
  g.http.fail_network("");
  g.http.add({}, ok_reply());
  Error e = g.get_error();
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_EQ(e.message, "container credentials (169.254.170.2): Couldn't connect to server");
  EXPECT_EQ(g.http.requests().size(), 2u);
}

}  // namespace
}  // namespace gpubox::aws
