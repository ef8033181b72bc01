#include "aws/settings.hpp"

#include <gtest/gtest.h>

#include "fakes/temp_dir.hpp"

namespace gpubox::aws {
namespace {

// A fake home with ~/.aws/config and ~/.aws/credentials and an environment given as a map.
struct Fixture {
  testing::ScopedTempDir home;
  std::map<std::string, std::string> env;
  SettingsInput input;

  Fixture& config(std::string_view text) {
    home.write(".aws/config", text);
    return *this;
  }
  Fixture& credentials(std::string_view text) {
    home.write(".aws/credentials", text);
    return *this;
  }
  Result<Settings> load() {
    input.env = env_from_map(env);
    input.home = home.path();
    return load_settings(input);
  }
  Settings load_ok() {
    auto r = load();
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? *r : Settings{};
  }
  std::string config_path() const { return (home.path() / ".aws/config").string(); }
};

TEST(LoadSettings, WithNoFilesAndNoEnvironmentUsesDefaults) {
  Fixture f;
  Settings s = f.load_ok();
  EXPECT_EQ(s.profile, "default");
  EXPECT_EQ(s.profile_source, "default");
  EXPECT_FALSE(s.profile_explicit);
  EXPECT_EQ(s.region, "");
  EXPECT_EQ(s.retry_mode, "standard");
  EXPECT_EQ(s.max_attempts, 3);
  EXPECT_EQ(s.config_file, f.home.path() / ".aws/config");
  EXPECT_EQ(s.credentials_file, f.home.path() / ".aws/credentials");
  EXPECT_TRUE(s.service_endpoints.empty());
}

struct RegionCase {
  std::string flag;
  std::string aws_region;
  std::string aws_default_region;
  std::string expected;
  std::string expected_source;
};

TEST(LoadSettings, RegionPrecedenceFlagThenAwsRegionThenDefaultRegionThenProfile) {
  const std::vector<RegionCase> cases = {
      {"eu-north-1", "eu-west-1", "eu-west-2", "eu-north-1", "--region"},
      {"", "eu-west-1", "eu-west-2", "eu-west-1", "AWS_REGION"},
      {"", "", "eu-west-2", "eu-west-2", "AWS_DEFAULT_REGION"},
      {"", "", "", "ap-south-1", "profile dev"},
  };
  for (const RegionCase& c : cases) {
    Fixture f;
    f.config("[profile dev]\nregion = ap-south-1\n");
    f.env["AWS_PROFILE"] = "dev";
    if (!c.aws_region.empty()) {
      f.env["AWS_REGION"] = c.aws_region;
    }
    if (!c.aws_default_region.empty()) {
      f.env["AWS_DEFAULT_REGION"] = c.aws_default_region;
    }
    f.input.region_flag = c.flag;
    Settings s = f.load_ok();
    EXPECT_EQ(s.region, c.expected) << c.expected_source;
    EXPECT_EQ(s.region_source, c.expected_source);
  }
}

TEST(LoadSettings, AnEmptyEnvironmentVariableCountsAsUnset) {
  Fixture f;
  f.config("[default]\nregion = us-west-2\n");
  f.env["AWS_REGION"] = "";
  EXPECT_EQ(f.load_ok().region, "us-west-2");
}

TEST(LoadSettings, ProfilePrecedenceFlagThenAwsProfileThenAwsDefaultProfile) {
  Fixture f;
  f.config("[profile a]\n[profile b]\n[profile c]\n");
  f.env["AWS_DEFAULT_PROFILE"] = "c";
  EXPECT_EQ(f.load_ok().profile, "c");
  f.env["AWS_PROFILE"] = "b";
  EXPECT_EQ(f.load_ok().profile_source, "AWS_PROFILE");
  f.input.profile_flag = "a";
  Settings s = f.load_ok();
  EXPECT_EQ(s.profile, "a");
  EXPECT_TRUE(s.profile_explicit);
}

TEST(LoadSettings, ConfigFileUsesProfilePrefixAndDefaultMayHaveIt) {
  Fixture f;
  f.config("[profile default]\nregion = sa-east-1\n[dev]\nregion = wrong\n");
  EXPECT_EQ(f.load_ok().region, "sa-east-1");
  f.input.profile_flag = "dev";
  auto r = f.load();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().hint, "in the config file, write the section as [profile dev]");
}

TEST(LoadSettings, RegionInTheCredentialsFileWinsOverTheConfigFile) {
  Fixture f;
  f.config("[profile dev]\nregion = us-east-1\n").credentials("[dev]\nregion = us-west-1\n");
  f.input.profile_flag = "dev";
  EXPECT_EQ(f.load_ok().region, "us-west-1");
}

TEST(LoadSettings, AProfileThatDoesNotExistIsNotFoundWithASuggestion) {
  Fixture f;
  f.config("[profile staging]\n").credentials("[production]\n");
  f.env["AWS_PROFILE"] = "stagin";
  auto r = f.load();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
  EXPECT_EQ(r.error().message, "profile 'stagin' (from AWS_PROFILE) is not in " + f.config_path() +
                                   " or " + (f.home.path() / ".aws/credentials").string());
  EXPECT_EQ(r.error().hint, "did you mean 'staging'?");
}

TEST(LoadSettings, AProfileOnlyInTheCredentialsFileExists) {
  Fixture f;
  f.credentials("[ci]\naws_access_key_id = A\naws_secret_access_key = B\n");
  f.input.profile_flag = "ci";
  EXPECT_EQ(f.load_ok().profile, "ci");
}

TEST(LoadSettings, ConfigAndCredentialsPathsComeFromTheEnvironment) {
  Fixture f;
  f.home.write("elsewhere/cfg", "[profile x]\nregion = ca-central-1\n");
  f.env["AWS_CONFIG_FILE"] = "~/elsewhere/cfg";
  f.env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/creds";
  f.env["AWS_PROFILE"] = "x";
  Settings s = f.load_ok();
  EXPECT_EQ(s.region, "ca-central-1");
  EXPECT_EQ(s.config_file, f.home.path() / "elsewhere/cfg");
  EXPECT_EQ(s.credentials_file, "/nonexistent/creds");
}

TEST(LoadSettings, AMalformedFileIsAnErrorWithFileAndLine) {
  Fixture f;
  f.config("[default]\nregion = us-east-1\n[profile broken\n");
  auto r = f.load();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, f.config_path() + ":3: section header is missing its closing ']'");
}

TEST(LoadSettings, RetrySettingsFromEnvironmentBeatTheProfile) {
  Fixture f;
  f.config("[default]\nretry_mode = adaptive\nmax_attempts = 7\n");
  Settings from_profile = f.load_ok();
  EXPECT_EQ(from_profile.retry_mode, "adaptive");
  EXPECT_EQ(from_profile.max_attempts, 7);
  f.env["AWS_RETRY_MODE"] = "legacy";
  f.env["AWS_MAX_ATTEMPTS"] = "2";
  Settings from_env = f.load_ok();
  EXPECT_EQ(from_env.retry_mode, "legacy");
  EXPECT_EQ(from_env.max_attempts, 2);
}

TEST(LoadSettings, InvalidRetrySettingsNameTheirSource) {
  Fixture f;
  f.config("[default]\nmax_attempts = lots\n");
  auto r = f.load();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "max_attempts in " + f.config_path() +
                                   ":2 must be a whole number of at least 1, not 'lots'");
  f.env["AWS_MAX_ATTEMPTS"] = "3";
  f.env["AWS_RETRY_MODE"] = "fast";
  r = f.load();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "AWS_RETRY_MODE must be standard, legacy or adaptive, not 'fast'");
}

const char* k_endpoint_config =
    "[default]\nservices = local\nendpoint_url = http://profile:1\n"
    "[services local]\nec2 =\n  endpoint_url = http://section-ec2:2\n"
    "service_quotas =\n  endpoint_url = http://section-sq:3\n";

TEST(LoadSettings, EndpointPrecedenceServiceEnvThenGlobalEnvThenServicesSectionThenProfile) {
  Fixture f;
  f.config(k_endpoint_config);
  Settings config_only = f.load_ok();
  EXPECT_EQ(config_only.service_endpoints.at("ec2"), "http://section-ec2:2");
  EXPECT_EQ(config_only.service_endpoints.at("service_quotas"), "http://section-sq:3");
  EXPECT_EQ(config_only.global_endpoint, "http://profile:1");

  f.env["AWS_ENDPOINT_URL"] = "http://global-env:4";
  Settings global_env = f.load_ok();
  EXPECT_TRUE(global_env.service_endpoints.empty());  // level 3 hides levels 4 and 5
  EXPECT_EQ(global_env.global_endpoint, "http://global-env:4");

  f.env["AWS_ENDPOINT_URL_SERVICE_QUOTAS"] = "http://sq-env:5";
  Settings service_env = f.load_ok();
  EXPECT_EQ(service_env.service_endpoints.at("service_quotas"), "http://sq-env:5");
  EXPECT_FALSE(service_env.service_endpoints.contains("ec2"));
}

TEST(LoadSettings, ServiceEnvironmentEndpointBeatsTheServicesSectionForTheSameService) {
  Fixture f;
  f.config(k_endpoint_config);
  f.env["AWS_ENDPOINT_URL_EC2"] = "http://ec2-env:6";
  Settings s = f.load_ok();
  EXPECT_EQ(s.service_endpoints.at("ec2"), "http://ec2-env:6");
  EXPECT_EQ(s.service_endpoints.at("service_quotas"), "http://section-sq:3");
}

TEST(LoadSettings, IgnoreConfiguredEndpointUrlsDropsAllButTheFlag) {
  Fixture f;
  f.config(k_endpoint_config);
  f.env["AWS_ENDPOINT_URL_EC2"] = "http://ec2-env:6";
  f.env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "TRUE";
  f.input.endpoint_url_flag = "http://127.0.0.1:5000";
  Settings s = f.load_ok();
  EXPECT_TRUE(s.ignore_configured_endpoint_urls);
  EXPECT_TRUE(s.service_endpoints.empty());
  EXPECT_EQ(s.global_endpoint, "");
  EXPECT_EQ(s.endpoint_url_flag, "http://127.0.0.1:5000");
}

TEST(LoadSettings, IgnoreConfiguredEndpointUrlsCanComeFromTheProfile) {
  Fixture f;
  f.config("[default]\nendpoint_url = http://x:1\nignore_configured_endpoint_urls = true\n");
  EXPECT_EQ(f.load_ok().global_endpoint, "");
}

TEST(LoadSettings, AMissingServicesSectionIsAnError) {
  Fixture f;
  f.config("[default]\nservices = nowhere\n");
  auto r = f.load();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("[services nowhere]"), std::string::npos);
  EXPECT_NE(r.error().message.find(f.config_path() + ":2"), std::string::npos);
}

TEST(LoadSettings, AnEndpointWithoutSchemeIsAnErrorNamingItsSource) {
  Fixture f;
  f.env["AWS_ENDPOINT_URL_STS"] = "localhost:4566";
  auto r = f.load();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "endpoint URL 'localhost:4566' from AWS_ENDPOINT_URL_STS must start "
            "with http:// or https://");
}

TEST(EnvFromMap, ReturnsOnlyTheGivenVariables) {
  EnvLookup env = env_from_map({{"A", "1"}});
  EXPECT_EQ(env("A"), "1");
  EXPECT_EQ(env("HOME"), std::nullopt);
}

}  // namespace
}  // namespace gpubox::aws
