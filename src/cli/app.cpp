#include "cli/app.hpp"

#include <algorithm>
#include <map>
#include <ostream>

#include "cli/docgen.hpp"
#include "cli/user_config.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"

namespace gpubox::cli {
namespace {

constexpr const char* k_footer = R"(Examples:
  gpubox offers --gpu T4                   # where a T4 is cheapest, on-demand and spot
  gpubox up mybox --gpu T4 --idle 30m      # launch; SSH only from your address, Jupyter on loopback
  gpubox notebook mybox --open             # Jupyter through an SSH tunnel
  gpubox check mybox                       # prove the GPU, the frameworks and the IMDB notebook
  gpubox down mybox                        # terminate and delete everything it created

Exit codes: 0 ok, 1 error, 2 usage or invalid input, 4 credentials or access denied, 130 interrupted.
AWS settings follow the AWS CLI: ~/.aws/config and credentials, AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>. Progress goes to stderr, results to stdout.
Defaults: a flag beats the environment (AWS_REGION, GPUBOX_<KEY>), which beats
~/.config/gpubox/config.toml (`gpubox config`), which beats the built-in default.
Conventions: --yes answers yes to every question (without a terminal nothing is asked: down and
gc then refuse); --json prints one compact JSON document; durations are 90s, 30m, 2h (or off).)";

// Return the first argument that is not an option or an option's value.
std::optional<std::string> first_positional(const CLI::App& app,
                                            const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      return std::nullopt;
    }
    if (a.starts_with("-")) {
      bool takes_value = (a == "--profile" || a == "--region");
      if (takes_value && a.find('=') == std::string::npos) {
        ++i;
      }
      continue;
    }
    (void)app;
    return a;
  }
  return std::nullopt;
}

// Details set while the tree is built; build_app() moves them into each command's footer.
std::map<const CLI::App*, std::string>& pending_details() {
  static std::map<const CLI::App*, std::string> details;
  return details;
}

void print_help(Env& env, const std::string& text) {
  env.streams.out << text << (text.ends_with('\n') ? "" : "\n");
}

}  // namespace

void set_details(CLI::App* cmd, std::string text) { pending_details()[cmd] = std::move(text); }

void build_app(CLI::App& app, Env& env) {
  app.description(
      "gpubox: a secure Jupyter on a cloud GPU in one command, and nothing left billing.");
  app.footer(k_footer);
  app.set_version_flag("--version", std::string("gpubox ") + GPUBOX_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--profile", env.global.profile, "AWS profile (default: $AWS_PROFILE or default)");
  app.add_option("--region", env.global.region,
                 "AWS region (default: $AWS_REGION, then `gpubox config set region`, then the "
                 "profile's; commands on a named box use its own)");
  app.add_flag("--debug", env.global.debug, "Log each AWS request to stderr (secrets redacted)");
  app.add_flag("-q,--quiet", env.global.quiet, "No progress on stderr");
  app.add_flag("--no-color")->description("No colours (also: NO_COLOR set to anything)");
  // Listed in `gpubox --help` in this order: the main job first.
  add_up_command(app, env);
  add_ls_command(app, env);
  add_ssh_command(app, env);
  add_notebook_command(app, env);
  add_check_command(app, env);
  add_run_command(app, env);
  add_jobs_commands(app, env);
  add_transfer_commands(app, env);
  add_volumes_command(app, env);
  add_status_command(app, env);
  add_autostop_command(app, env);
  add_stop_command(app, env);
  add_start_command(app, env);
  add_down_command(app, env);
  add_gc_command(app, env);
  add_add_command(app, env);
  add_rm_command(app, env);
  add_offers_command(app, env);
  add_quota_command(app, env);
  add_cost_command(app, env);
  add_catalog_command(app, env);
  add_whoami_command(app, env);
  add_regions_command(app, env);
  add_config_command(app, env);
  add_doctor_command(app, env);
  add_iam_policy_command(app, env);
  add_version_command(app, env);
  for (CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (auto it = pending_details().find(sub); it != pending_details().end()) {
      sub->footer(it->second + "\n\n" + sub->get_footer());
      pending_details().erase(it);
    }
  }
}

std::string suggest_command(const CLI::App& app, const std::string& word) {
  std::string best;
  size_t best_distance = 3;  // suggest only close matches
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    const std::string& name = sub->get_name();
    size_t d = edit_distance(word, name);
    if (name.starts_with(word) || word.starts_with(name)) {
      d = std::min<size_t>(d, 1);
    }
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return best;
}

void run_guarded(Env& env, const std::function<Result<void>()>& body) {
  auto r = body();
  env.progress().finish();  // an updating progress line ends before the error or the result
  if (!r) {
    env.exit_code = report_error(env.streams, r.error());
  }
}

int run(Env& env, std::vector<std::string> args) {
  CLI::App app{"", "gpubox"};
  build_app(app, env);
  // Hidden: the build writes man pages and completions from this very tree (cmake/install.cmake),
  // before any config file or variable could change a default.
  if (args.size() == 2 && args[0] == "__generate-docs") {
    if (auto r = write_docs(app, GPUBOX_VERSION, args[1]); !r) {
      return report_error(env.streams, r.error());
    }
    return 0;
  }
  // Bare `gpubox` is a question, not a mistake: answer it with the help (gh, git).
  if (args.empty()) {
    print_help(env, app.help());
    return 0;
  }
  if (auto word = first_positional(app, args)) {
    auto subs = app.get_subcommands([&](const CLI::App* s) { return s->check_name(*word); });
    if (subs.empty()) {
      env.streams.err << "gpubox: error: unknown command '" << *word << "'";
      if (auto s = suggest_command(app, *word); !s.empty()) {
        env.streams.err << "; did you mean '" << s << "'?";
      }
      env.streams.err << "\nRun 'gpubox --help' for the list of commands.\n";
      return 2;
    }
  }
  // The config file's defaults; `gpubox config` must still run to repair a broken file.
  const bool configuring = first_positional(app, args) == std::optional<std::string>("config");
  if (auto values = load_config(config_path(env.getenv)); !values && !configuring) {
    return report_error(env.streams, values.error());
  } else if (values) {
    if (auto applied = apply_config_defaults(app, *values, env.getenv); !applied) {
      return report_error(env.streams, applied.error());
    }
  }
  // Decided before parsing: a subcommand's callback (the command itself) runs inside parse().
  // https://no-color.org: NO_COLOR set to anything non-empty turns colour off.
  const auto end_of_options = std::ranges::find(args, "--");
  env.streams.color = env.streams.out_is_tty &&
                      std::find(args.begin(), end_of_options, "--no-color") == end_of_options &&
                      env_value(env.getenv, "NO_COLOR") == std::nullopt;
  const std::vector<std::string> args_in_order = args;
  std::ranges::reverse(args);
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    print_help(env, app.help());
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    print_help(env, app.help("", CLI::AppFormatMode::All));
    return 0;
  } catch (const CLI::CallForVersion& v) {
    env.streams.out << v.what() << '\n';
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string usage = "gpubox --help";
    if (auto word = first_positional(app, args_in_order); word && !word->empty()) {
      usage = "gpubox " + *word + " --help";
    }
    env.streams.err << "gpubox: error: " << e.what() << "\nRun '" << usage << "' for usage.\n";
    return 2;
  }
  return env.exit_code;
}

}  // namespace gpubox::cli
