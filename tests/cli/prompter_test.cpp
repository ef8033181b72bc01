#include "cli/prompter.hpp"

#include <sstream>

#include <gtest/gtest.h>

namespace gpubox::cli {
namespace {

TEST(TerminalPrompter, WritesThePromptToStderrAndReadsOneLinePerQuestion) {
  std::istringstream in("y\n\n");
  std::ostringstream err;
  TerminalPrompter p(in, err, /*interactive=*/true);
  EXPECT_EQ(p.confirm("Delete lab?", false), true);
  EXPECT_EQ(p.confirm("Delete it too?", false), false);
  EXPECT_EQ(err.str(), "Delete lab? [y/N] Delete it too? [y/N] ");
}

TEST(TerminalPrompter, ASecretWithoutARealTerminalIsReadAsIs) {
  std::istringstream in("123456\n");
  std::ostringstream err;
  TerminalPrompter p(in, err, true, /*fd=*/-1);
  EXPECT_EQ(p.secret("Enter MFA code: "), "123456");
  EXPECT_EQ(err.str(), "Enter MFA code: ");  // no echo to turn off: no extra newline
}

TEST(TerminalPrompter, WhenStdinIsNotATerminalNothingIsShownOrRead) {
  std::istringstream in("y\n");
  std::ostringstream err;
  TerminalPrompter p(in, err, false);
  EXPECT_FALSE(p.confirm("Delete lab?", false));
  EXPECT_EQ(err.str(), "");
  std::string rest;
  std::getline(in, rest);
  EXPECT_EQ(rest, "y");
}

}  // namespace
}  // namespace gpubox::cli
