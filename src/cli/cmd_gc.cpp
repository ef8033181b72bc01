// gpubox gc: find everything tagged by gpubox that no box owns, in every region, and remove it.

#include "cli/cmd_gc.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "aws/settings.hpp"
#include "box/fleet/gc.hpp"
#include "cli/app.hpp"
#include "cli/cmd_down.hpp"
#include "cli/deps.hpp"

namespace gpubox::cli {

namespace {

nlohmann::json items_json(const std::vector<box::Leftover>& items) {
  auto doc = nlohmann::json::array();
  for (const auto& l : items) {
    doc.push_back({{"region", l.region},
                   {"kind", l.kind},
                   {"id", l.id},
                   {"box", l.box},
                   {"detail", l.detail}});
  }
  return doc;
}

// Decide whether to remove: --yes, else ask on a terminal; without one (or with --json), refuse
// as `down` does: the list is shown, and the exit status says nothing was removed.
Result<bool> should_remove(const GcOptions& opts, Env& env, size_t count) {
  if (opts.yes) {
    return true;
  }
  if (opts.json || !env.prompter.interactive()) {
    return fail(ErrorKind::invalid_input,
                fmt::format("not removing {} resources: not asking for confirmation without a "
                            "terminal",
                            count),
                "pass --yes to remove them");
  }
  return env.prompter.confirm(fmt::format("Remove these {} resources?", count), false);
}

}  // namespace

Result<void> run_gc(const GcOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  GPUBOX_TRY_ASSIGN(store, env.store());
  GPUBOX_TRY_ASSIGN(home, any_region(env));  // DescribeRegions: any region answers
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  GPUBOX_TRY_ASSIGN(expired, box::expire_stale_launches(*ctx->client, *store, dir));
  for (const auto& name : expired) {
    env.progress().say(
        fmt::format("the interrupted launch of {} started no instance; its key "
                    "pair and security group are no longer kept for it",
                    name));
  }
  GPUBOX_TRY_ASSIGN(owner, caller_owner(*ctx->client, ctx->settings->region));
  GPUBOX_TRY_ASSIGN(plan, box::find_leftovers_everywhere(*ctx->client, *store, home, owner));
  std::vector<std::string> failed_regions;
  for (const auto& f : plan.failed) {
    warn(env.streams, fmt::format("could not look in {}: {}", f.region, f.error->message));
    failed_regions.push_back(f.region);
  }
  // Boxes whose `--then down` job stopped them are removed whole, as `gpubox down` would.
  std::vector<box::Leftover> listed = plan.leftovers;
  listed.insert(listed.end(), plan.finished.begin(), plan.finished.end());
  if (!opts.json) {
    if (listed.empty()) {
      env.streams.out << (failed_regions.empty()
                              ? std::string("nothing to clean up: everything tagged by gpubox "
                                            "belongs to a box\n")
                              : fmt::format("nothing to clean up in the regions gpubox could read "
                                            "(not {})\n",
                                            fmt::join(failed_regions, ", ")));
      return {};
    }
    Table t({"region", "kind", "id", "box", "detail"});
    for (const auto& l : listed) {
      t.add_row({l.region, l.kind, l.id, l.box, l.detail});
    }
    env.streams.out << t.render(env.streams.out_is_tty);
  }
  box::GcReport rep;
  auto remove = listed.empty() ? Result<bool>(false) : should_remove(opts, env, listed.size());
  if (!remove && opts.json) {
    print_json(env.streams,
               {{"leftovers", items_json(listed)}, {"removed", nlohmann::json::array()}});
  }
  GPUBOX_TRY(remove);
  if (*remove && !plan.finished.empty()) {
    DownOptions down;
    for (const auto& f : plan.finished) {
      down.names.push_back(f.box);
    }
    down.confirmed = true;         // asked above, with the full list
    down.report_on_stderr = true;  // stdout stays gc's list (or its JSON)
    GPUBOX_TRY(run_down(down, env));
    if (env.exit_code == 0) {
      rep.removed.insert(rep.removed.end(), plan.finished.begin(), plan.finished.end());
    }
  }
  if (*remove && !plan.leftovers.empty()) {
    box::GcReport removed = box::remove_leftovers(*ctx->client, env.clock, plan.leftovers);
    rep.removed.insert(rep.removed.end(), removed.removed.begin(), removed.removed.end());
    rep.failed = std::move(removed.failed);
    for (const auto& l : removed.removed) {
      env.progress().say(fmt::format("removed {} {} in {}", l.kind, l.id, l.region));
    }
    for (const auto& f : rep.failed) {
      warn(env.streams, fmt::format("could not remove {} {} in {}: {}", f.leftover.kind,
                                    f.leftover.id, f.leftover.region, f.error.message));
    }
  }
  if (opts.json) {
    print_json(env.streams,
               {{"leftovers", items_json(listed)}, {"removed", items_json(rep.removed)}});
  }
  if (!rep.failed.empty()) {
    return fail(ErrorKind::remote,
                fmt::format("{} resources could not be removed", rep.failed.size()));
  }
  return {};
}

void add_gc_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<GcOptions>();
  auto* cmd = app.add_subcommand("gc", "Find and remove anything gpubox tagged that no box owns");
  set_details(
      cmd,
      "Look in every enabled region for instances, security groups, key pairs and volumes "
      "tagged gpubox:box that belong to no box in the local state, and for boxes that stopped "
      "themselves after a `gpubox run --then down` job, list them, and remove them (the boxes "
      "as `gpubox down` does) "
      "after confirmation (--yes: without asking; without a terminal it lists them and exits 2, "
      "as `down` does).");
  cmd->footer("Examples:\n  gpubox gc\n  gpubox gc --yes\n  gpubox gc --json");
  cmd->add_flag("-y,--yes", opts->yes, "Remove without asking");
  cmd->add_flag("--json", opts->json, "Print one JSON object (leftovers, removed) to stdout");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_gc(*opts, env); }); });
}

}  // namespace gpubox::cli
