#include "cli/user_config.hpp"

#include <gtest/gtest.h>

#include "core/paths.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::cli {
namespace {

const ConfigKey& key(std::string_view name) { return **find_config_key(name); }

TEST(UserConfig, PathFollowsXdgThenHome) {
  EXPECT_EQ(config_path(env_from_map({{"HOME", "/h"}})), "/h/.config/gpubox/config.toml");
  EXPECT_EQ(config_path(env_from_map({{"HOME", "/h"}, {"XDG_CONFIG_HOME", "/x"}})),
            "/x/gpubox/config.toml");
  EXPECT_EQ(config_path(env_from_map({{"HOME", "/h"}, {"GPUBOX_CONFIG", "/c.toml"}})), "/c.toml");
}

TEST(UserConfig, SaveThenLoadRoundTripsEveryKeyInOrder) {
  testing::ScopedTempDir dir;
  const auto path = dir.path() / "gpubox" / "config.toml";
  ConfigValues values = {{"region", "eu-west-1"}, {"idle", "1h"},
                         {"max_hours", "8"},      {"gpu", "A10G:4"},
                         {"key", "/k \"q\".pub"}, {"allow_from", "10.0.0.0/8"}};
  ASSERT_TRUE(save_config(path, values));
  auto text = read_file(path);
  ASSERT_TRUE(text);
  EXPECT_LT(text->find("\nregion"), text->find("\ngpu"));
  auto back = load_config(path);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, values);
}

TEST(UserConfig, MissingFileIsEmpty) {
  testing::ScopedTempDir dir;
  auto got = load_config(dir.path() / "none.toml");
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->empty());
}

TEST(UserConfig, NumbersAreAcceptedAndValuesCanonical) {
  testing::ScopedTempDir dir;
  auto path = dir.write("c.toml", "max_hours = 8\nidle = \"90M\"\nframework = \"PyTorch\"\n");
  auto got = load_config(path);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->at("max_hours"), "8");
  EXPECT_EQ(got->at("idle"), "1h30m");
  EXPECT_EQ(got->at("framework"), "pytorch");
}

TEST(UserConfig, ErrorsNameTheFileAndLine) {
  testing::ScopedTempDir dir;
  struct Case {
    const char* text;
    const char* needle;
  };
  for (const Case& c :
       {Case{"region = \"eu-west-1\"\nregoin = \"x\"\n", ":2: unknown key 'regoin'"},
        Case{"idle = \"0m\"\n", ":1: invalid --idle"}, Case{"region = [\n", ":"},
        Case{"gpu = true\n", "gpu must be a string or a number"},
        Case{"allow_from = \"not-a-cidr\"\n", ":1:"}}) {
    auto path = dir.write("bad.toml", c.text);
    auto got = load_config(path);
    ASSERT_FALSE(got) << c.text;
    EXPECT_EQ(got.error().kind, ErrorKind::invalid_input) << c.text;
    EXPECT_NE(got.error().message.find(path.string()), std::string::npos) << got.error().message;
    EXPECT_NE(got.error().message.find(c.needle), std::string::npos) << got.error().message;
  }
}

TEST(UserConfig, ValidatesEachKey) {
  EXPECT_EQ(*validate_config_value(key("region"), " eu-west-1 "), "eu-west-1");
  EXPECT_FALSE(validate_config_value(key("region"), "Europe"));
  EXPECT_FALSE(validate_config_value(key("subnet"), "vpc-123"));
  EXPECT_EQ(*validate_config_value(key("max_hours"), "OFF"), "off");
  EXPECT_FALSE(validate_config_value(key("max_hours"), "0"));
  EXPECT_EQ(*validate_config_value(key("idle"), "off"), "off");
  EXPECT_FALSE(validate_config_value(key("framework"), "jax"));
  EXPECT_EQ(*validate_config_value(key("allow_from"), "198.51.100.7"), "198.51.100.7/32");
  auto unknown = find_config_key("colour");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().hint.find("max_hours"), std::string::npos);
}

// A small `up` with the options the file sets, as build_app declares them.
struct MiniUp {
  CLI::App app{"", "gpubox"};
  std::string gpu, idle, framework;
  MiniUp() {
    auto* up = app.add_subcommand("up");
    up->add_option("--gpu", gpu);
    up->add_option("--idle", idle)->default_val("30m");
    up->add_option("--framework", framework)->default_val("pytorch");
  }
  void parse(std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());
    app.parse(args);
  }
};

TEST(UserConfig, FlagBeatsEnvironmentBeatsFileBeatsDefault) {
  ConfigValues file = {{"gpu", "T4"}, {"idle", "1h"}, {"framework", "tensorflow"}};
  MiniUp m;
  ASSERT_TRUE(apply_config_defaults(m.app, file, env_from_map({{"GPUBOX_IDLE", "2h"}})));
  m.parse({"up", "--gpu", "L4"});
  EXPECT_EQ(m.gpu, "L4");                // flag
  EXPECT_EQ(m.idle, "2h");               // environment over the file
  EXPECT_EQ(m.framework, "tensorflow");  // file over the built-in default
  MiniUp plain;
  ASSERT_TRUE(apply_config_defaults(plain.app, {}, env_from_map({})));
  plain.parse({"up"});
  EXPECT_EQ(plain.idle, "30m");
  EXPECT_EQ(plain.gpu, "");
}

TEST(UserConfig, InvalidVariableIsAnErrorNamingIt) {
  MiniUp m;
  auto r = apply_config_defaults(m.app, {}, env_from_map({{"GPUBOX_IDLE", "0"}}));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().message.starts_with("GPUBOX_IDLE: ")) << r.error().message;
}

}  // namespace
}  // namespace gpubox::cli
