// gpubox up: launch a GPU box. Flags are parsed and checked here; the work is box::plan_up and
// box::run_up (src/box/up.hpp). Progress goes to stderr, the result to stdout.

#include "cli/cmd_up.hpp"

#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "aws/client.hpp"
#include "aws/settings.hpp"
#include "box/access/caller_ip.hpp"
#include "box/access/ssh_config.hpp"
#include "box/account.hpp"
#include "box/launch/up.hpp"
#include "box/tags.hpp"
#include "catalog/catalog.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"
#include "cli/doctor.hpp"
#include "cli/interrupt.hpp"
#include "cli/up_render.hpp"
#include "core/duration.hpp"
#include "state/box_store.hpp"

namespace gpubox::cli {

namespace {

Result<std::string> caller_cidr(Env& env, const box::UpInput& in) {
  if (!in.allow_from.empty()) {
    return in.allow_from;
  }
  GPUBOX_TRY_ASSIGN(ip, env.caller_ip().lookup());
  return box::to_cidr32(ip);
}

// Make `ssh NAME` work by including gpubox's managed config in ~/.ssh/config: --yes adds it
// without asking, a terminal asks (once), --no-ssh-config and pipes leave the file alone.
// Return whether `ssh NAME` works now.
bool offer_include(Env& env, const std::filesystem::path& data, bool yes, bool ask_allowed,
                   bool no_ssh_config) {
  const auto managed = data / "ssh_config";
  const std::filesystem::path user_config = std::filesystem::path(env.home()) / ".ssh" / "config";
  auto text = disk_file_system().read_file(user_config);
  if (text && box::includes_managed(*text, managed, env.home())) {
    return true;
  }
  const bool can_ask = ask_allowed && env.streams.err_is_tty && env.prompter.interactive();
  if (no_ssh_config || (!yes && !can_ask)) {
    if (!no_ssh_config) {
      env.progress().say("to use `ssh NAME`, add this first line to ~/.ssh/config:\n  Include " +
                         managed.string());
    }
    return false;
  }
  auto ask = [&env, yes](std::string_view question) {
    if (yes) {
      return true;  // --yes answers every question
    }
    auto answer = env.prompter.confirm(question, false);
    return answer && *answer;
  };
  auto r = box::ensure_include(disk_file_system(), user_config, managed,
                               data / "ssh_include_answer", ask);
  if (!r) {
    warn(env.streams, "could not update ~/.ssh/config: " + r.error().message);
    return false;
  }
  return *r != box::IncludeResult::not_included;
}

// On a terminal, show the plan and ask [Y/n] before anything is created; --yes, --json and
// pipes launch without asking (scripts are never left waiting), after a one-line summary.
Result<void> confirm_launch(Env& env, const box::UpPlan& plan, const catalog::Catalog& catalog,
                            bool yes) {
  const bool can_ask = !yes && env.streams.err_is_tty && env.prompter.interactive();
  if (!can_ask) {
    env.progress().say(plan_summary(plan, catalog));
    return {};
  }
  GPUBOX_TRY_ASSIGN(ok,
                    env.prompter.confirm(plan_text(plan, catalog, "Plan") + "Launch it?", true));
  if (ok) {
    return {};
  }
  return fail(ErrorKind::invalid_input, "not launched; nothing was created",
              "`gpubox up ... --yes` launches without asking");
}

// Whether a plan that failed in the configured region might fit in another one.
bool fits_elsewhere(const Error& e) {
  return e.kind == ErrorKind::quota || e.kind == ErrorKind::capacity ||
         e.kind == ErrorKind::not_found;
}

}  // namespace

Result<void> run_up(UpOptions& opts, Env& env) {
  if (opts.req.ssh_user.empty()) {
    opts.req.ssh_user = env.getenv("GPUBOX_SSH_USER").value_or("");
  }
  GPUBOX_TRY_ASSIGN(data, env.data_dir());
  GPUBOX_TRY_ASSIGN(catalog, env.catalog());
  opts.req.idle = opts.idle;
  // A default GPU (GPUBOX_GPU, config) yields to an explicit --type.
  if (!opts.gpu_from_flag && !opts.req.instance_type.empty()) {
    opts.req.gpu.clear();
  }
  GPUBOX_TRY_ASSIGN(in, box::validate_up(opts.req, *catalog, env.home(), box::system_random()));
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  // A configured region (flag, AWS_REGION, config file, profile) is where the box goes; other
  // regions are searched only without one, or with --any-region. A subnet lives in one region:
  // --subnet launches in the configured region only.
  const bool searching =
      (ctx->settings->region.empty() || opts.any_region) && in.gpu.has_value() && in.subnet.empty();
  if (!searching) {
    GPUBOX_TRY(home_region(env));
  }
  if (searching) {
    in.placement.regions =
        box::search_regions(*catalog, in.gpu, in.instance_type, in.placement.spot, 5);
  } else {
    in.region_pinned = true;
    in.placement.regions = {ctx->settings->region};
  }
  GPUBOX_TRY_ASSIGN(cidr, caller_cidr(env, in));
  GPUBOX_TRY_ASSIGN(store, env.store());
  if (store->in_memory()) {
    return fail(ErrorKind::state,
                "up needs the local state to record the launch (its ClientToken is what keeps a "
                "retry or a crash from launching twice); nothing was created",
                "fix or move away the state database named above, then run `gpubox up` again");
  }
  GPUBOX_TRY_ASSIGN(existing, store->find_box(in.name));
  GPUBOX_TRY_ASSIGN(open_launch, store->open_launch(in.name));
  if (existing && open_launch && existing->state == "pending") {
    // An interrupted `up` (Ctrl-C, a crash) left it pending: this run resumes it.
    env.progress().say("resuming " + in.name + " (" + existing->instance_id + ", " +
                       existing->state + " in " + existing->region + ")");
  } else if (existing) {
    Error e;
    e.kind = ErrorKind::conflict;
    e.message = "a box called " + in.name + " already exists (" + existing->state + " in " +
                existing->region + ")";
    e.hint = "connect with `gpubox ssh " + in.name + "`, or remove it with `gpubox down " +
             in.name + "`";
    return fail(std::move(e));
  }
  // The quota code cache makes the preflight one GetServiceQuota per quota after the first run.
  auto quota_cache = std::make_shared<box::QuotaCodeCache>(data / "quota_codes.json", env.clock);
  box::UpDeps deps{*ctx->client,
                   *store,
                   env.clock,
                   env.runner,
                   *catalog,
                   data,
                   env.connect_policy(),
                   env.progress(),
                   {},
                   {quota_cache.get(), {}}};
  GPUBOX_TRY_ASSIGN(host_key_wait,
                    parse_duration(opts.host_key_wait, "--host-key-wait", std::chrono::hours(24)));
  deps.host_keys.timeout = host_key_wait;
  deps.host_keys.trust_first_use = opts.trust_first_use;
  if (!opts.yes && !opts.json && env.streams.err_is_tty && env.prompter.interactive()) {
    deps.host_keys.ask = [&env](const std::string& q) {
      auto answer = env.prompter.confirm(q, false);
      return answer && *answer;
    };
  }
  // Who is launching (the owner tag) is asked beside the planning, not after it; first when a
  // named volume is looked up (only the caller's own volume of that name counts).
  std::future<Result<std::string>> caller;
  if (in.volume) {
    GPUBOX_TRY_ASSIGN(arn, box::caller_arn(*ctx->client, in.placement.regions.front()));
    deps.owner = box::owner_from_arn(arn);
    caller = std::async(std::launch::deferred, [arn] { return Result<std::string>(arn); });
  } else if (!opts.dry_run) {
    caller = std::async(std::launch::async, [&] {
      return box::caller_arn(*ctx->client, in.placement.regions.front());
    });
  }
  auto planned = box::plan_up(deps, in, cidr);
  if (caller.valid() && !planned) {
    caller.wait();
  }
  // --gpu stays in the configured region; when it does not fit there, say why, and on a terminal
  // ask before looking anywhere else.
  if (!planned && !searching && in.gpu && in.subnet.empty() && fits_elsewhere(planned.error())) {
    const std::string here = in.placement.regions.front();
    if (!opts.yes && !opts.json && env.streams.err_is_tty && env.prompter.interactive()) {
      GPUBOX_TRY_ASSIGN(look, env.prompter.confirm(
                                  fmt::format("{} does not fit in {}: {}\nLook in other regions?",
                                              in.gpu->name, here, planned.error().message),
                                  false));
      if (look) {
        in.region_pinned = false;
        in.placement.regions =
            box::search_regions(*catalog, in.gpu, in.instance_type, in.placement.spot, 5);
        planned = box::plan_up(deps, in, cidr);
      }
    } else {
      Error e = planned.error();
      e.hint += fmt::format("{}`gpubox up --gpu {} --any-region` looks in other regions too",
                            e.hint.empty() ? "" : "; or ", in.gpu->name);
      planned = std::unexpected(std::move(e));
    }
  }
  GPUBOX_TRY_ASSIGN(plan, std::move(planned));
  if (plan.world_open) {
    warn(env.streams, "ssh will be open to " + box::wide_open_words(plan.allow_from) + " (" +
                          plan.allow_from + ")");
  }
  for (const auto& w : plan.warnings) {
    warn(env.streams, w);
  }
  warn_if_catalog_old(env.streams, catalog->snapshot.generated_at, env.clock.now());
  if (opts.dry_run) {
    render_up_plan(env, plan, *catalog, opts.json);
    return {};
  }
  GPUBOX_TRY(confirm_launch(env, plan, *catalog, opts.yes || opts.json));
  GPUBOX_TRY_ASSIGN(arn, caller.get());
  deps.interrupt_note = [](const std::string& text) { set_interrupt_note(text); };
  auto result = box::run_up(deps, in, std::move(plan), box::owner_from_arn(arn));
  clear_interrupt_note();
  if (!result) {
    return fail(result.error());
  }
  for (const auto& w : result->warnings) {
    warn(env.streams, w);
  }
  if (opts.for_a_job) {
    env.progress().say(fmt::format("{} is up: {} in {}, {}", result->box.name,
                                   result->box.instance_type, result->box.zone,
                                   result->box.spot ? "spot" : "on-demand"));
    return {};
  }
  // --json never prompts; --yes adds the Include without asking.
  const bool ssh_alias = offer_include(env, data, opts.yes, !opts.json, opts.no_ssh_config);
  render_up_result(env, *result, *catalog, opts.json, ssh_alias);
  return {};
}

void add_up_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<UpOptions>();
  auto* cmd = app.add_subcommand("up", "Launch a GPU box with Jupyter, reachable only over SSH");
  cmd->footer(
      "Examples:\n  gpubox up --gpu T4\n  gpubox --region us-west-2 up lab --type g5.xlarge "
      "--spot\n"
      "  gpubox up lab --gpu A10G --dry-run --json\n"
      "  gpubox --region eu-west-1 up lab --gpu T4 --subnet subnet-0abc  # no default VPC\n"
      "  gpubox up lab --gpu T4 --volume data:200  # /data survives `gpubox down lab`\n\n"
      "On a terminal up shows the plan ($/h, disk $/month, auto-stop) and asks [Y/n]; --yes "
      "launches without asking. --gpu stays in the configured region (--region, AWS_REGION, "
      "`gpubox config set region`); without one, or with --any-region, it searches them all.\n"
      "Host keys: up waits (--host-key-wait) for the keys cloud-init prints on the box's "
      "console and pins them; without them it asks, or with --yes refuses unless "
      "--trust-first-use.\n"
      "GPUBOX_SSH_USER (or --ssh-user) overrides the login user of the image, e.g. for tests.");
  auto& r = opts->req;
  cmd->add_option("name", r.name, "Box name (letters, digits, dashes; default: generated)");
  auto* gpu = cmd->add_option("--gpu", r.gpu,
                              "GPU and count, e.g. T4 or A10G:4 (cheapest type that has it)");
  cmd->add_option("--type", r.instance_type, "Exact instance type, e.g. g4dn.xlarge");
  cmd->add_option("--zone", r.zone, "Availability zone, e.g. us-east-1b (default: any)");
  cmd->add_option("--subnet", r.subnet,
                  "Launch into this subnet (and its VPC), e.g. when the account has no default "
                  "VPC");
  cmd->add_flag("--spot", r.spot, "Use a spot instance (cheaper; may be interrupted)");
  cmd->add_option("--disk", r.disk_gb, "Root disk size in GB (gp3, encrypted)")->default_val(100);
  cmd->add_option("--volume", r.volume,
                  "A named EBS volume mounted at /data that outlives the box, e.g. data:200 "
                  "(GiB; created once, reused after; the box launches in its zone)");
  cmd->add_option("--framework", r.framework, "pytorch, tensorflow or base (Deep Learning AMI)")
      ->default_val("pytorch");
  cmd->add_option("--image", r.image, "Use this AMI instead of the newest Deep Learning AMI");
  cmd->add_option("--allow-from", r.allow_from, "CIDR admitted to SSH (default: your address/32)");
  cmd->add_option("--key", r.key_path, "OpenSSH public key to import (default: ~/.ssh/id_*.pub)");
  cmd->add_option("--idle", opts->idle, "Stop after this long idle, e.g. 30m, 2h, off")
      ->default_val("30m");
  cmd->add_option("--max-hours", r.max_hours, "Stop after this many hours in any case, or off")
      ->default_val("off");
  cmd->add_option("--budget", r.budget_usd, "Stop once this many USD are spent");
  cmd->add_option("--wait", r.wait, "Wait until running, ssh or ready (default: ready)")
      ->default_val("ready");
  cmd->add_option("--ssh-user", r.ssh_user, "Login user (default: the image's)")->group("");
  cmd->add_option("--host-key-wait", opts->host_key_wait,
                  "How long to wait for the box's SSH host keys on its console, e.g. 10m")
      ->default_val("10m");
  cmd->add_flag("--trust-first-use", opts->trust_first_use,
                "If the console shows no host keys in time, trust the key the box presents");
  cmd->add_flag("--any-region", opts->any_region,
                "With --gpu: search every region, not only the configured one");
  cmd->add_flag("--dry-run", opts->dry_run, "Print the plan; create nothing");
  cmd->add_flag("-y,--yes", opts->yes,
                "Answer yes to every question: launch without showing the plan, add gpubox's "
                "Include to ~/.ssh/config (unverifiable host keys are still refused unless "
                "--trust-first-use)");
  cmd->add_flag("--no-ssh-config", opts->no_ssh_config, "Leave ~/.ssh/config alone");
  cmd->add_flag("--json", opts->json, "Print one JSON object to stdout");
  cmd->callback([opts, gpu, &env] {
    opts->gpu_from_flag = gpu->count() > 0;
    run_guarded(env, [&] { return run_up(*opts, env); });
  });
}

}  // namespace gpubox::cli
