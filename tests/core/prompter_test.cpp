#include "core/prompter.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_prompter.hpp"

namespace gpubox {
namespace {

using testing::FakePrompter;

TEST(PrompterConfirm, AppendsTheDefaultAndReadsYesOrNo) {
  FakePrompter p;
  p.type(" Yes ");
  p.type("n");
  EXPECT_EQ(p.confirm("Delete lab?", false), true);
  EXPECT_EQ(p.confirm("Delete lab?", true), false);
  EXPECT_EQ(p.prompts, (std::vector<std::string>{"Delete lab? [y/N] ", "Delete lab? [Y/n] "}));
  EXPECT_EQ(p.secrets, (std::vector<bool>{false, false}));
}

TEST(PrompterConfirm, AnEmptyAnswerOrTheEndOfInputIsTheDefault) {
  FakePrompter p;
  p.type("");
  EXPECT_EQ(p.confirm("Go?", true), true);
  EXPECT_EQ(p.confirm("Go?", false), false);  // nothing left to read: end of input
  EXPECT_EQ(p.prompts.size(), 2u);
}

TEST(PrompterConfirm, AnotherAnswerAsksAgainThenFails) {
  FakePrompter p;
  p.type("maybe");
  p.type("y");
  EXPECT_EQ(p.confirm("Go?", false), true);
  EXPECT_EQ(p.prompts.size(), 2u);
  for (int i = 0; i < 3; ++i) {
    p.type("perhaps");
  }
  auto r = p.confirm("Go?", false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "no valid answer to \"Go?\"");
}

TEST(PrompterConfirm, WithoutATerminalRefusesUnlessTheDefaultMayApply) {
  FakePrompter p;
  p.is_interactive = false;
  p.type("y");
  auto r = p.confirm("Delete lab?", false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(r.error().message, "stdin is not a terminal");
  EXPECT_EQ(p.confirm("Add the Include?", true, Unattended::use_default), true);
  EXPECT_TRUE(p.prompts.empty());  // nothing was shown, nothing read
  EXPECT_EQ(p.unused(), 1u);
}

TEST(PrompterChoose, ListsTheOptionsAndReturnsTheIndex) {
  FakePrompter p;
  p.type("4");  // out of range: asked again
  p.type("2");
  std::vector<std::string> options{"us-east-1", "eu-west-1", "ap-south-1"};
  EXPECT_EQ(p.choose("Region?", options), 1u);
  ASSERT_EQ(p.prompts.size(), 2u);
  EXPECT_EQ(p.prompts[0], "Region?\n  1) us-east-1\n  2) eu-west-1\n  3) ap-south-1\nChoose 1-3: ");
}

TEST(PrompterChoose, AnEmptyAnswerTakesTheDefaultAndUnattendedUsesItOrRefuses) {
  FakePrompter p;
  p.type("");
  std::vector<std::string> options{"a", "b"};
  EXPECT_EQ(p.choose("Which?", options, 1), 1u);
  EXPECT_EQ(p.prompts[0], "Which?\n  1) a\n  2) b\nChoose 1-2 [2]: ");
  p.is_interactive = false;
  EXPECT_EQ(p.choose("Which?", options, 0, Unattended::use_default), 0u);
  EXPECT_FALSE(p.choose("Which?", options, std::nullopt, Unattended::use_default));
  EXPECT_FALSE(p.choose("Which?", options, 0));
}

TEST(PrompterSecret, ReadsWithoutEchoAndFailsAtTheEndOfInput) {
  FakePrompter p;
  p.type("123456");
  EXPECT_EQ(p.secret("Enter MFA code for arn:aws:iam::1:mfa/me: "), "123456");
  EXPECT_EQ(p.prompts, (std::vector<std::string>{"Enter MFA code for arn:aws:iam::1:mfa/me: "}));
  EXPECT_EQ(p.secrets, (std::vector<bool>{true}));
  auto r = p.secret("again: ");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "no answer on stdin");
  p.is_interactive = false;
  EXPECT_EQ(p.secret("x: ").error().message, "stdin is not a terminal");
}

}  // namespace
}  // namespace gpubox
