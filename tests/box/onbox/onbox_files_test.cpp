#include "box/onbox/onbox_files.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "core/paths.hpp"
#include "fakes/fake_process_runner.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

std::string source_file(const std::string& name) {
  return read_file(fs::path(GPUBOX_SOURCE_DIR) / "onbox" / name).value_or("<missing>");
}

TEST(OnboxFiles, EmbedsEveryFileTheBoxNeedsByteForByte) {
  std::vector<std::string> expected{"bootstrap.sh",  "watchdog.py",  "job.py",
                                    "volume.sh",     "autostart.sh", "check.py",
                                    "imdb_model.py", "imdb.ipynb",   "imdb_sample.tsv.gz"};
  EXPECT_EQ(onbox_file_names(), expected);
  for (const std::string& name : expected) {
    auto bytes = onbox_file(name);
    ASSERT_TRUE(bytes) << name;
    EXPECT_EQ(std::string(*bytes), source_file(name)) << name << " differs from onbox/";
  }
  EXPECT_FALSE(onbox_file("userdata.tar.gz"));
  EXPECT_FALSE(onbox_file("nope.sh"));
}

TEST(OnboxFiles, ArchiveUnpacksToTheSameFiles) {
  testing::ScopedTempDir tmp;
  PosixProcessRunner runner;
  RunOptions in;
  in.stdin_text = std::string(onbox_archive());
  auto r = runner.run({"tar", "-xzf", "-", "-C", tmp.path().string()}, in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->exit_code, 0) << r->stderr_text;
  for (const std::string& name : onbox_file_names()) {
    EXPECT_EQ(read_file(tmp.path() / name).value_or(""), source_file(name)) << name;
  }
}

TEST(OnboxFiles, ExtractWritesExecutableScripts) {
  testing::ScopedTempDir tmp;
  fs::path dir = tmp.path() / "onbox";
  ASSERT_TRUE(extract_onbox_files(dir));
  EXPECT_EQ(read_file(dir / "check.py").value_or(""), source_file("check.py"));
  struct stat st{};
  ASSERT_EQ(::stat((dir / "bootstrap.sh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  ASSERT_EQ(::stat((dir / "imdb_sample.tsv.gz").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(OnboxFiles, UploadIsOneSshCallWithTheArchiveOnStdin) {
  testing::FakeProcessRunner runner;
  remote::SshTarget target{"lab", "me", "127.0.0.1", 2222, "/k", "/kh", true};
  runner.expect_if([](const auto& argv) { return argv.at(0) == "ssh"; }, "ssh", {0, "", ""});
  ASSERT_TRUE(upload_onbox_files(runner, target));
  ASSERT_EQ(runner.calls.size(), 1u);
  EXPECT_EQ(runner.calls[0].argv.back(),
            "mkdir -p ~/.gpubox/onbox && tar --no-same-owner -xzf - -C ~/.gpubox/onbox");
  EXPECT_EQ(runner.calls[0].options.stdin_text.value_or(""), std::string(onbox_archive()));
}

TEST(OnboxFiles, UploadFailureCarriesTheRemoteMessage) {
  testing::FakeProcessRunner runner;
  remote::SshTarget target{"lab", "me", "127.0.0.1", 2222, "", "/kh", true};
  runner.expect_if([](const auto&) { return true; }, "ssh", {2, "", "tar: not found\n"});
  auto r = upload_onbox_files(runner, target);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("tar: not found"), std::string::npos);
}

TEST(ShellQuote, SurvivesARealShell) {
  std::vector<std::string> words{"plain", "with space", "it's", "$HOME", "a\"b", "", "x;y`z`"};
  PosixProcessRunner runner;
  auto r = runner.run({"sh", "-c", "printf '%s|' " + shell_join(words)}, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stdout_text, "plain|with space|it's|$HOME|a\"b||x;y`z`|");
  EXPECT_EQ(shell_quote("a/b-c.d"), "a/b-c.d");
}

}  // namespace
}  // namespace gpubox::box
