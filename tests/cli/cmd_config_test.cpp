// `gpubox config` and the config file's defaults, through the command line.

#include "cli/cmd_config.hpp"

#include <gtest/gtest.h>

#include "cli/test_env.hpp"
#include "core/paths.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;

TEST(CmdConfig, SetThenGetThenUnset) {
  auto t = make_test_env();
  t->vars["XDG_CONFIG_HOME"] = (t->tmp.path() / "xdg").string();
  ASSERT_EQ(t->run({"config", "set", "idle", "90M"}), 0) << t->err.str();
  const auto file = t->tmp.path() / "xdg" / "gpubox" / "config.toml";
  EXPECT_NE(read_file(file).value_or("").find("1h30m"), std::string::npos);
  ASSERT_EQ(t->run({"config", "get", "idle"}), 0) << t->err.str();
  EXPECT_EQ(t->out.str(), "1h30m\n");
  ASSERT_EQ(t->run({"config", "unset", "idle"}), 0) << t->err.str();
  t->out.str("");
  EXPECT_EQ(t->run({"config", "get", "idle"}), 1);  // unset: nothing on stdout, exit 1
  EXPECT_EQ(t->out.str(), "");
}

TEST(CmdConfig, ABadValueIsRefusedAndTheFileUntouched) {
  auto t = make_test_env();
  EXPECT_EQ(t->run({"config", "set", "idle", "0"}), 2);
  EXPECT_NE(t->err.str().find("--idle"), std::string::npos) << t->err.str();
  EXPECT_EQ(t->run({"config", "set", "regoin", "eu-west-1"}), 2);
  EXPECT_FALSE(std::filesystem::exists(t->tmp.path() / "home" / ".config" / "gpubox"));
}

TEST(CmdConfig, ListSaysWhereEachValueComesFrom) {
  auto t = make_test_env();  // AWS_REGION=us-east-1 in the environment
  ASSERT_EQ(t->run({"config", "set", "region", "eu-west-1"}), 0) << t->err.str();
  ASSERT_EQ(t->run({"config", "set", "max_hours", "8"}), 0) << t->err.str();
  t->out.str("");
  ConfigOptions opts;
  opts.json = true;
  ASSERT_TRUE(run_config_list(opts, t->env));
  auto doc = nlohmann::json::parse(t->out.str());
  std::map<std::string, std::pair<std::string, std::string>> got;
  for (const auto& k : doc["keys"]) {
    got[k["key"]] = {k["value"], k["source"]};
  }
  // The environment beats the file; the file beats the built-in default.
  EXPECT_EQ(got["region"], (std::pair<std::string, std::string>{"us-east-1", "AWS_REGION"}));
  EXPECT_EQ(got["max_hours"], (std::pair<std::string, std::string>{"8", "config"}));
  EXPECT_EQ(got["idle"], (std::pair<std::string, std::string>{"30m", "default"}));
}

TEST(CmdConfig, ABrokenFileStopsEveryCommandButConfigWhichRepairsIt) {
  auto t = make_test_env();
  t->use_test_catalog();
  const auto file = t->tmp.path() / "home" / ".config" / "gpubox" / "config.toml";
  t->tmp.write("home/.config/gpubox/config.toml", "idle = \"0m\"\n");
  EXPECT_EQ(t->run({"offers", "--gpu", "T4"}), 2);
  EXPECT_NE(t->err.str().find(file.string()), std::string::npos) << t->err.str();
  EXPECT_EQ(t->out.str(), "");
  EXPECT_EQ(t->run({"config", "unset", "idle"}), 0) << t->err.str();
  EXPECT_EQ(t->run({"offers", "--gpu", "T4", "--json"}), 0) << t->err.str();
}

}  // namespace
}  // namespace gpubox::cli
