#include "box/launch/host_keys.hpp"

#include <gtest/gtest.h>

#include "box/access/known_hosts.hpp"
#include "box/up_fixtures.hpp"
#include "core/crypto.hpp"
#include "fakes/fake_file_system.hpp"
#include "fakes/recording_progress.hpp"

namespace gpubox::box {
namespace {

using up_testing::AwsHarness;
using up_testing::ec2_error;

// The console as Ubuntu's cloud-init leaves it: fingerprints logged with an "ec2:" prefix, then
// the keys block.
const std::string k_ubuntu_console =
    "[    5.733101] cloud-init[512]: Cloud-init v. 24.1.3 running 'init-local'\n"
    "ec2: \n"
    "ec2: #############################################################\n"
    "ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----\n"
    "ec2: 256 SHA256:abc root@ip-172-31-1-2 (ECDSA)\n"
    "ec2: 256 SHA256:def root@ip-172-31-1-2 (ED25519)\n"
    "ec2: -----END SSH HOST KEY FINGERPRINTS-----\n"
    "ec2: #############################################################\n"
    "-----BEGIN SSH HOST KEY KEYS-----\n"
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY= root@ip-172-31-1-2\n"
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE root@ip-172-31-1-2\n"
    "-----END SSH HOST KEY KEYS-----\n"
    "[   41.77] cloud-init[1190]: Cloud-init v. 24.1.3 finished\n";

std::string console_xml(const std::string& text) {
  std::string out = text.empty() ? "" : "<output>" + base64_encode(text) + "</output>";
  return "<GetConsoleOutputResponse><instanceId>i-1</instanceId>" + out +
         "</GetConsoleOutputResponse>";
}

TEST(HostKeys, ParsesTheUbuntuFormatAndKeepsEveryKeyType) {
  auto keys = parse_console_host_keys(k_ubuntu_console);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=");
  EXPECT_EQ(keys[1], "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE");
}

TEST(HostKeys, PollsTheLatestConsoleUntilTheBlockAppears) {
  AwsHarness h;
  h.http.respond("GetConsoleOutput", 400, ec2_error("InvalidInstanceID.NotFound"));
  h.http.respond("GetConsoleOutput", 200, console_xml(""));
  h.http.respond("GetConsoleOutput", 200, console_xml("[    0.0] Linux version 6.8\n"));
  h.http.respond("GetConsoleOutput", 200, console_xml(k_ubuntu_console));
  testing::RecordingProgress progress;
  auto keys = wait_console_host_keys(*h.client, h.clock, "us-east-1", "i-1",
                                     std::chrono::seconds(600), progress);
  ASSERT_TRUE(keys) << keys.error().message;
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_EQ(h.clock.sleeps, (std::vector<Duration>{std::chrono::seconds(1), std::chrono::seconds(2),
                                                   std::chrono::seconds(4)}));
  for (const auto& body : h.bodies("GetConsoleOutput")) {
    EXPECT_NE(body.find("Latest=true"), std::string::npos) << body;
  }
  ASSERT_FALSE(progress.lines().empty());
  EXPECT_NE(progress.lines()[0].find("waiting for i-1's SSH host keys"), std::string::npos);
  EXPECT_EQ(progress.ticks(), 2u);  // one phase, then a tick for each further look
}

TEST(HostKeys, GivesUpWithNoKeysAfterTheTimeout) {
  AwsHarness h;
  for (int i = 0; i < 20; ++i) {
    h.http.respond("GetConsoleOutput", 200, console_xml("booting\n"));
  }
  auto keys =
      wait_console_host_keys(*h.client, h.clock, "us-east-1", "i-1", std::chrono::seconds(30));
  ASSERT_TRUE(keys);
  EXPECT_TRUE(keys->empty());
  Duration slept{0};
  for (auto d : h.clock.sleeps) {
    slept += d;
  }
  EXPECT_LE(slept, std::chrono::seconds(30));
}

TEST(HostKeys, NoKeysIsRefusedUnlessTrustedOrTheUserSaysYes) {
  HostKeyPolicy policy;
  auto refused = accept_unverified_host(policy, "lab", std::chrono::seconds(600));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("printed no SSH host keys in 600 s"), std::string::npos);
  EXPECT_NE(refused.error().hint.find("gpubox down lab"), std::string::npos);
  policy.ask = [](const std::string&) { return false; };
  EXPECT_FALSE(accept_unverified_host(policy, "lab", std::chrono::seconds(1)));
  std::string asked;
  policy.ask = [&](const std::string& q) {
    asked = q;
    return true;
  };
  EXPECT_TRUE(accept_unverified_host(policy, "lab", std::chrono::seconds(1)));
  EXPECT_NE(asked.find("Trust the key"), std::string::npos);
  HostKeyPolicy trusting;
  trusting.trust_first_use = true;
  EXPECT_TRUE(accept_unverified_host(trusting, "lab", std::chrono::seconds(1)));
}

// The first connection to a box `up --wait running` left unverified: one console read, and the
// keys it shows are pinned and remembered; without keys nothing is pinned and nothing waits.
TEST(HostKeys, AnUnpinnedRunningBoxIsPinnedFromOneConsoleRead) {
  AwsHarness h;
  auto store = state::BoxStore::open_memory();
  ASSERT_TRUE(store);
  state::Box box;
  box.name = "lab";
  box.kind = state::BoxKind::aws;
  box.region = "us-east-1";
  box.instance_id = "i-1";
  box.state = "running";
  ASSERT_TRUE(store->insert_box(box));
  testing::FakeFileSystem fs;
  fs.add_dir("/data", 0700);

  h.http.respond("GetConsoleOutput", 200, console_xml("[    0.0] Linux version 6.8\n"));
  auto none = pin_from_console_once(*h.client, h.clock, *store, fs, "/data/known_hosts", box);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(*none);
  EXPECT_TRUE(h.clock.sleeps.empty());  // one read, no wait
  EXPECT_FALSE(store->get_box("lab")->host_key_pinned);

  h.http.respond("GetConsoleOutput", 200, console_xml(k_ubuntu_console));
  testing::RecordingProgress progress;
  auto pinned =
      pin_from_console_once(*h.client, h.clock, *store, fs, "/data/known_hosts", box, progress);
  ASSERT_TRUE(pinned) << pinned.error().message;
  EXPECT_TRUE(*pinned);
  EXPECT_TRUE(box.host_key_pinned);
  EXPECT_TRUE(store->get_box("lab")->host_key_pinned);
  EXPECT_EQ(fs.files.at("/data/known_hosts").content,
            "lab ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=\n"
            "lab ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE\n");

  // Pinned now, or not an AWS box: no further console reads.
  EXPECT_TRUE(*pin_from_console_once(*h.client, h.clock, *store, fs, "/data/known_hosts", box));
  EXPECT_EQ(h.bodies("GetConsoleOutput").size(), 2u);
}

TEST(HostKeys, RecognisesSshsMismatchMessages) {
  EXPECT_TRUE(is_host_key_mismatch("Host key verification failed.\r\n"));
  EXPECT_TRUE(is_host_key_mismatch(
      "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key for lab has changed"));
  EXPECT_FALSE(
      is_host_key_mismatch("ssh: connect to host 127.0.0.1 port 2222: Connection refused"));
}

}  // namespace
}  // namespace gpubox::box
