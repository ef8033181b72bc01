#include "box/access/ssh_config.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "core/paths.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

mode_t mode_of(const fs::path& p) {
  struct stat st{};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

std::string slurp(const fs::path& p) { return read_file(p).value_or("<missing>"); }

SshHost aws_host() {
  return SshHost{"train-1", "203.0.113.7", "ubuntu", 22, "/data/keys/train-1.pem", true};
}

TEST(RenderSshConfig, WritesOneBlockPerHostSortedByName) {
  SshHost byo{"lab", "10.0.0.5", "me", 2222, "", false};
  std::vector<SshHost> hosts = {aws_host(), byo};
  auto text = render_ssh_config(hosts, SshRenderOptions{"/data/known_hosts", "", ""});
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text,
            "# Managed by gpubox, which rewrites this file whole: do not edit it.\n"
            "# Included from ~/.ssh/config; remove that Include line to stop using it.\n"
            "\n"
            "Host lab\n"
            "  HostName 10.0.0.5\n"
            "  User me\n"
            "  Port 2222\n"
            "  HostKeyAlias lab\n"
            "  UserKnownHostsFile /data/known_hosts\n"
            "  StrictHostKeyChecking accept-new\n"
            "  HashKnownHosts no\n"
            "  ServerAliveInterval 30\n"
            "  ForwardAgent no\n"
            "  ForwardX11 no\n"
            "\n"
            "Host train-1\n"
            "  HostName 203.0.113.7\n"
            "  User ubuntu\n"
            "  Port 22\n"
            "  IdentityFile /data/keys/train-1.pem\n"
            "  IdentitiesOnly yes\n"
            "  HostKeyAlias train-1\n"
            "  UserKnownHostsFile /data/known_hosts\n"
            "  StrictHostKeyChecking yes\n"
            "  HashKnownHosts no\n"
            "  ServerAliveInterval 30\n"
            "  ForwardAgent no\n"
            "  ForwardX11 no\n");
}

TEST(RenderSshConfig, AppliesTestOverridesAndQuotesPathsWithSpaces) {
  SshHost host = aws_host();
  host.identity_file = "/My Data/key.pem";
  std::vector<SshHost> hosts = {host};
  auto text = render_ssh_config(
      hosts, SshRenderOptions{"/My Data/known_hosts", "127.0.0.1", "nc 127.0.0.1 2200"});
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("  HostName 127.0.0.1\n"), std::string::npos);
  EXPECT_EQ(text->find("203.0.113.7"), std::string::npos);
  EXPECT_NE(text->find("  ProxyCommand nc 127.0.0.1 2200\n"), std::string::npos);
  EXPECT_NE(text->find("  IdentityFile \"/My Data/key.pem\"\n"), std::string::npos);
  EXPECT_NE(text->find("  UserKnownHostsFile \"/My Data/known_hosts\"\n"), std::string::npos);
}

TEST(RenderSshConfig, EmptyListIsJustTheHeader) {
  auto text = render_ssh_config({}, SshRenderOptions{"/k", "", ""});
  ASSERT_TRUE(text);
  EXPECT_EQ(text->find("Host "), std::string::npos);
  EXPECT_TRUE(text->starts_with("# Managed by gpubox"));
}

TEST(RenderSshConfig, RefusesValuesThatWouldInjectConfig) {
  std::vector<std::vector<SshHost>> bad(5, {aws_host()});
  bad[0][0].alias = "x\nHost *";
  bad[1][0].host_name = "1.2.3.4\n  ProxyCommand evil";
  bad[2][0].user = "a b";
  bad[3][0].identity_file = "/k\"ey";
  bad[4][0].port = 0;
  for (const auto& hosts : bad) {
    auto text = render_ssh_config(hosts, SshRenderOptions{"/k", "", ""});
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error().kind, ErrorKind::invalid_input);
  }
  SshHost no_address = aws_host();
  no_address.host_name = "";
  std::vector<SshHost> one = {no_address};
  EXPECT_FALSE(render_ssh_config(one, SshRenderOptions{"/k", "", ""}));
}

TEST(SshHostFor, PrefersSshHostOverPublicIp) {
  state::Box box;
  box.name = "b";
  box.public_ip = "203.0.113.9";
  box.ssh_user = "ubuntu";
  box.ssh_port = 22;
  box.key_path = "/k";
  box.host_key_pinned = true;
  EXPECT_EQ(ssh_host_for(box).host_name, "203.0.113.9");
  box.ssh_host = "box.example.test";
  SshHost host = ssh_host_for(box);
  EXPECT_EQ(host.host_name, "box.example.test");
  EXPECT_EQ(host.alias, "b");
  EXPECT_EQ(host.identity_file, "/k");
  EXPECT_TRUE(host.host_key_pinned);
}

TEST(WriteSshConfig, CreatesThePrivateFileAndReplacesItWhole) {
  testing::ScopedTempDir tmp;
  fs::path path = tmp.path() / "data" / "ssh_config";
  ASSERT_TRUE(write_ssh_config(path, "old\n"));
  ASSERT_TRUE(write_ssh_config(path, "new\n"));
  EXPECT_EQ(slurp(path), "new\n");
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(mode_of(path.parent_path()), 0700u);
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(path.parent_path())) {
    ++files;
  }
  EXPECT_EQ(files, 1u) << "no temporary file may be left behind";
}

TEST(RefreshSshConfig, AStandInsInventedAddressesNeverReachTheConfig) {
  testing::ScopedTempDir tmp;
  auto store = std::move(*state::BoxStore::open_memory());
  state::Box aws;
  aws.name = "lab";
  aws.kind = state::BoxKind::aws;
  aws.public_ip = "54.214.9.9";
  aws.ssh_host = "54.214.9.9";
  aws.ssh_user = "ubuntu";
  aws.instance_id = "i-1";
  aws.region = "us-east-1";
  ASSERT_TRUE(store.insert_box(aws));
  LocalFiles files{tmp.path(), {}};
  files.connect.endpoint_is_local = true;
  ASSERT_TRUE(refresh_ssh_config(store, files));
  EXPECT_EQ(slurp(files.ssh_config()).find("Host lab"), std::string::npos)
      << "without GPUBOX_SSH_CONNECT a stand-in's box has no entry: " << slurp(files.ssh_config());
  files.connect.connect_override = "127.0.0.1:2201";
  ASSERT_TRUE(refresh_ssh_config(store, files));
  const std::string text = slurp(files.ssh_config());
  EXPECT_NE(text.find("  HostName 127.0.0.1\n  User ubuntu\n  Port 2201\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("54.214."), std::string::npos) << text;
  files.connect = {};  // real AWS: the instance's own address
  ASSERT_TRUE(refresh_ssh_config(store, files));
  EXPECT_NE(slurp(files.ssh_config()).find("  HostName 54.214.9.9\n"), std::string::npos);
}

struct IncludeFixture : ::testing::Test {
  gpubox::testing::ScopedTempDir tmp;
  fs::path home = tmp.path() / "home";
  fs::path config = home / ".ssh" / "config";
  fs::path managed = home / ".local" / "share" / "gpubox" / "ssh_config";
  fs::path answer = home / ".local" / "share" / "gpubox" / "ssh_include_answer";
  int asked = 0;

  AskFn answer_with(bool yes) {
    return [this, yes](std::string_view question) {
      ++asked;
      EXPECT_NE(question.find(managed.string()), std::string_view::npos);
      return yes;
    };
  }
};

TEST_F(IncludeFixture, AddsTheIncludeFirstAndKeepsTheUsersLinesByteForByte) {
  std::string user = "Host github.com\n\tUser git\r\n# my notes\nHost *\n  ForwardAgent no";
  tmp.write("home/.ssh/config", user);
  ::chmod(config.c_str(), 0644);
  auto r = ensure_include(config, managed, answer, answer_with(true));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, IncludeResult::added);
  EXPECT_EQ(slurp(config), "Include " + managed.string() + "\n" + user);
  EXPECT_EQ(mode_of(config), 0644u) << "the user's file mode is kept";
  auto again = ensure_include(config, managed, answer, answer_with(true));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, IncludeResult::present);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(slurp(config), "Include " + managed.string() + "\n" + user);
}

TEST_F(IncludeFixture, CreatesSshDirectoryAndConfigWhenMissing) {
  auto r = ensure_include(config, managed, answer, answer_with(true));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, IncludeResult::added);
  EXPECT_EQ(slurp(config), "Include " + managed.string() + "\n");
  EXPECT_EQ(mode_of(config), 0600u);
  EXPECT_EQ(mode_of(config.parent_path()), 0700u);
}

TEST_F(IncludeFixture, ANoIsRecordedAndNeverAskedAgain) {
  tmp.write("home/.ssh/config", "Host a\n");
  auto r = ensure_include(config, managed, answer, answer_with(false));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, IncludeResult::not_included);
  auto again = ensure_include(config, managed, answer, answer_with(true));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, IncludeResult::not_included);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(slurp(config), "Host a\n");
}

TEST_F(IncludeFixture, AnExistingTildeIncludeCountsAndIsNotDuplicated) {
  std::string user = "include=\"~/.local/share/gpubox/ssh_config\"\nHost a\n";
  tmp.write("home/.ssh/config", user);
  auto r = ensure_include(config, managed, answer, answer_with(true));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, IncludeResult::present);
  EXPECT_EQ(asked, 0);
  EXPECT_EQ(slurp(config), user);
}

TEST_F(IncludeFixture, AnIncludeInsideAHostBlockDoesNotCount) {
  std::string user = "Host a\n  Include " + managed.string() + "\n";
  tmp.write("home/.ssh/config", user);
  auto r = ensure_include(config, managed, answer, answer_with(true));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, IncludeResult::added);
  EXPECT_EQ(slurp(config), "Include " + managed.string() + "\n" + user);
}

TEST_F(IncludeFixture, WritesThroughASymlinkedConfig) {
  fs::path real = tmp.write("dotfiles/ssh_config", "Host a\n");
  fs::create_directories(config.parent_path());
  fs::create_symlink(real, config);
  auto r = ensure_include(config, managed, answer, answer_with(true));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(fs::is_symlink(config));
  EXPECT_EQ(slurp(real), "Include " + managed.string() + "\nHost a\n");
}

TEST(IncludesManaged, RequiresTheIncludeBeforeTheFirstHostOrMatch) {
  fs::path managed = "/h/.local/share/gpubox/ssh_config";
  EXPECT_TRUE(includes_managed("# c\nInclude /x " + managed.string() + "\n", managed, "/h"));
  EXPECT_TRUE(includes_managed("  INCLUDE ~/.local/share/gpubox/ssh_config\n", managed, "/h"));
  EXPECT_FALSE(includes_managed("Match all\nInclude " + managed.string(), managed, "/h"));
  EXPECT_FALSE(includes_managed("# Include " + managed.string(), managed, "/h"));
  EXPECT_FALSE(includes_managed("Include /other/ssh_config\n", managed, "/h"));
}

}  // namespace
}  // namespace gpubox::box
