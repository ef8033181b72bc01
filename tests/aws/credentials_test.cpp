#include "aws/credentials.hpp"

#include <filesystem>
#include <fstream>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "aws/credential_sources.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_process_runner.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::aws {
namespace {

using namespace std::chrono_literals;

constexpr const char* k_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

// Replays canned responses in order and records requests; never touches the network.
class StubHttpClient final : public HttpClient {
public:
  Result<HttpResponse> send(const HttpRequest& request) override {
    requests.push_back(request);
    if (next >= replies.size()) {
      ADD_FAILURE() << "unexpected HTTP request " << request.method << " " << request.url;
      return fail(ErrorKind::network, "no stub");
    }
    return replies[next++];
  }
  std::vector<HttpResponse> replies;
  std::vector<HttpRequest> requests;
  size_t next = 0;
};

std::string iso(TimePoint t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(t)));
}

// A home directory, environment, clock and edges for one provider under test.
struct Fixture {
  testing::ScopedTempDir home;
  std::map<std::string, std::string> env;
  testing::FakeClock clock;
  testing::FakeProcessRunner processes;
  StubHttpClient http;
  std::vector<std::pair<Credentials, AssumeRoleRequest>> assume_calls;
  std::vector<WebIdentityRequest> web_calls;
  std::filesystem::path role_cache_dir;   // empty: no cache between providers
  std::vector<std::string> questions;     // MFA prompts asked
  std::optional<std::string> mfa_answer;  // nullopt: nobody at the terminal
  Settings settings;

  Fixture() {
    settings.config_file = home.path() / ".aws/config";
    settings.credentials_file = home.path() / ".aws/credentials";
    settings.region = "eu-west-1";
    home.write("dmi/sys_vendor", "QEMU\n");
  }
  std::string config_path() const { return settings.config_file.string(); }
  std::string credentials_path() const { return settings.credentials_file.string(); }

  std::unique_ptr<CredentialProvider> provider() {
    AssumeRoleFn assume = [this](const Credentials& source, const AssumeRoleRequest& req) {
      assume_calls.emplace_back(source, req);
      return Result<Credentials>(Credentials{"ASIAROLE" + std::to_string(assume_calls.size()),
                                             "role-secret", "role-token", clock.now() + 1h, ""});
    };
    WebIdentityFn web = [this](const WebIdentityRequest& req) {
      web_calls.push_back(req);
      return Result<Credentials>(Credentials{"ASIAWEB" + std::to_string(web_calls.size()),
                                             "web-secret", "web-token", clock.now() + 1h, ""});
    };
    return make_default_credential_provider(
        settings,
        CredentialDeps{clock, processes, http, assume, env_from_map(env), home.path() / "dmi", web,
                       role_cache_dir, home.path() / ".aws/sso/cache",
                       [this](const std::string& question) -> Result<std::string> {
                         questions.push_back(question);
                         if (!mfa_answer) {
                           return fail(ErrorKind::auth, "stdin is not a terminal");
                         }
                         return *mfa_answer;
                       }});
  }
  Credentials get_ok() {
    auto r = provider()->get();
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? *r : Credentials{};
  }
  Error get_error() {
    auto r = provider()->get();
    EXPECT_FALSE(r.has_value());
    EXPECT_EQ((r ? std::string() : r.error().message).find(k_secret), std::string::npos);
    return r ? Error{} : r.error();
  }
};

TEST(CredentialChain, EnvironmentComesFirst) {
  Fixture f;
  f.home.write(".aws/credentials",
               "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = x\n");
  f.env = {{"AWS_ACCESS_KEY_ID", "AKIAENV"},
           {"AWS_SECRET_ACCESS_KEY", k_secret},
           {"AWS_SESSION_TOKEN", "tok"}};
  Credentials c = f.get_ok();
  EXPECT_EQ(c.access_key_id, "AKIAENV");
  EXPECT_EQ(c.session_token, "tok");
  EXPECT_EQ(c.source, "environment");
}

TEST(CredentialChain, HalfSetEnvironmentIsAnErrorWithoutTheSecret) {
  Fixture f;
  f.env = {{"AWS_SECRET_ACCESS_KEY", k_secret}};
  Error e = f.get_error();
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_EQ(e.message, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
}

TEST(CredentialChain, ExplicitProfileSkipsTheEnvironment) {
  Fixture f;
  f.home.write(".aws/credentials",
               "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = s\n");
  f.env = {{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}};
  f.settings.profile = "dev";
  f.settings.profile_explicit = true;
  Credentials c = f.get_ok();
  EXPECT_EQ(c.access_key_id, "AKIADEV");
  EXPECT_EQ(c.source, "profile dev in " + f.credentials_path());
}

TEST(CredentialChain, CredentialsFileKeysBeatConfigFileKeys) {
  Fixture f;
  f.home.write(".aws/config",
               "[profile dev]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = c\n");
  f.settings.profile = "dev";
  EXPECT_EQ(f.get_ok().source, "profile dev in " + f.config_path());
  f.home.write(".aws/credentials",
               "[dev]\naws_access_key_id = AKIACREDS\naws_secret_access_key = s\n"
               "aws_session_token = t\n");
  Credentials c = f.get_ok();
  EXPECT_EQ(c.access_key_id, "AKIACREDS");
  EXPECT_EQ(c.session_token, "t");
  EXPECT_EQ(c.source, "profile dev in " + f.credentials_path());
}

TEST(CredentialChain, PartialProfileKeysNameTheFileAndLine) {
  Fixture f;
  f.home.write(".aws/credentials",
               "[default]\n\naws_secret_access_key = " + std::string(k_secret) + "\n");
  Error e = f.get_error();
  EXPECT_EQ(e.message, "profile default sets aws_secret_access_key (" + f.credentials_path() +
                           ":3) but not aws_access_key_id");
}

TEST(CredentialChain, MalformedCredentialsFileIsAnErrorWithFileAndLine) {
  Fixture f;
  f.home.write(".aws/credentials", "[default]\naws_access_key_id AKIA\n");
  Error e = f.get_error();
  EXPECT_EQ(e.message.rfind(f.credentials_path() + ":2: ", 0), 0u) << e.message;
}

TEST(CredentialChain, NothingConfiguredIsAnAuthErrorWithAHint) {
  Fixture f;
  Error e = f.get_error();
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_NE(e.message.find("no AWS credentials"), std::string::npos);
  EXPECT_NE(e.message.find(f.credentials_path()), std::string::npos);
  EXPECT_FALSE(e.hint.empty());
  EXPECT_TRUE(f.http.requests.empty());  // not on EC2: IMDS is never asked
}

std::string process_json(TimePoint expiration) {
  return R"({"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": ")" +
         std::string(k_secret) + R"(", "SessionToken": "ptok", "Expiration": ")" + iso(expiration) +
         "\"}";
}

TEST(CredentialProcess, RunsTheSplitCommandAndParsesVersion1) {
  Fixture f;
  f.home.write(".aws/config",
               "[default]\ncredential_process = /opt/get-creds --account \"my acct\"\n");
  f.processes.expect({"/opt/get-creds", "--account", "my acct"},
                     {0, process_json(f.clock.now() + 1h), ""});
  Credentials c = f.get_ok();
  EXPECT_EQ(c.access_key_id, "ASIAPROC");
  EXPECT_EQ(c.secret_access_key, k_secret);
  EXPECT_EQ(c.session_token, "ptok");
  EXPECT_EQ(c.expiration, std::chrono::floor<std::chrono::seconds>(f.clock.now() + 1h));
  EXPECT_EQ(c.source, "credential_process (profile default)");
}

TEST(CredentialProcess, IsCachedUntilFiveMinutesBeforeExpiry) {
  Fixture f;
  f.home.write(".aws/config", "[default]\ncredential_process = get-creds\n");
  f.processes.expect({"get-creds"}, {0, process_json(f.clock.now() + 1h), ""});
  auto provider = f.provider();
  ASSERT_TRUE(provider->get().has_value());
  f.clock.advance(54min);
  ASSERT_TRUE(provider->get().has_value());
  EXPECT_EQ(f.processes.calls.size(), 1u);
  f.processes.expect({"get-creds"}, {0, process_json(f.clock.now() + 1h), ""});
  f.clock.advance(2min);  // 4 minutes left: refresh
  ASSERT_TRUE(provider->get().has_value());
  EXPECT_EQ(f.processes.calls.size(), 2u);
}

TEST(CredentialProcess, CredentialsFileKeysComeBeforeTheProcess) {
  Fixture f;
  f.home.write(".aws/config", "[default]\ncredential_process = get-creds\n");
  f.home.write(".aws/credentials",
               "[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n");
  EXPECT_EQ(f.get_ok().access_key_id, "AKIA");
  EXPECT_TRUE(f.processes.calls.empty());
}

TEST(CredentialProcess, FailureReportsExitCodeAndStderr) {
  Fixture f;
  f.home.write(".aws/config", "[default]\ncredential_process = get-creds\n");
  f.processes.expect({"get-creds"}, {2, k_secret, "token expired, run sso login\nmore\n"});
  Error e = f.get_error();
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_EQ(e.message,
            "credential_process (profile default) failed with exit code 2: token "
            "expired, run sso login");
}

TEST(CredentialProcess, BadOutputIsAnErrorThatNeverEchoesIt) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string("not json ") + k_secret, "did not print a JSON object"},
      {R"({"Version": 2, "AccessKeyId": "A", "SecretAccessKey": ")" + std::string(k_secret) + "\"}",
       "must print \"Version\": 1"},
      {R"({"Version": 1, "SecretAccessKey": ")" + std::string(k_secret) + "\"}",
       "printed no AccessKeyId or no SecretAccessKey"},
      {R"({"Version": 1, "AccessKeyId": 7, "SecretAccessKey": ")" + std::string(k_secret) + "\"}",
       "printed no AccessKeyId or no SecretAccessKey"},
      {R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "B", "Expiration": "soon"})",
       "printed an Expiration that is not an ISO 8601 time"},
  };
  for (const auto& [output, expected] : cases) {
    Fixture f;
    f.home.write(".aws/config", "[default]\ncredential_process = get-creds\n");
    f.processes.expect({"get-creds"}, {0, output, ""});
    Error e = f.get_error();
    EXPECT_EQ(e.message, "credential_process (profile default) " + expected);
  }
}

TEST(CredentialProcess, AProgramThatCannotStartIsAnAuthError) {
  Fixture f;
  f.home.write(".aws/config", "[default]\ncredential_process = missing-tool\n");
  Error not_found;
  not_found.kind = ErrorKind::not_found;
  not_found.message = "cannot run `missing-tool`: No such file or directory";
  f.processes.expect_error({"missing-tool"}, not_found);
  Error e = f.get_error();
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_NE(e.message.find("could not run: cannot run `missing-tool`"), std::string::npos);
}

TEST(AssumeRole, UsesTheSourceProfileAndPassesTheRequest) {
  Fixture f;
  f.home.write(
      ".aws/config",
      "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\n"
      "external_id = ext\nrole_session_name = me\nduration_seconds = 1800\n");
  f.home.write(".aws/credentials",
               "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = b\n");
  f.settings.profile = "dev";
  Credentials c = f.get_ok();
  EXPECT_EQ(c.access_key_id, "ASIAROLE1");
  EXPECT_EQ(c.source, "assume-role arn:aws:iam::123456789012:role/dev via profile base");
  ASSERT_EQ(f.assume_calls.size(), 1u);
  const auto& [source, req] = f.assume_calls[0];
  EXPECT_EQ(source.access_key_id, "AKIABASE");
  EXPECT_EQ(req.role_arn, "arn:aws:iam::123456789012:role/dev");
  EXPECT_EQ(req.external_id, "ext");
  EXPECT_EQ(req.role_session_name, "me");
  EXPECT_EQ(req.duration_seconds, 1800);
  EXPECT_EQ(req.region, "eu-west-1");
  EXPECT_EQ(req.profile, "dev");
}

TEST(AssumeRole, IsCachedUntilFiveMinutesBeforeExpiry) {
  Fixture f;
  f.home.write(".aws/config", "[default]\nrole_arn = arn:r\nsource_profile = base\n");
  f.home.write(".aws/credentials", "[base]\naws_access_key_id = A\naws_secret_access_key = b\n");
  auto provider = f.provider();
  ASSERT_TRUE(provider->get().has_value());
  f.clock.advance(30min);
  EXPECT_EQ(provider->get()->access_key_id, "ASIAROLE1");
  f.clock.advance(24min + 59s);  // 5 min 1 s left
  EXPECT_EQ(provider->get()->access_key_id, "ASIAROLE1");
  f.clock.advance(2s);  // 4 min 59 s left
  EXPECT_EQ(provider->get()->access_key_id, "ASIAROLE2");
  EXPECT_EQ(f.assume_calls.size(), 2u);
}

TEST(AssumeRole, ChainsThroughSourceProfilesRecursively) {
  Fixture f;
  f.home.write(".aws/config",
               "[profile a]\nrole_arn = arn:a\nsource_profile = b\n"
               "[profile b]\nrole_arn = arn:b\nsource_profile = c\n"
               "[profile c]\ncredential_process = get-c\n");
  f.processes.expect({"get-c"}, {0, process_json(f.clock.now() + 1h), ""});
  f.settings.profile = "a";
  Credentials c = f.get_ok();
  EXPECT_EQ(c.source, "assume-role arn:a via profile b");
  ASSERT_EQ(f.assume_calls.size(), 2u);
  EXPECT_EQ(f.assume_calls[0].first.access_key_id, "ASIAPROC");
  EXPECT_EQ(f.assume_calls[0].second.role_arn, "arn:b");
  EXPECT_EQ(f.assume_calls[1].first.access_key_id, "ASIAROLE1");
  EXPECT_EQ(f.assume_calls[1].second.role_arn, "arn:a");
}

TEST(AssumeRole, ASourceProfileLoopIsAnError) {
  Fixture f;
  f.home.write(".aws/config",
               "[profile a]\nrole_arn = arn:a\nsource_profile = b\n"
               "[profile b]\nrole_arn = arn:b\nsource_profile = a\n");
  f.settings.profile = "a";
  Error e = f.get_error();
  EXPECT_EQ(e.message, "source_profile loop: a -> b -> a");
  EXPECT_TRUE(f.assume_calls.empty());
}

TEST(AssumeRole, AVeryLongSourceProfileChainIsAClearErrorNotACrash) {
  Fixture f;
  std::string config;
  for (int i = 0; i < 5000; ++i) {
    config += fmt::format("[profile p{}]\nrole_arn = arn:p{}\nsource_profile = p{}\n", i, i, i + 1);
  }
  config += "[profile p5000]\ncredential_process = get-last\n";
  f.home.write(".aws/config", config);
  f.settings.profile = "p0";
  Error e = f.get_error();
  EXPECT_EQ(e.kind, ErrorKind::invalid_input);
  EXPECT_EQ(e.message, "profile p0: the source_profile chain is longer than 32 profiles");
  EXPECT_TRUE(f.assume_calls.empty());
}

TEST(AssumeRole, AProfileMayBeItsOwnSourceWithStaticKeys) {
  Fixture f;
  f.home.write(".aws/credentials",
               "[self]\naws_access_key_id = AKIASELF\naws_secret_access_key = s\n"
               "role_arn = arn:self\nsource_profile = self\n");
  f.settings.profile = "self";
  EXPECT_EQ(f.get_ok().source, "assume-role arn:self via profile self");
  EXPECT_EQ(f.assume_calls.at(0).first.access_key_id, "AKIASELF");
}

TEST(AssumeRole, AMissingSourceProfileIsNotFound) {
  Fixture f;
  f.home.write(".aws/config", "[default]\nrole_arn = arn:r\nsource_profile = gone\n");
  Error e = f.get_error();
  EXPECT_EQ(e.kind, ErrorKind::not_found);
  EXPECT_NE(e.message.find("profile 'gone' (from source_profile of profile default)"),
            std::string::npos);
}

TEST(AssumeRole, ASourceProfileWithoutCredentialsIsAnAuthError) {
  Fixture f;
  f.home.write(
      ".aws/config",
      "[default]\nrole_arn = arn:r\nsource_profile = empty\n[profile empty]\nregion = x\n");
  Error e = f.get_error();
  EXPECT_EQ(e.message, "profile empty (source_profile of profile default) has no credentials");
}

TEST(AssumeRole, RoleArnWithoutAnySourceIsInvalid) {
  Fixture f;
  f.home.write(".aws/config", "[default]\nrole_arn = arn:r\n");
  Error e = f.get_error();
  EXPECT_EQ(e.kind, ErrorKind::invalid_input);
  EXPECT_EQ(e.message, "profile default sets role_arn (" + f.config_path() +
                           ":2) but neither source_profile nor credential_source");
}

TEST(AssumeRole, CredentialSourceEnvironmentUsesTheEnvironmentKeys) {
  Fixture f;
  f.home.write(".aws/config", "[profile ci]\nrole_arn = arn:ci\ncredential_source = Environment\n");
  f.env = {{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}};
  f.settings.profile = "ci";
  f.settings.profile_explicit = true;
  EXPECT_EQ(f.get_ok().source, "assume-role arn:ci via environment");
  EXPECT_EQ(f.assume_calls.at(0).first.access_key_id, "AKIAENV");
}

TEST(AssumeRole, AnAssumeRoleFailureNamesTheRoleAndKeepsItsKind) {
  Fixture f;
  f.home.write(".aws/config", "[default]\nrole_arn = arn:r\nsource_profile = base\n");
  f.home.write(".aws/credentials", "[base]\naws_access_key_id = A\naws_secret_access_key = b\n");
  auto provider = make_default_credential_provider(
      f.settings,
      CredentialDeps{f.clock,
                     f.processes,
                     f.http,
                     [](const Credentials&, const AssumeRoleRequest&) -> Result<Credentials> {
                       return fail(ErrorKind::auth, "AccessDenied");
                     },
                     env_from_map({}),
                     f.home.path() / "dmi",
                     {},
                     {},
                     {},
                     {}});
  auto r = provider->get();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::auth);
  EXPECT_EQ(r.error().message, "assume role arn:r (profile default): AccessDenied");
}

TEST(WebIdentity, EnvironmentTokenFileAndRoleAssumeTheRoleUnsignedWithTheFilesToken) {
  Fixture f;
  f.home.write("token", "eyJhbGciOi.token.sig\n");
  f.env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", (f.home.path() / "token").string()},
           {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci"},
           {"AWS_ROLE_SESSION_NAME", "build-42"}};
  Credentials c = f.get_ok();
  EXPECT_EQ(c.access_key_id, "ASIAWEB1");
  EXPECT_EQ(c.source,
            "assume-role-with-web-identity arn:aws:iam::123456789012:role/ci (environment)");
  ASSERT_EQ(f.web_calls.size(), 1u);
  EXPECT_EQ(f.web_calls[0].token, "eyJhbGciOi.token.sig");
  EXPECT_EQ(f.web_calls[0].role_session_name, "build-42");
  EXPECT_EQ(f.web_calls[0].region, "eu-west-1");
  EXPECT_TRUE(f.assume_calls.empty());
}

TEST(WebIdentity, TheEnvironmentBeatsProfileKeysButNotAProfileRoleOrEnvironmentKeys) {
  Fixture f;
  f.home.write("token", "tok");
  f.home.write(".aws/credentials",
               "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = x\n");
  f.env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", (f.home.path() / "token").string()},
           {"AWS_ROLE_ARN", "arn:ci"}};
  EXPECT_EQ(f.get_ok().access_key_id, "ASIAWEB1");

  f.env["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  f.env["AWS_SECRET_ACCESS_KEY"] = "e";
  EXPECT_EQ(f.get_ok().access_key_id, "AKIAENV");

  f.env.erase("AWS_ACCESS_KEY_ID");
  f.env.erase("AWS_SECRET_ACCESS_KEY");
  f.home.write(".aws/config", "[default]\nrole_arn = arn:profile-role\nsource_profile = base\n");
  f.home.write(".aws/credentials",
               "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = b\n");
  EXPECT_EQ(f.get_ok().source, "assume-role arn:profile-role via profile base");
  EXPECT_EQ(f.web_calls.size(), 1u);
}

TEST(WebIdentity, AnExplicitProfileIgnoresTheEnvironmentToken) {
  Fixture f;
  f.home.write("token", "tok");
  f.home.write(".aws/credentials",
               "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = x\n");
  f.env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", (f.home.path() / "token").string()},
           {"AWS_ROLE_ARN", "arn:ci"}};
  f.settings.profile = "dev";
  f.settings.profile_explicit = true;
  EXPECT_EQ(f.get_ok().access_key_id, "AKIADEV");
  EXPECT_TRUE(f.web_calls.empty());
}

TEST(WebIdentity, HalfSetEnvironmentAndAMissingTokenFileAreClearErrors) {
  Fixture f;
  f.env = {{"AWS_ROLE_ARN", "arn:ci"}};
  EXPECT_EQ(f.get_error().message, "AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not");
  f.env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", (f.home.path() / "absent").string()},
           {"AWS_ROLE_ARN", "arn:ci"}};
  Error e = f.get_error();
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_EQ(e.message, "cannot read the web identity token file " +
                           (f.home.path() / "absent").string() + " (AWS_WEB_IDENTITY_TOKEN_FILE)");
}

TEST(WebIdentity, AProfileWithRoleArnAndTokenFileUsesWebIdentityNotAssumeRole) {
  Fixture f;
  f.home.write("token", "profile-token");
  f.home.write(".aws/config", "[profile eks]\nrole_arn = arn:eks\nweb_identity_token_file = " +
                                  (f.home.path() / "token").string() +
                                  "\nrole_session_name = pod\nduration_seconds = 900\n");
  f.settings.profile = "eks";
  Credentials c = f.get_ok();
  EXPECT_EQ(c.source, "assume-role-with-web-identity arn:eks (profile eks)");
  ASSERT_EQ(f.web_calls.size(), 1u);
  EXPECT_EQ(f.web_calls[0].token, "profile-token");
  EXPECT_EQ(f.web_calls[0].role_session_name, "pod");
  EXPECT_EQ(f.web_calls[0].duration_seconds, 900);
  EXPECT_TRUE(f.assume_calls.empty());
}

TEST(RoleCache, AnAssumedRoleIsReusedByTheNextRunUntilItNearlyExpires) {
  Fixture f;
  f.role_cache_dir = f.home.path() / "gpubox/credentials-cache";
  f.home.write(".aws/config", "[default]\nrole_arn = arn:r\nsource_profile = base\n");
  f.home.write(".aws/credentials", "[base]\ncredential_process = /bin/creds\n");
  f.processes.expect(
      {"/bin/creds"},
      {0, R"({"Version": 1, "AccessKeyId": "AKIAPROC", "SecretAccessKey": "p"})", ""});
  Credentials first = f.get_ok();
  EXPECT_EQ(first.access_key_id, "ASIAROLE1");
  EXPECT_EQ(f.assume_calls.size(), 1u);

  // The cache file is owner-only and holds no more than the credentials and their source.
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(f.role_cache_dir)) {
    files.push_back(entry.path());
  }
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(std::filesystem::status(files[0]).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(std::filesystem::status(f.role_cache_dir).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);

  // A new provider (the next gpubox command) neither runs the source's process nor calls STS.
  f.clock.advance(30min);
  Credentials second = f.get_ok();
  EXPECT_EQ(second.access_key_id, "ASIAROLE1");
  EXPECT_EQ(second.secret_access_key, "role-secret");
  EXPECT_EQ(second.session_token, "role-token");
  EXPECT_EQ(second.source.rfind("assume-role arn:r via profile base (cached until ", 0), 0u)
      << second.source;
  EXPECT_EQ(f.assume_calls.size(), 1u);
  EXPECT_EQ(f.processes.calls.size(), 1u);

  // Within five minutes of expiry it is assumed again.
  f.clock.advance(26min);
  f.processes.expect(
      {"/bin/creds"},
      {0, R"({"Version": 1, "AccessKeyId": "AKIAPROC", "SecretAccessKey": "p"})", ""});
  EXPECT_EQ(f.get_ok().access_key_id, "ASIAROLE2");
  EXPECT_EQ(f.assume_calls.size(), 2u);
}

TEST(AssumeRole, MfaSerialAsksForTheCodeOnceAndSendsIt) {
  Fixture f;
  f.role_cache_dir = f.home.path() / "cache";
  f.home.write(".aws/config",
               "[default]\nrole_arn = arn:r\nsource_profile = base\n"
               "mfa_serial = arn:aws:iam::123456789012:mfa/me\n");
  f.home.write(".aws/credentials", "[base]\naws_access_key_id = A\naws_secret_access_key = b\n");
  f.mfa_answer = " 123456\n";
  EXPECT_EQ(f.get_ok().access_key_id, "ASIAROLE1");
  EXPECT_EQ(f.questions,
            std::vector<std::string>{"Enter MFA code for arn:aws:iam::123456789012:mfa/me: "});
  EXPECT_EQ(f.assume_calls.at(0).second.mfa_serial, "arn:aws:iam::123456789012:mfa/me");
  EXPECT_EQ(f.assume_calls.at(0).second.mfa_code, "123456");
  // The next command finds the role in the cache and does not ask again.
  EXPECT_EQ(f.get_ok().access_key_id, "ASIAROLE1");
  EXPECT_EQ(f.questions.size(), 1u);
}

TEST(AssumeRole, MfaWithoutATerminalOrWithABadCodeIsAClearError) {
  Fixture f;
  f.home.write(".aws/config",
               "[default]\nrole_arn = arn:r\nsource_profile = base\n"
               "mfa_serial = arn:mfa\n");
  f.home.write(".aws/credentials", "[base]\naws_access_key_id = A\naws_secret_access_key = b\n");
  Error e = f.get_error();
  EXPECT_EQ(e.kind, ErrorKind::auth);
  EXPECT_EQ(e.message, "profile default needs an MFA code for arn:mfa: stdin is not a terminal");
  f.mfa_answer = "12ab56";
  e = f.get_error();
  EXPECT_EQ(e.kind, ErrorKind::invalid_input);
  EXPECT_EQ(e.message, "an MFA code is 6 digits");
  EXPECT_TRUE(f.assume_calls.empty());
}

TEST(RoleCache, DifferentProfilesAndRolesDoNotShareAnEntry) {
  Fixture f;
  f.role_cache_dir = f.home.path() / "cache";
  f.home.write(".aws/config",
               "[profile a]\nrole_arn = arn:a\nsource_profile = base\n"
               "[profile b]\nrole_arn = arn:a\nsource_profile = base\nexternal_id = x\n");
  f.home.write(".aws/credentials", "[base]\naws_access_key_id = A\naws_secret_access_key = b\n");
  f.settings.profile = "a";
  EXPECT_EQ(f.get_ok().access_key_id, "ASIAROLE1");
  f.settings.profile = "b";
  EXPECT_EQ(f.get_ok().access_key_id, "ASIAROLE2");
  f.settings.profile = "a";
  EXPECT_EQ(f.get_ok().access_key_id, "ASIAROLE1");
  EXPECT_EQ(f.assume_calls.size(), 2u);
}

TEST(RoleCache, AnUnreadableEntryCostsOnlyAnStsCall) {
  Fixture f;
  f.role_cache_dir = f.home.path() / "cache";
  f.home.write(".aws/config", "[default]\nrole_arn = arn:r\nsource_profile = base\n");
  f.home.write(".aws/credentials", "[base]\naws_access_key_id = A\naws_secret_access_key = b\n");
  EXPECT_EQ(f.get_ok().access_key_id, "ASIAROLE1");
  for (const auto& entry : std::filesystem::directory_iterator(f.role_cache_dir)) {
    std::ofstream(entry.path()) << "{not json";
  }
  EXPECT_EQ(f.get_ok().access_key_id, "ASIAROLE2");
  EXPECT_EQ(f.get_ok().access_key_id, "ASIAROLE2");  // and the entry is rewritten
}

TEST(ContainerCredentials, ComeAfterProfileKeysAndBeforeInstanceMetadata) {
  Fixture f;
  f.home.write("dmi/board_asset_tag", "i-0123456789abcdef0\n");
  f.env = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9911/creds"}};
  f.http.replies = {{200,
                     {},
                     R"({"AccessKeyId": "ASIAECS", "SecretAccessKey": "s", "Token": "t",
                                 "Expiration": ")" +
                         iso(f.clock.now() + 6h) + "\"}"}};
  Credentials c = f.get_ok();
  EXPECT_EQ(c.access_key_id, "ASIAECS");
  ASSERT_EQ(f.http.requests.size(), 1u);
  EXPECT_EQ(f.http.requests[0].url, "http://127.0.0.1:9911/creds");

  f.home.write(".aws/credentials",
               "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = x\n");
  EXPECT_EQ(f.get_ok().access_key_id, "AKIAFILE");
  EXPECT_EQ(f.http.requests.size(), 1u);
}

TEST(ContainerCredentials, AreACredentialSourceForARole) {
  Fixture f;
  f.home.write(".aws/config", "[default]\nrole_arn = arn:r\ncredential_source = EcsContainer\n");
  f.env = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"}};
  f.http.replies = {
      {200, {}, R"({"AccessKeyId": "ASIAECS", "SecretAccessKey": "s", "Token": "t"})"}};
  EXPECT_EQ(f.get_ok().source, "assume-role arn:r via container credentials");
  EXPECT_EQ(f.assume_calls.at(0).first.access_key_id, "ASIAECS");
  EXPECT_EQ(f.http.requests.at(0).url, "http://169.254.170.2/v2/credentials/abc");
}

TEST(SsoCredentials, AProfileWithAnSsoSessionUsesTheCachedTokenAndThePortal) {
  Fixture f;
  f.home.write(".aws/config",
               "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
               "sso_role_name = Admin\n[sso-session corp]\nsso_region = us-east-1\n"
               "sso_start_url = https://corp.awsapps.com/start\n");
  // sha1("corp"): the file `aws sso login --sso-session corp` writes.
  f.home.write(".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json",
               R"({"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1",
                   "accessToken": "sso-access-token", "expiresAt": ")" +
                   iso(f.clock.now() + 1h) + "\"}");
  f.settings.profile = "dev";
  long long expires_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>((f.clock.now() + 1h).time_since_epoch())
          .count();
  f.http.replies = {{200,
                     {},
                     R"({"roleCredentials": {"accessKeyId": "ASIASSO", "secretAccessKey": "s",
                                  "sessionToken": "t", "expiration": )" +
                         std::to_string(expires_ms) + "}}"}};
  Credentials c = f.get_ok();
  EXPECT_EQ(c.access_key_id, "ASIASSO");
  ASSERT_EQ(f.http.requests.size(), 1u);
  EXPECT_NE(
      f.http.requests[0].url.find("portal.sso.us-east-1.amazonaws.com/federation/credentials"),
      std::string::npos)
      << f.http.requests[0].url;
}

void stub_imds(Fixture& f) {
  f.http.replies = {
      {200, {}, "TOKEN123"},
      {200, {}, "gpubox-role\n"},
      {200,
       {},
       R"({"Code": "Success", "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "s",
                  "Token": "itok", "Expiration": ")" +
           iso(f.clock.now() + 6h) + "\"}"},
  };
}

TEST(InstanceMetadata, IsUsedLastWhenOnEc2WithIMDSv2) {
  Fixture f;
  f.home.write("dmi/board_asset_tag", "i-0123456789abcdef0\n");
  stub_imds(f);
  Credentials c = f.get_ok();
  EXPECT_EQ(c.access_key_id, "ASIAIMDS");
  EXPECT_EQ(c.session_token, "itok");
  EXPECT_EQ(c.source, "EC2 instance metadata");
  ASSERT_EQ(f.http.requests.size(), 3u);
  EXPECT_EQ(f.http.requests[0].method, "PUT");
  EXPECT_EQ(f.http.requests[0].url, "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(find_header(f.http.requests[0].headers, "x-aws-ec2-metadata-token-ttl-seconds"),
            "21600");
  EXPECT_EQ(f.http.requests[1].url,
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(f.http.requests[2].url,
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/gpubox-role");
  EXPECT_EQ(find_header(f.http.requests[2].headers, "X-aws-ec2-metadata-token"), "TOKEN123");
}

TEST(InstanceMetadata, IsDetectedFromSysVendor) {
  Fixture f;
  f.home.write("dmi/sys_vendor", "Amazon EC2\n");
  stub_imds(f);
  EXPECT_EQ(f.get_ok().source, "EC2 instance metadata");
}

TEST(InstanceMetadata, IsDetectedOnXenInstancesToo) {
  // t2 and m4 run on Xen: sys_vendor says "Xen" and board_asset_tag is empty.
  Fixture f;
  f.home.write("dmi/sys_vendor", "Xen\n");
  f.home.write("dmi/bios_version", "4.11.amazon\n");
  stub_imds(f);
  EXPECT_EQ(f.get_ok().source, "EC2 instance metadata");
}

TEST(InstanceMetadata, XenIsRecognisedByTheUuidAndOtherXenHostsAreNot) {
  testing::ScopedTempDir root;
  const auto dmi = root.path() / "sys/devices/virtual/dmi/id";
  root.write("sys/devices/virtual/dmi/id/sys_vendor", "Xen\n");
  root.write("sys/devices/virtual/dmi/id/bios_version", "4.2.xen\n");
  EXPECT_FALSE(running_on_ec2(dmi));  // a Xen host elsewhere
  root.write("sys/hypervisor/uuid", "ec2e1916-9099-7caf-fd21-012345abcdef\n");
  EXPECT_TRUE(running_on_ec2(dmi));
  std::filesystem::remove(root.path() / "sys/hypervisor/uuid");
  root.write("sys/devices/virtual/dmi/id/product_uuid", "EC2E1916-9099-7CAF-FD21-012345ABCDEF\n");
  EXPECT_TRUE(running_on_ec2(dmi));
}

TEST(InstanceMetadata, IsNeverAskedWhenDisabled) {
  Fixture f;
  f.home.write("dmi/board_asset_tag", "i-0123456789abcdef0\n");
  f.env["AWS_EC2_METADATA_DISABLED"] = "true";
  EXPECT_NE(f.get_error().message.find("no AWS credentials"), std::string::npos);
  EXPECT_TRUE(f.http.requests.empty());
}

TEST(InstanceMetadata, AnInstanceWithoutARoleIsAClearError) {
  Fixture f;
  f.home.write("dmi/board_asset_tag", "i-0123456789abcdef0\n");
  f.http.replies = {{200, {}, "TOKEN"}, {404, {}, "Not Found"}};
  Error e = f.get_error();
  EXPECT_EQ(e.message,
            "EC2 instance metadata: cannot list the instance role (HTTP 404); the "
            "instance has no IAM role attached");
}

TEST(SplitCommandLine, SplitsLikeAPosixShellWithoutExpansion) {
  auto argv = split_command_line(R"(tool --a 'x y' "q \"z\" $HOME" back\ slash '' end)");
  ASSERT_TRUE(argv.has_value());
  const std::vector<std::string> expected = {"tool",       "--a", "x y", "q \"z\" $HOME",
                                             "back slash", "",    "end"};
  EXPECT_EQ(*argv, expected);
  EXPECT_FALSE(split_command_line("tool 'unterminated").has_value());
}

}  // namespace
}  // namespace gpubox::aws
