// gpubox down: terminate a box and delete everything gpubox created for it.

#include "cli/cmd_down.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "aws/settings.hpp"
#include "box/fleet/lifecycle.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"
#include "core/strings.hpp"
#include "state/box_store.hpp"

namespace gpubox::cli {

namespace {

// Ask on the terminal; without one, refuse rather than guess.
Result<bool> confirm(Env& env, const std::string& question) {
  auto ok = env.prompter.confirm(question, false);
  if (!ok) {
    Error e = std::move(ok.error());
    e.message = "not asking for confirmation: " + e.message;
    e.hint = "pass --yes to delete without asking";
    return fail(std::move(e));
  }
  return ok;
}

void print_report(Env& env, const std::string& name, const box::DownReport& rep) {
  auto& out = env.streams.out;
  if (rep.already_gone) {
    out << fmt::format("{} is already gone; nothing tagged for it is left in {}\n", name,
                       rep.region);
    return;
  }
  out << fmt::format("{} is gone ({})\n", name, rep.region);
  auto line = [&](const char* what, const std::vector<std::string>& items) {
    if (!items.empty()) {
      out << fmt::format("  {}: {}\n", what, fmt::join(items, ", "));
    }
  };
  line("cancelled spot request", rep.spot_requests);
  line("terminated", rep.terminated);
  line("deleted security group", rep.security_groups);
  line("deleted key pair", rep.key_pairs);
  line("deleted volume", rep.volumes);
  if (rep.key_file_removed) {
    out << "  removed the saved private key\n";
  }
  if (!rep.kept_volumes.empty()) {
    warn(env.streams, fmt::format("volumes still attached, not deleted: {} (`gpubox gc` later)",
                                  fmt::join(rep.kept_volumes, ", ")));
  }
}

}  // namespace

Result<void> run_down(box::DownOptions opts, Env& env) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  GPUBOX_TRY_ASSIGN(store, env.store());
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  GPUBOX_TRY_ASSIGN(found, store->find_box(opts.name));
  if (!opts.confirmed) {
    std::string what =
        found ? fmt::format("{} ({} in {})", opts.name, found->instance_id, found->region)
              : fmt::format("{} (in {})", opts.name, ctx->settings->region);
    GPUBOX_TRY_SET(
        opts.confirmed,
        confirm(env, "Terminate box " + what + " and delete its disk, security group and key?"));
    if (!opts.confirmed) {
      return fail(ErrorKind::invalid_input, "not confirmed; nothing was deleted");
    }
  }
  GPUBOX_TRY_ASSIGN(deps, lifecycle_deps(env, *ctx->client, *store, ctx->settings->region));
  opts.region = ctx->settings->region;
  opts.files = box::LocalFiles{dir, env.connect_policy()};
  GPUBOX_TRY_ASSIGN(rep, box::down_box(deps, opts));
  print_report(env, opts.name, rep);
  return {};
}

void add_down_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<box::DownOptions>();
  auto* cmd = app.add_subcommand("down", "Terminate a box and delete everything it used");
  set_details(cmd,
              "Terminate the instance, wait, then delete its security group, key pair (and saved "
              "private key) and any leftover volume, so nothing keeps billing. Safe to repeat.");
  cmd->footer("Examples:\n  gpubox down mybox\n  gpubox down mybox --yes   # no question asked");
  cmd->add_option("name", opts->name, "The box")->required();
  cmd->add_flag("-y,--yes", opts->confirmed, "Do not ask for confirmation");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_down(*opts, env); }); });
}

}  // namespace gpubox::cli
