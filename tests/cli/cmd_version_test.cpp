#include <gtest/gtest.h>

#include "cli/test_env.hpp"

namespace gpubox::cli {
namespace {

using testing::make_test_env;

TEST(CmdVersion, PrintsTheVersionOnStdout) {
  auto t = make_test_env();
  ASSERT_EQ(t->run({"version"}), 0);
  EXPECT_EQ(t->out.str(), std::string("gpubox ") + GPUBOX_VERSION + "\n");
  EXPECT_EQ(t->err.str(), "");
}

TEST(CmdVersion, AnUnknownCommandSuggestsTheClosestOne) {
  auto t = make_test_env();
  EXPECT_EQ(t->run({"versoin"}), 2);
  EXPECT_EQ(t->err.str(),
            "gpubox: error: unknown command 'versoin'; did you mean 'version'?\n"
            "Run 'gpubox --help' for the list of commands.\n");
}

}  // namespace
}  // namespace gpubox::cli
