// run_up: the launching half of `gpubox up`: launch with failover, record, wait, SSH config.

#include <fmt/format.h>

#include "aws/ec2_instances.hpp"
#include "aws/xml.hpp"
#include "box/access/known_hosts.hpp"
#include "box/access/local_files.hpp"
#include "box/access/ssh_config.hpp"
#include "box/launch/up.hpp"
#include "box/money/cost.hpp"
#include "box/onbox/bootstrap.hpp"
#include "box/tags.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

void say(const UpDeps& deps, const std::string& line) {
  if (deps.progress) {
    deps.progress(line);
  }
}

Result<LaunchSpec> make_spec(UpDeps& deps, const UpInput& in, const UpPlan& plan,
                             const Candidate& where, const ImageChoice& image,
                             const std::string& owner, const std::string& token) {
  LaunchSpec spec;
  spec.name = in.name;
  spec.region = where.region;
  spec.zones = where.zones;
  spec.instance_type = where.type.instance_type;
  spec.image_id = image.ami_id;
  spec.root_device_name = image.root_device_name;  // AL2023 images boot from /dev/xvda
  spec.disk_gb = in.disk_gb;
  spec.spot = in.placement.spot;
  spec.allow_from = plan.allow_from;
  spec.public_key_line = in.public_key_line;
  spec.key_dir = deps.data_dir / "keys";
  spec.tags = {{std::string(k_tag_box), in.name},
               {std::string(k_tag_owner), owner},
               {std::string(k_tag_created), aws::format_iso8601(deps.clock.now())},
               {std::string(k_tag_name), resource_name(in.name)}};
  BootstrapOptions boot;
  boot.jupyter_token = token;
  boot.idle_minutes = in.idle_minutes;
  boot.max_hours = in.max_hours;
  boot.budget_usd = in.budget_usd;
  // The budget cap counts what the box bills per hour: the instance and its public IPv4 address.
  const double price = where.type.price(in.placement.spot).value_or(0);
  boot.price_per_hour_usd = price > 0 ? price + k_public_ipv4_usd_per_hour : 0;
  // The Base DLAMI has no Jupyter: the bootstrap installs it into a venv when it finds none.
  boot.install_jupyter = true;
  GPUBOX_TRY_ASSIGN(user_data, build_user_data(boot));
  spec.user_data = user_data;
  return spec;
}

// Launch in `plan.where`, then in each fallback region while capacity is the problem.
Result<std::pair<LaunchResult, Candidate>> launch_somewhere(UpDeps& deps, const UpInput& in,
                                                            UpPlan& plan, const std::string& owner,
                                                            const std::string& token) {
  std::vector<Candidate> places{plan.where};
  places.insert(places.end(), plan.fallbacks.begin(), plan.fallbacks.end());
  LaunchDeps ld{deps.client, deps.store, deps.clock, deps.progress};
  std::vector<std::string> failed;
  for (size_t i = 0; i < places.size(); ++i) {
    ImageChoice image = plan.image;
    if (i > 0) {
      say(deps, fmt::format("trying {} in {}", places[i].type.instance_type, places[i].region));
      auto found = find_image(deps.client, places[i].region, in.framework, places[i].type.arch);
      if (!found || !in.image.empty()) {
        continue;  // a given AMI exists only in its own region
      }
      image = *found;
    }
    GPUBOX_TRY_ASSIGN(spec, make_spec(deps, in, plan, places[i], image, owner, token));
    auto launched = launch_instance(ld, spec);
    if (launched) {
      failed.insert(failed.end(), launched->failed_zones.begin(), launched->failed_zones.end());
      launched->failed_zones = failed;
      plan.where = places[i];
      plan.image = image;
      return std::make_pair(std::move(*launched), places[i]);
    }
    Error err = launched.error();
    if (err.kind == ErrorKind::quota && err.hint.empty() && plan.quota) {
      err.hint = quota_request_command(*plan.quota);
    }
    if (err.kind != ErrorKind::capacity || i + 1 == places.size()) {
      return fail(std::move(err));
    }
    failed.push_back(places[i].region);
    say(deps, err.message + "; trying the next region");
  }
  return fail(ErrorKind::capacity, "no region had capacity for the box");
}

Result<void> save_box(state::BoxStore& store, const state::Box& box) {
  auto inserted = store.insert_box(box);
  if (!inserted && inserted.error().kind == ErrorKind::conflict) {
    return store.update_box(box);
  }
  return inserted;
}

Result<void> record(UpDeps& deps, const state::Box& box) {
  state::LedgerEntry entry{box.name, box.instance_id, box.state, deps.clock.now(),
                           box.price_per_hour_usd};
  GPUBOX_TRY_ASSIGN(appended, deps.store.record_state_change(entry));
  (void)appended;
  return save_box(deps.store, box);
}

// Pin the host keys the instance printed on its console, when it printed them yet.
void pin_from_console(UpDeps& deps, state::Box& box) {
  if (deps.connect.connect_override) {
    return;  // ssh goes to a local stand-in whose key the console does not show
  }
  auto console = aws::get_console_output(deps.client, box.region, {box.instance_id, true});
  if (!console) {
    GPUBOX_LOG("GetConsoleOutput: {}", console.error().message);
    return;
  }
  auto keys = parse_console_host_keys(console->text);
  if (keys.empty()) {
    return;
  }
  if (auto pinned = pin_host_keys(deps.data_dir / "known_hosts", box.name, keys); pinned) {
    box.host_key_pinned = true;
  } else {
    GPUBOX_LOG("pin host keys: {}", pinned.error().message);
  }
}

Result<void> wait_for(UpDeps& deps, const UpInput& in, state::Box& box, UpResult& out) {
  auto tick = [&](const std::string& line) { say(deps, line); };
  GPUBOX_TRY_ASSIGN(
      inst, wait_running(deps.client, deps.clock, box.region, box.instance_id, deps.limits, tick));
  box.state = inst.state;
  box.public_ip = inst.public_ip;
  box.ssh_host = inst.public_ip;
  pin_from_console(deps, box);
  GPUBOX_TRY(record(deps, box));
  out.reached = WaitLevel::running;
  if (in.wait == WaitLevel::running) {
    return {};
  }
  if (deps.connect.endpoint_is_local && !deps.connect.connect_override) {
    say(deps, "skipping the SSH checks: AWS is a local stand-in and " + box.public_ip +
                  " is an invented address (set GPUBOX_SSH_CONNECT to use a local sshd)");
    out.ssh_skipped = true;
    return {};
  }
  GPUBOX_TRY_ASSIGN(target, remote::target_for(box, deps.data_dir / "known_hosts", deps.connect));
  say(deps, "waiting for ssh on " + box.name);
  GPUBOX_TRY(wait_ssh(deps.runner, deps.clock, target, deps.limits, tick));
  out.reached = WaitLevel::ssh;
  say(deps, "ssh is up on " + box.name);
  if (in.wait == WaitLevel::ssh) {
    return {};
  }
  say(deps, "waiting for the bootstrap (Jupyter, idle watchdog) to finish");
  GPUBOX_TRY(wait_ready(deps.runner, deps.clock, target, deps.limits, tick));
  out.reached = WaitLevel::ready;
  say(deps, box.name + " is ready");
  return {};
}

}  // namespace

state::Box box_from_launch(const UpInput& in, const UpPlan& plan, const LaunchResult& launched,
                           TimePoint now) {
  state::Box box;
  box.name = in.name;
  box.kind = state::BoxKind::aws;
  box.region = plan.where.region;
  box.zone = launched.zone;
  box.instance_id = launched.instance.id;
  box.instance_type = plan.where.type.instance_type;
  box.gpu_summary = gpu_summary(plan.where.type);
  box.state = launched.instance.state.empty() ? "pending" : launched.instance.state;
  box.public_ip = launched.instance.public_ip;
  box.ssh_host = launched.instance.public_ip;
  box.ssh_user = in.ssh_user.empty() ? plan.image.ssh_user : in.ssh_user;
  box.key_path = !launched.created_key_path.empty() ? launched.created_key_path.string()
                                                    : in.private_key_path.string();
  box.key_name = launched.key_name;
  box.security_group_id = launched.security_group_id;
  box.allow_from = plan.allow_from;
  box.ami_id = plan.image.ami_id;
  box.price_per_hour_usd = plan.where.type.price(plan.spot).value_or(0);
  box.spot = plan.spot;
  box.disk_gb = plan.disk_gb;
  box.created_at = launched.instance.launch_time.value_or(now);
  box.idle_minutes = in.idle_minutes;
  box.max_hours = in.max_hours;
  box.budget_usd = in.budget_usd;
  return box;
}

Result<UpResult> run_up(UpDeps& deps, const UpInput& in, UpPlan plan, const std::string& owner) {
  UpResult out;
  if (plan.world_open) {
    out.warnings.push_back("ssh on " + in.name + " is open to the whole internet (" +
                           plan.allow_from + "), as --allow-from asked");
  }
  const fs::path token_path = jupyter_token_path(deps.data_dir, in.name);
  GPUBOX_TRY_ASSIGN(token, ensure_jupyter_token(token_path));
  GPUBOX_TRY_ASSIGN(launched, launch_somewhere(deps, in, plan, owner, token));
  out.resumed = launched.first.resumed;
  out.failed_zones = launched.first.failed_zones;
  out.box = box_from_launch(in, plan, launched.first, deps.clock.now());
  out.box.jupyter_token_path = token_path.string();
  GPUBOX_TRY(record(deps, out.box));
  say(deps, fmt::format("launched {} ({} in {})", out.box.instance_id, out.box.instance_type,
                        out.box.zone));
  out.plan = std::move(plan);
  Result<void> waited;
  if (in.wait != WaitLevel::none) {
    waited = wait_for(deps, in, out.box, out);
  }
  if (auto cfg = refresh_ssh_config(deps.store, LocalFiles{deps.data_dir}); !cfg) {
    out.warnings.push_back("could not rewrite the SSH config: " + cfg.error().message);
  }
  if (!waited) {
    return fail(waited.error());
  }
  return out;
}

}  // namespace gpubox::box
