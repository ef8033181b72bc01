#include "cli/docgen.hpp"

#include <sstream>

#include <gtest/gtest.h>

#include "cli/app.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_http_client.hpp"
#include "fakes/fake_process_runner.hpp"
#include "fakes/fake_prompter.hpp"

namespace gpubox::cli {
namespace {

// The CLI tree exactly as `gpubox` builds it, over fakes.
struct Tree {
  std::ostringstream out, err;
  testing::FakeClock clock;
  testing::FakeHttpClient http;
  testing::FakeProcessRunner runner;
  testing::FakePrompter prompter;
  Env env{Streams{out, err}, env_from_map({{"HOME", "/h"}}), clock, http, runner, prompter};
  CLI::App app{"", "gpubox"};
  std::map<std::string, std::string> files;
  Tree() {
    build_app(app, env);
    files = generate_docs(app, "9.9.9");
  }
};

// `text` as the generated roff writes it: every '-' escaped.
std::string roffed(std::string_view text) {
  std::string out;
  for (char c : text) {
    out += c == '-' ? std::string("\\-") : std::string(1, c);
  }
  return out;
}

// Whether some line of `text` contains both `a` and `b`.
bool line_has(const std::string& text, const std::string& a, const std::string& b) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::vector<const CLI::App*> commands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); });
}

TEST(Docgen, EveryCommandHasAManPageAndEveryCompletionNamesIt) {
  Tree t;
  ASSERT_GE(commands(t.app).size(), 20u);
  ASSERT_TRUE(t.files.contains("man/man1/gpubox.1"));
  for (const auto* cmd : commands(t.app)) {
    const std::string name = cmd->get_name();
    const std::string page = "man/man1/gpubox-" + name + ".1";
    ASSERT_TRUE(t.files.contains(page)) << name;
    EXPECT_NE(t.files[page].find(".SH NAME\ngpubox\\-" + roffed(name) + " \\- "), std::string::npos)
        << name;
    EXPECT_NE(t.files["man/man1/gpubox.1"].find(".B " + roffed(name) + "\n"), std::string::npos)
        << name;
    EXPECT_NE(t.files["completions/gpubox.bash"].find("    " + name + ") words="),
              std::string::npos)
        << name;
    EXPECT_NE(t.files["completions/_gpubox"].find("    '" + name + ":"), std::string::npos) << name;
    EXPECT_NE(t.files["completions/gpubox.fish"].find("-a " + name + " -d"), std::string::npos)
        << name;
  }
}

TEST(Docgen, EveryVisibleOptionOfEveryCommandIsDocumentedAndCompleted) {
  Tree t;
  size_t checked = 0;
  for (const auto* cmd : commands(t.app)) {
    const std::string page = t.files["man/man1/gpubox-" + cmd->get_name() + ".1"];
    for (const auto* o : cmd->get_options([](const CLI::Option* o) {
           return !o->get_group().empty() && !o->get_lnames().empty() &&
                  o->get_lnames().front() != "help";
         })) {
      const std::string& l = o->get_lnames().front();
      EXPECT_NE(page.find("\\fB\\-\\-" + roffed(l) + "\\fR"), std::string::npos)
          << cmd->get_name() << " --" << l;
      EXPECT_TRUE(line_has(t.files["completions/gpubox.fish"],
                           "'__fish_seen_subcommand_from " + cmd->get_name() + "'", " -l " + l))
          << cmd->get_name() << " --" << l;
      ++checked;
    }
  }
  EXPECT_GT(checked, 60u);
}

TEST(Docgen, HiddenOptionsStayHidden) {
  Tree t;
  // --ssh-user is hidden: not among the options (the footer may still mention it).
  EXPECT_EQ(t.files["man/man1/gpubox-up.1"].find(".TP\n\\fB\\-\\-ssh\\-user"), std::string::npos);
  EXPECT_NE(t.files["man/man1/gpubox-up.1"].find(".TP\n\\fB\\-\\-gpu"), std::string::npos);
  EXPECT_NE(t.files["man/man1/gpubox-up.1"].find("gpubox 9.9.9"), std::string::npos);
}

TEST(Docgen, RoffEscapesLeadingDotsAndBackslashes) {
  Tree t;
  for (const auto& [path, text] : t.files) {
    if (!path.starts_with("man/")) {
      continue;
    }
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with(".")) {
        // Only the macros this generator writes may start a line.
        static const std::vector<std::string> k_macros = {".TH", ".SH", ".B",  ".BR",
                                                          ".TP", ".I",  ".nf", ".fi"};
        bool known = false;
        for (const auto& m : k_macros) {
          known = known || line == m || line.starts_with(m + " ");
        }
        EXPECT_TRUE(known) << path << ": " << line;
      }
    }
  }
}

}  // namespace
}  // namespace gpubox::cli
