// gpubox down: terminate boxes and delete everything gpubox created for them.

#include "cli/cmd_down.hpp"

#include <memory>
#include <optional>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "box/fleet/lifecycle.hpp"
#include "box/volumes/volumes.hpp"
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

void print_report(Env& env, const std::string& name, const box::DownReport& rep,
                  std::ostream& out) {
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
  for (const auto& v : rep.named_volumes_deleted) {
    out << fmt::format("  deleted named volume: {} ({}, {} GiB)\n", box::volume_name_of(v.tags),
                       v.id, v.size_gib);
  }
  if (rep.key_file_removed) {
    out << "  removed the saved private key\n";
  }
  for (const auto& v : rep.named_volumes_kept) {
    out << fmt::format(
        "  kept volume {} ({}, {} GiB in {}, ${:.2f}/month): `gpubox volumes rm {}` deletes it\n",
        box::volume_name_of(v.tags), v.id, v.size_gib, v.zone,
        box::volume_usd_per_month(v.size_gib, rep.region), box::volume_name_of(v.tags));
  }
  if (!rep.kept_volumes.empty()) {
    warn(env.streams, fmt::format("volumes still attached, not deleted: {} (`gpubox gc` later)",
                                  fmt::join(rep.kept_volumes, ", ")));
  }
}

nlohmann::json named_json(const std::vector<aws::Volume>& volumes) {
  auto out = nlohmann::json::array();
  for (const auto& v : volumes) {
    out.push_back({{"name", box::volume_name_of(v.tags)},
                   {"volume_id", v.id},
                   {"size_gib", v.size_gib},
                   {"zone", v.zone}});
  }
  return out;
}

nlohmann::json report_json(const std::string& name, const box::DownReport& rep) {
  return {{"name", name},
          {"region", rep.region},
          {"already_gone", rep.already_gone},
          {"spot_requests", rep.spot_requests},
          {"terminated", rep.terminated},
          {"security_groups", rep.security_groups},
          {"key_pairs", rep.key_pairs},
          {"volumes", rep.volumes},
          {"kept_volumes", rep.kept_volumes},
          {"named_volumes_kept", named_json(rep.named_volumes_kept)},
          {"named_volumes_deleted", named_json(rep.named_volumes_deleted)},
          {"key_file_removed", rep.key_file_removed}};
}

// The boxes to remove: the named ones (each found, or "no box named X" before anything is
// deleted), or with --all every EC2 box gpubox knows.
Result<std::vector<state::Box>> boxes_to_remove(const DownOptions& opts, Env& env) {
  std::vector<state::Box> out;
  if (opts.all) {
    if (!opts.names.empty()) {
      return fail(ErrorKind::invalid_input, "give box names or --all, not both");
    }
    GPUBOX_TRY_ASSIGN(store, env.store());
    GPUBOX_TRY_ASSIGN(boxes, store->list_boxes());
    for (auto& b : boxes) {
      if (b.kind == state::BoxKind::aws) {
        out.push_back(std::move(b));
      }
    }
    return out;
  }
  if (opts.names.empty()) {
    return fail(ErrorKind::invalid_input, "which box? give its name, or --all",
                "`gpubox ls` lists your boxes; `gpubox down --help` for usage");
  }
  for (const auto& ref : opts.names) {
    GPUBOX_TRY_ASSIGN(names, member_names(env, ref));  // every node of a cluster
    for (const auto& name : names) {
      GPUBOX_TRY_ASSIGN(found, find_named_box(env, name));
      out.push_back(std::move(found));
    }
  }
  return out;
}

// The question `down` asks: the full list, so the answer is about exactly these boxes.
std::string question_for(const std::vector<state::Box>& boxes, bool delete_volumes) {
  std::string list;
  for (const auto& b : boxes) {
    list += b.kind == state::BoxKind::byo
                ? fmt::format("\n  {} (your machine {})", b.name, b.ssh_host)
                : fmt::format("\n  {} ({} in {})", b.name, b.instance_id, b.region);
  }
  if (delete_volumes) {
    list += "\n  and the named volumes attached (--delete-volumes): their data is lost";
  }
  if (boxes.size() == 1) {
    return "This terminates the box and deletes its disk, security group and key:" + list +
           "\nRemove it?";
  }
  return fmt::format(
      "This terminates these {} boxes and deletes their disks, security groups and keys:{}\n"
      "Remove them?",
      boxes.size(), list);
}

}  // namespace

Result<void> run_down(const DownOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(store, env.store());
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  // Unknown everywhere is an error (exit 1), never a quiet "already gone".
  GPUBOX_TRY_ASSIGN(boxes, boxes_to_remove(opts, env));
  if (boxes.empty()) {
    env.progress().say("no boxes to remove");
    if (opts.json) {
      print_json(env.streams, nlohmann::json::array());
    }
    return {};
  }
  if (!opts.confirmed) {
    GPUBOX_TRY_ASSIGN(ok, confirm(env, question_for(boxes, opts.delete_volumes)));
    if (!ok) {
      return fail(ErrorKind::invalid_input, "not confirmed; nothing was deleted",
                  "pass --yes to delete without asking");
    }
  }
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  GPUBOX_TRY_ASSIGN(deps, lifecycle_deps(env, *ctx->client, *store, ctx->settings->region));
  nlohmann::json doc = nlohmann::json::array();
  std::optional<Error> first_error;
  for (const auto& b : boxes) {
    box::DownOptions options;
    options.name = b.name;
    options.confirmed = true;
    options.region = b.region;
    options.files = box::LocalFiles{dir, env.connect_policy()};
    options.delete_volumes = opts.delete_volumes;
    auto rep = box::down_box(deps, options);
    if (!rep) {
      // Keep going: one box that fails must not leave the others billing.
      report_error(env.streams, rep.error());
      first_error = first_error.value_or(rep.error());
      doc.push_back({{"name", b.name}, {"error", rep.error().message}});
      continue;
    }
    if (opts.json) {
      doc.push_back(report_json(b.name, *rep));
    } else {
      print_report(env, b.name, *rep, opts.report_on_stderr ? env.streams.err : env.streams.out);
    }
  }
  if (opts.json) {
    print_json(env.streams, doc);
  }
  if (first_error) {
    env.exit_code = exit_code_for(*first_error);
  }
  return {};
}

void add_down_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<DownOptions>();
  auto* cmd = app.add_subcommand("down", "Terminate boxes and delete everything they used");
  set_details(cmd,
              "Terminate the instance, wait, then delete its security group, key pair (and saved "
              "private key) and any leftover volume, so nothing keeps billing. Named volumes "
              "(`up --volume`) are kept unless --delete-volumes. Safe to repeat. "
              "A name no region knows is an error. Without a terminal it never asks: pass --yes.");
  cmd->footer(
      "Examples:\n  gpubox down mybox\n  gpubox down a b c --yes   # no question asked\n"
      "  gpubox down --all         # every EC2 box gpubox knows, after showing the list");
  cmd->add_option("names", opts->names, "The boxes");
  cmd->add_flag("--all", opts->all, "Every EC2 box gpubox knows");
  cmd->add_flag("-y,--yes", opts->confirmed, "Do not ask for confirmation");
  cmd->add_flag("--delete-volumes", opts->delete_volumes,
                "Also delete the named volumes (`up --volume`) attached to the boxes");
  cmd->add_flag("--json", opts->json, "Print one JSON array of what was removed to stdout");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_down(*opts, env); }); });
}

}  // namespace gpubox::cli
