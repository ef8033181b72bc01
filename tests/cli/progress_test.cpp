#include "cli/progress.hpp"

#include <sstream>

#include <gtest/gtest.h>

#include "fakes/fake_clock.hpp"

namespace gpubox::cli {
namespace {

using namespace std::chrono_literals;

TEST(Progress, OnATerminalThePhaseIsOneLineRewrittenWithElapsedTimeAndLimit) {
  std::ostringstream err;
  testing::FakeClock clock;
  Progress p(err, /*tty=*/true, /*quiet=*/false, clock);
  p.say("launched i-1");
  p.phase("waiting for ssh on lab", 10min);
  clock.advance(5s);
  p.tick();
  clock.advance(60s);
  p.tick();
  p.say("ssh is up on lab");
  EXPECT_EQ(err.str(),
            "launched i-1\n"
            "\r\x1b[Kwaiting for ssh on lab (0:00 of 10:00) |"
            "\r\x1b[Kwaiting for ssh on lab (0:05 of 10:00) /"
            "\r\x1b[Kwaiting for ssh on lab (1:05 of 10:00) -"
            "\r\x1b[Kssh is up on lab\n");
}

TEST(Progress, OnATerminalFinishClearsAnOpenLineAndAPhaseWithoutLimitShowsOnlyElapsed) {
  std::ostringstream err;
  testing::FakeClock clock;
  Progress p(err, true, false, clock);
  p.finish();  // nothing open: nothing written
  p.phase("i-1 is pending");
  clock.advance(2h + 3min + 4s);
  p.tick();
  p.finish();
  p.tick();  // no phase any more: nothing
  EXPECT_EQ(err.str(),
            "\r\x1b[Ki-1 is pending (0:00) |"
            "\r\x1b[Ki-1 is pending (2:03:04) /"
            "\r\x1b[K");
}

TEST(Progress, PipedEachPhaseAndEventIsAPlainLineAndTicksPrintNothing) {
  std::ostringstream err;
  testing::FakeClock clock;
  Progress p(err, /*tty=*/false, false, clock);
  p.phase("waiting for ssh on lab", 10min);
  p.tick();
  p.tick();
  p.say("ssh is up on lab");
  p.finish();
  EXPECT_EQ(err.str(), "waiting for ssh on lab\nssh is up on lab\n");
}

TEST(Progress, QuietPrintsNothing) {
  std::ostringstream err;
  testing::FakeClock clock;
  Progress p(err, true, /*quiet=*/true, clock);
  p.say("launched i-1");
  p.phase("waiting", 1min);
  p.tick();
  p.finish();
  EXPECT_EQ(err.str(), "");
}

TEST(FormatElapsed, MinutesAndSecondsThenHours) {
  EXPECT_EQ(format_elapsed(0s), "0:00");
  EXPECT_EQ(format_elapsed(59s), "0:59");
  EXPECT_EQ(format_elapsed(600s), "10:00");
  EXPECT_EQ(format_elapsed(3600s), "1:00:00");
  EXPECT_EQ(format_elapsed(-5s), "0:00");
}

}  // namespace
}  // namespace gpubox::cli
