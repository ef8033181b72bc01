#include "box/access/ssh_config.hpp"

#include <gtest/gtest.h>

#include "core/paths.hpp"
#include "fakes/fake_file_system.hpp"
#include "fakes/fake_prompter.hpp"
#include "fakes/temp_dir.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

// Return the text of the real file at `path` ("" when it cannot be read).
std::string slurp(const fs::path& path) { return read_file(path).value_or(""); }

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
  testing::FakeFileSystem files;
  fs::path path = "/data/gpubox/ssh_config";
  ASSERT_TRUE(write_ssh_config(files, path, "old\n"));
  ASSERT_TRUE(write_ssh_config(files, path, "new\n"));
  EXPECT_EQ(files.content(path), "new\n");
  EXPECT_EQ(files.mode(path), 0600u);
  EXPECT_EQ(files.mode(path.parent_path()), 0700u);
}

TEST(WriteSshConfig, ADirectoryThatCannotBeWrittenIsAnError) {
  testing::FakeFileSystem files;
  files.add_dir("/data/gpubox", 0500);
  auto r = write_ssh_config(files, "/data/gpubox/ssh_config", "x\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "directory /data/gpubox is not writable");
  EXPECT_FALSE(files.content("/data/gpubox/ssh_config"));
}

TEST(RefreshSshConfig, WritesEveryStoredBoxThroughTheFilesOfLocalFiles) {
  testing::FakeFileSystem files;
  auto store = state::BoxStore::open_memory().value();
  state::Box box;
  box.name = "lab";
  box.kind = state::BoxKind::aws;
  box.public_ip = "203.0.113.7";
  box.ssh_user = "ubuntu";
  ASSERT_TRUE(store.insert_box(box));
  ASSERT_TRUE(refresh_ssh_config(store, LocalFiles{"/data", {}, &files}));
  auto text = files.content("/data/ssh_config");
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("Host lab\n"), std::string::npos) << *text;
  EXPECT_EQ(files.mode("/data/ssh_config"), 0600u);
}

TEST(RefreshSshConfig, AStandInsInventedAddressesNeverReachTheConfig) {
  testing::FakeFileSystem disk;
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
  LocalFiles files{"/data", {}, &disk};
  auto config = [&] { return disk.content(files.ssh_config()).value_or(""); };
  files.connect.endpoint_is_local = true;
  ASSERT_TRUE(refresh_ssh_config(store, files));
  EXPECT_EQ(config().find("Host lab"), std::string::npos)
      << "without GPUBOX_SSH_CONNECT a stand-in's box has no entry: " << config();
  files.connect.connect_override = "127.0.0.1:2201";
  ASSERT_TRUE(refresh_ssh_config(store, files));
  const std::string text = config();
  EXPECT_NE(text.find("  HostName 127.0.0.1\n  User ubuntu\n  Port 2201\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("54.214."), std::string::npos) << text;
  files.connect = {};  // real AWS: the instance's own address
  ASSERT_TRUE(refresh_ssh_config(store, files));
  EXPECT_NE(config().find("  HostName 54.214.9.9\n"), std::string::npos);
}

struct IncludeFixture : ::testing::Test {
  gpubox::testing::FakeFileSystem files;
  fs::path home = "/home/me";
  fs::path config = home / ".ssh" / "config";
  fs::path managed = home / ".local" / "share" / "gpubox" / "ssh_config";
  fs::path answer = home / ".local" / "share" / "gpubox" / "ssh_include_answer";
  gpubox::testing::FakePrompter prompter;

  IncludeFixture() { files.add_dir(home, 0755); }

  // The way `gpubox up` asks: a yes/no question on the terminal, no by default.
  AskFn ask() {
    return [this](std::string_view question) {
      auto yes = prompter.confirm(question, false);
      return yes && *yes;
    };
  }
  std::string question() const {
    return "Add `Include " + managed.string() + "` to the top of " + config.string() +
           " so that `ssh <box>` works? [y/N] ";
  }
};

TEST_F(IncludeFixture, AddsTheIncludeFirstAndKeepsTheUsersLinesByteForByte) {
  std::string user = "Host github.com\n\tUser git\r\n# my notes\nHost *\n  ForwardAgent no";
  files.add_file(config, user, 0644);
  prompter.type("y");
  auto r = ensure_include(files, config, managed, answer, ask());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, IncludeResult::added);
  EXPECT_EQ(files.content(config), "Include " + managed.string() + "\n" + user);
  EXPECT_EQ(files.mode(config), 0644u) << "the user's file mode is kept";
  EXPECT_EQ(files.content(answer), "yes\n");
  EXPECT_EQ(files.mode(answer), 0600u);
  auto again = ensure_include(files, config, managed, answer, ask());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, IncludeResult::present);
  EXPECT_EQ(prompter.prompts, (std::vector<std::string>{question()}));
  EXPECT_EQ(files.content(config), "Include " + managed.string() + "\n" + user);
}

TEST_F(IncludeFixture, CreatesSshDirectoryAndConfigWhenMissing) {
  prompter.type("yes");
  auto r = ensure_include(files, config, managed, answer, ask());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, IncludeResult::added);
  EXPECT_EQ(files.content(config), "Include " + managed.string() + "\n");
  EXPECT_EQ(files.mode(config), 0600u);
  EXPECT_EQ(files.mode(config.parent_path()), 0700u);
}

TEST_F(IncludeFixture, ANoIsRecordedAndNeverAskedAgain) {
  files.add_file(config, "Host a\n");
  prompter.type("");  // Enter: the default, no
  auto r = ensure_include(files, config, managed, answer, ask());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, IncludeResult::not_included);
  EXPECT_EQ(files.content(answer), "no\n");
  prompter.type("y");
  auto again = ensure_include(files, config, managed, answer, ask());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, IncludeResult::not_included);
  EXPECT_EQ(prompter.prompts.size(), 1u);
  EXPECT_EQ(prompter.unused(), 1u);
  EXPECT_EQ(files.content(config), "Host a\n");
}

TEST_F(IncludeFixture, WithoutATerminalNothingIsWrittenAndTheAnswerIsNo) {
  files.add_file(config, "Host a\n");
  prompter.is_interactive = false;
  auto r = ensure_include(files, config, managed, answer, ask());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, IncludeResult::not_included);
  EXPECT_TRUE(prompter.prompts.empty());
  EXPECT_EQ(files.content(config), "Host a\n");
}

TEST_F(IncludeFixture, AnExistingTildeIncludeCountsAndIsNotDuplicated) {
  std::string user = "include=\"~/.local/share/gpubox/ssh_config\"\nHost a\n";
  files.add_file(config, user);
  auto r = ensure_include(files, config, managed, answer, ask());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, IncludeResult::present);
  EXPECT_TRUE(prompter.prompts.empty());
  EXPECT_EQ(files.content(config), user);
}

TEST_F(IncludeFixture, AnIncludeInsideAHostBlockDoesNotCount) {
  std::string user = "Host a\n  Include " + managed.string() + "\n";
  files.add_file(config, user);
  prompter.type("y");
  auto r = ensure_include(files, config, managed, answer, ask());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, IncludeResult::added);
  EXPECT_EQ(files.content(config), "Include " + managed.string() + "\n" + user);
}

TEST_F(IncludeFixture, WritesThroughASymlinkedConfig) {
  files.add_file("/home/me/dotfiles/ssh_config", "Host a\n", 0640);
  files.add_symlink(config, "/home/me/dotfiles/ssh_config");
  prompter.type("y");
  auto r = ensure_include(files, config, managed, answer, ask());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(files.symlinks.contains(config.string()));
  EXPECT_FALSE(files.files.contains(config.string()));
  EXPECT_EQ(files.content("/home/me/dotfiles/ssh_config"),
            "Include " + managed.string() + "\nHost a\n");
  EXPECT_EQ(files.mode("/home/me/dotfiles/ssh_config"), 0640u);
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
