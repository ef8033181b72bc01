// gpubox volumes [rm NAME]: the named volumes `up --volume` made, found by their tags, and their
// removal. The work is in box/volumes.

#include "cli/cmd_volumes.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "aws/settings.hpp"
#include "box/account.hpp"
#include "box/volumes/volumes.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"

namespace gpubox::cli {

namespace {

// The regions to look in: the configured one, or every enabled region with --all-regions (or
// when none is configured).
Result<std::vector<std::string>> regions_to_list(Env& env, aws::AwsClient& client,
                                                 const std::string& home, bool all) {
  if (!all && !home.empty()) {
    return std::vector<std::string>{home};
  }
  GPUBOX_TRY_ASSIGN(regions, box::enabled_regions(client, home.empty() ? "us-east-1" : home));
  std::vector<std::string> out;
  out.reserve(regions.size());
  for (const auto& r : regions) {
    out.push_back(r.name);
  }
  (void)env;
  return out;
}

nlohmann::json row_json(const box::VolumeRow& r) {
  const auto& v = r.volume;
  return {{"name", r.name},
          {"volume_id", v.id},
          {"region", r.region},
          {"zone", v.zone},
          {"size_gib", v.size_gib},
          {"type", v.type},
          {"encrypted", v.encrypted},
          {"state", v.state},
          {"instance_id",
           r.instance_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.instance_id)},
          {"box", r.box.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.box)},
          {"usd_per_month", r.usd_per_month}};
}

std::string attached_cell(const box::VolumeRow& r) {
  if (r.instance_id.empty()) {
    return "-";
  }
  return r.box.empty() ? r.instance_id : r.box;
}

}  // namespace

Result<void> run_volumes(const VolumesOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  const std::string& home = ctx->settings->region;
  GPUBOX_TRY_ASSIGN(regions, regions_to_list(env, *ctx->client, home, opts.all_regions));
  GPUBOX_TRY_ASSIGN(owner, caller_owner(*ctx->client, regions.front()));
  box::VolumeListing listing = box::list_volumes(*ctx->client, regions, owner);
  for (const auto& [region, error] : listing.failed) {
    warn(env.streams, fmt::format("could not list volumes in {}: {}", region, error.message));
  }
  if (!listing.failed.empty() && listing.failed.size() == regions.size()) {
    return fail(listing.failed.front().second);
  }
  double total = 0;
  for (const auto& r : listing.rows) {
    total += r.usd_per_month;
  }
  if (opts.json) {
    auto rows = nlohmann::json::array();
    for (const auto& r : listing.rows) {
      rows.push_back(row_json(r));
    }
    print_json(env.streams, {{"volumes", rows}, {"total_usd_per_month", total}});
    return {};
  }
  if (listing.rows.empty()) {
    env.progress().say(
        fmt::format("no volumes in {} (create one with `gpubox up NAME --volume data:200`)",
                    regions.size() == 1 ? regions.front() : "any region"));
    return {};
  }
  Table t({"name", "size", "zone", "attached to", "state", "$/month", "id"});
  for (const auto& r : listing.rows) {
    t.add_row({r.name, fmt::format("{} GiB", r.volume.size_gib), r.volume.zone, attached_cell(r),
               r.volume.state, fmt::format("{:.2f}", r.usd_per_month), r.volume.id});
  }
  t.add_row({"total", "", "", "", "", fmt::format("{:.2f}", total), ""});
  env.streams.out << t.render(env.streams.out_is_tty);
  return {};
}

Result<void> run_volumes_rm(const VolumesRmOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(region, home_region(env));
  // Asked before any AWS call: a refusal changes nothing and costs nothing.
  if (!opts.yes) {
    auto ok = env.prompter.confirm(
        fmt::format("This deletes volume {} in {} and every file on it.\nDelete it?", opts.name,
                    region),
        false);
    if (!ok) {
      Error e = std::move(ok.error());
      e.message = "not asking for confirmation: " + e.message;
      e.hint = "pass --yes to delete without asking";
      return fail(std::move(e));
    }
    if (!*ok) {
      return fail(ErrorKind::invalid_input, "not confirmed; nothing was deleted",
                  "pass --yes to delete without asking");
    }
  }
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  GPUBOX_TRY_ASSIGN(owner, caller_owner(*ctx->client, region));
  box::VolumeDeps deps{*ctx->client, env.clock, env.progress()};
  GPUBOX_TRY_ASSIGN(gone, box::remove_volume(deps, region, opts.name, owner));
  const std::string name = box::volume_name_of(gone.tags);
  if (opts.json) {
    print_json(env.streams, {{"name", name},
                             {"volume_id", gone.id},
                             {"region", region},
                             {"size_gib", gone.size_gib},
                             {"deleted", true}});
    return {};
  }
  env.streams.out << fmt::format("deleted volume {} ({}, {} GiB in {})\n", name, gone.id,
                                 gone.size_gib, gone.zone);
  return {};
}

void add_volumes_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<VolumesOptions>();
  auto rm_opts = std::make_shared<VolumesRmOptions>();
  auto* cmd = app.add_subcommand(
      "volumes", "List your named volumes (data that outlives a box), or delete one");
  set_details(cmd,
              "A named volume is a gp3, encrypted EBS volume that `gpubox up NAME --volume "
              "data:200` creates once and mounts at /data; a later `up --volume data` reattaches "
              "it, in its zone. `down` keeps it (unless --delete-volumes), `gc` never deletes it. "
              "It bills per GiB-month whether or not a box uses it.");
  cmd->footer(
      "Examples:\n  gpubox volumes\n  gpubox volumes --all-regions --json\n"
      "  gpubox volumes rm data        # asks first; --yes does not");
  cmd->require_subcommand(0, 1);
  cmd->add_flag("--json", opts->json, "Print one JSON document to stdout");
  cmd->add_flag("--all-regions", opts->all_regions,
                "Look in every enabled region, not only the configured one");
  auto* rm = cmd->add_subcommand("rm", "Delete a named volume and its data (asks first)");
  rm->footer("Examples:\n  gpubox volumes rm data\n  gpubox volumes rm vol-0abc --yes");
  rm->add_option("name", rm_opts->name, "The volume's name (or its vol- id)")->required();
  rm->add_flag("-y,--yes", rm_opts->yes, "Do not ask for confirmation");
  rm->add_flag("--json", rm_opts->json, "Print one JSON object to stdout");
  rm->callback(
      [rm_opts, &env] { run_guarded(env, [&] { return run_volumes_rm(*rm_opts, env); }); });
  cmd->callback([opts, rm, &env] {
    if (rm->parsed()) {
      return;
    }
    run_guarded(env, [&] { return run_volumes(*opts, env); });
  });
}

}  // namespace gpubox::cli
