// InterruptLatch: Ctrl-C while a command follows a job only sets a flag.

#include "cli/interrupt.hpp"

#include <csignal>

#include <gtest/gtest.h>

namespace gpubox::cli {
namespace {

TEST(InterruptLatch, ASigintIsLatchedNotFatalAndTheDefaultComesBack) {
  {
    InterruptLatch latch;
    EXPECT_FALSE(latch.fired());
    ASSERT_EQ(std::raise(SIGINT), 0);  // would end the test binary without the latch
    EXPECT_TRUE(latch.fired());
  }
  struct sigaction now{};
  ASSERT_EQ(sigaction(SIGINT, nullptr, &now), 0);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
  InterruptLatch fresh;
  EXPECT_FALSE(fresh.fired());  // a new latch starts unfired
}

}  // namespace
}  // namespace gpubox::cli
