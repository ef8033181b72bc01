#include "box/launch/up.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "fakes/temp_dir.hpp"

namespace gpubox::box {
namespace {

catalog::Catalog fixture() {
  auto c =
      catalog::load_file(std::string(GPUBOX_SOURCE_DIR) + "/tests/fixtures/catalog/instances.csv");
  EXPECT_TRUE(c.has_value());
  return c ? *c : catalog::Catalog{};
}

RandomSource fixed_random() {
  return [] { return std::uint64_t{42}; };
}

UpRequest request() {
  UpRequest r;
  r.name = "lab";
  r.gpu = "T4";
  return r;
}

Result<UpInput> validate(const UpRequest& r, const std::filesystem::path& home) {
  return validate_up(r, fixture(), home, fixed_random());
}

TEST(UpValidation, BadInputIsRejectedBeforeAnyCall) {
  testing::ScopedTempDir home;
  auto cases = std::vector<std::pair<std::string, std::function<void(UpRequest&)>>>{
      {"name", [](UpRequest& r) { r.name = "bad_name!"; }},
      {"long name", [](UpRequest& r) { r.name = std::string(41, 'a'); }},
      {"disk 0", [](UpRequest& r) { r.disk_gb = 0; }},
      {"disk huge", [](UpRequest& r) { r.disk_gb = 16385; }},
      {"cidr", [](UpRequest& r) { r.allow_from = "10.0.0.300/8"; }},
      {"gpu", [](UpRequest& r) { r.gpu = "T5000"; }},
      {"old gpu", [](UpRequest& r) { r.gpu = "K80"; }},
      {"type",
       [](UpRequest& r) {
         r.gpu.clear();
         r.instance_type = "p3.2xlarge";
       }},
      {"both", [](UpRequest& r) { r.instance_type = "g5.xlarge"; }},
      {"key", [](UpRequest& r) { r.key_path = "/nonexistent/id.pub"; }},
      {"wait", [](UpRequest& r) { r.wait = "forever"; }},
      {"idle", [](UpRequest& r) { r.idle = "soon"; }},
      {"idle 0", [](UpRequest& r) { r.idle = "0"; }},
      {"idle bare number", [](UpRequest& r) { r.idle = "45"; }},
      {"max-hours 0", [](UpRequest& r) { r.max_hours = "0"; }},
      {"max-hours word", [](UpRequest& r) { r.max_hours = "lots"; }},
      {"framework", [](UpRequest& r) { r.framework = "jax"; }},
      {"volume name", [](UpRequest& r) { r.volume = "my_data:10"; }},
      {"volume size", [](UpRequest& r) { r.volume = "data:0"; }},
      {"volume without ssh",
       [](UpRequest& r) {
         r.volume = "data:10";
         r.wait = "running";
       }},
  };
  for (auto& [what, change] : cases) {
    UpRequest r = request();
    change(r);
    auto got = validate(r, home.path());
    ASSERT_FALSE(got) << what;
    EXPECT_EQ(got.error().kind, ErrorKind::invalid_input) << what << ": " << got.error().message;
  }
}

TEST(UpValidation, AVolumeIsANameAndAnOptionalSize) {
  testing::ScopedTempDir home;
  UpRequest r = request();
  r.volume = "data:200";
  auto in = validate(r, home.path());
  ASSERT_TRUE(in) << in.error().message;
  ASSERT_TRUE(in->volume.has_value());
  EXPECT_EQ(in->volume->name, "data");
  EXPECT_EQ(in->volume->size_gib, 200);
  r.volume = "data";
  in = validate(r, home.path());
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_FALSE(in->volume->size_gib.has_value());
  r.volume.clear();
  in = validate(r, home.path());
  ASSERT_TRUE(in);
  EXPECT_FALSE(in->volume.has_value());
}

TEST(UpValidation, DefaultKeyIsEd25519ThenRsaAndEcdsaIsPassedOver) {
  testing::ScopedTempDir home;
  auto none = validate(request(), home.path());
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->public_key_line.empty());  // no key: a key pair gets created
  home.write(".ssh/id_ecdsa.pub", "ecdsa-sha2-nistp256 AAAAE2 me@ecdsa\n");
  home.write(".ssh/id_ecdsa", "private");
  auto only_ecdsa = validate(request(), home.path());
  ASSERT_TRUE(only_ecdsa) << only_ecdsa.error().message;
  EXPECT_TRUE(only_ecdsa->public_key_line.empty());  // EC2 would refuse it: create a key pair
  home.write(".ssh/id_rsa.pub", "ssh-rsa AAAAB3 me@rsa\n");
  home.write(".ssh/id_rsa", "private");
  auto rsa = validate(request(), home.path());
  ASSERT_TRUE(rsa) << rsa.error().message;
  EXPECT_EQ(rsa->public_key_line, "ssh-rsa AAAAB3 me@rsa");
  EXPECT_EQ(rsa->private_key_path, home.path() / ".ssh/id_rsa");
  home.write(".ssh/id_ed25519.pub", "ssh-ed25519 AAAAC3 me@ed\n");
  auto ed = validate(request(), home.path());
  ASSERT_TRUE(ed) << ed.error().message;
  EXPECT_EQ(ed->public_key_line, "ssh-ed25519 AAAAC3 me@ed");
}

TEST(UpValidation, EcdsaAndSecurityKeysAreRefusedWithAClearMessage) {
  testing::ScopedTempDir home;
  for (const auto& [line, words] : std::vector<std::pair<std::string, std::string>>{
           {"ecdsa-sha2-nistp256 AAAAE2 me@ecdsa", "is an ECDSA key"},
           {"sk-ssh-ed25519@openssh.com AAAAGn me@yubikey", "is a FIDO security key"},
           {"sk-ecdsa-sha2-nistp256@openssh.com AAAAIn me@yubikey", "is a FIDO security key"}}) {
    UpRequest r = request();
    r.key_path = home.write("k.pub", line + "\n").string();
    auto got = validate(r, home.path());
    ASSERT_FALSE(got) << line;
    EXPECT_EQ(got.error().kind, ErrorKind::invalid_input);
    EXPECT_NE(got.error().message.find(words), std::string::npos) << got.error().message;
    EXPECT_NE(got.error().hint.find("ssh-keygen -t ed25519"), std::string::npos);
  }
}

TEST(UpValidation, APrivateKeyPassedAsKeyIsRefused) {
  testing::ScopedTempDir home;
  auto path = home.write("k", "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n");
  UpRequest r = request();
  r.key_path = path.string();
  auto got = validate(r, home.path());
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("private key"), std::string::npos);
}

TEST(UpValidation, NamesAreGeneratedAndValuesNormalised) {
  testing::ScopedTempDir home;
  UpRequest r = request();
  r.name.clear();
  r.gpu = "t4:1";
  r.allow_from = "198.51.100.9";
  r.idle = "2h";
  auto got = validate(r, home.path());
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(validate_name(got->name));
  EXPECT_EQ(got->gpu->name, "T4");
  EXPECT_EQ(got->allow_from, "198.51.100.9/32");
  EXPECT_EQ(got->idle_minutes, 120);
  EXPECT_EQ(*parse_idle_minutes("off"), 0);
  EXPECT_EQ(*parse_idle_minutes("45m"), 45);
}

}  // namespace
}  // namespace gpubox::box
