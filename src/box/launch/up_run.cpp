// run_up: the launching half of `gpubox up`: launch with failover, record, wait, SSH config.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "aws/ec2_instances.hpp"
#include "aws/xml.hpp"
#include "box/access/caller_ip.hpp"
#include "box/access/known_hosts.hpp"
#include "box/access/local_files.hpp"
#include "box/access/ssh_config.hpp"
#include "box/launch/host_keys.hpp"
#include "box/launch/launch_lock.hpp"
#include "box/launch/network.hpp"
#include "box/launch/up.hpp"
#include "box/money/cost.hpp"
#include "box/onbox/bootstrap.hpp"
#include "box/tags.hpp"
#include "core/iso8601.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

void note(const UpDeps& deps, const std::string& text) {
  if (deps.interrupt_note) {
    deps.interrupt_note(text);
  }
}

Result<LaunchSpec> make_spec(UpDeps& deps, const UpInput& in, const UpPlan& plan,
                             const Candidate& where, const ImageChoice& image,
                             const std::string& owner) {
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
  spec.allow_from_is_caller = in.allow_from.empty();
  spec.public_key_line = in.public_key_line;
  spec.key_dir = deps.data_dir / "keys";
  spec.tags = {{std::string(k_tag_box), in.name},
               {std::string(k_tag_owner), owner},
               {std::string(k_tag_created), format_iso8601(deps.clock.now())},
               {std::string(k_tag_name), resource_name(in.name)}};
  BootstrapOptions boot;  // no token: it goes over ssh once sshd answers (wait_for)
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
                                                            UpPlan& plan,
                                                            const std::string& owner) {
  std::vector<Candidate> places{plan.where};
  places.insert(places.end(), plan.fallbacks.begin(), plan.fallbacks.end());
  LaunchDeps ld{deps.client, deps.store, deps.clock, deps.progress, deps.files};
  std::vector<std::string> failed;
  for (size_t i = 0; i < places.size(); ++i) {
    ImageChoice image = plan.image;
    if (i > 0) {
      deps.progress.say(
          fmt::format("trying {} in {}", places[i].type.instance_type, places[i].region));
      auto found = find_image(deps.client, places[i].region, in.framework, places[i].type.arch);
      if (!found || !in.image.empty()) {
        continue;  // a given AMI exists only in its own region
      }
      image = *found;
    }
    // Where in the network, before anything is created in this region.
    GPUBOX_TRY_ASSIGN(net,
                      resolve_network(deps.client, places[i].region, in.subnet, places[i].zones));
    if (!net.skipped_zones.empty()) {
      deps.progress.say(
          fmt::format("skipping {}: no default subnet there", fmt::join(net.skipped_zones, ", ")));
    }
    GPUBOX_TRY_ASSIGN(spec, make_spec(deps, in, plan, places[i], image, owner));
    note(deps, fmt::format("gpubox: interrupted while launching {}: an instance ({}, ${:.3f}/h) "
                           "may be starting in {}.\nResume with `gpubox up {}`, or remove it "
                           "with `gpubox down {}`.",
                           in.name, spec.instance_type,
                           places[i].type.price(in.placement.spot).value_or(0), spec.region,
                           in.name, in.name));
    spec.zones = net.zones;
    spec.vpc_id = net.vpc_id;
    spec.subnets = net.subnets;
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
    deps.progress.say(err.message + "; trying the next region");
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

Result<void> record_now(UpDeps& deps, const state::Box& box) {
  state::LedgerEntry entry{box.name, box.instance_id, box.state, deps.clock.now(),
                           box.price_per_hour_usd};
  GPUBOX_TRY_ASSIGN(appended, deps.store.record_state_change(entry));
  (void)appended;
  return save_box(deps.store, box);
}

// Record `box`; when the store cannot be written (a full disk), say that the box is running and
// how to remove it, since it bills whether or not gpubox remembers it.
Result<void> record(UpDeps& deps, const state::Box& box) {
  auto saved = record_now(deps, box);
  if (saved) {
    return saved;
  }
  Error e = saved.error();
  e.message = fmt::format(
      "box {} ({}, {} in {}, ${:.3f}/h) is running, but gpubox could not "
      "save it locally: {}",
      box.name, box.instance_id, box.instance_type, box.zone, box.price_per_hour_usd, e.message);
  e.hint = "remove it with `gpubox down " + box.name +
           "` (found by its tags), or free space in the gpubox data directory; `gpubox ls` "
           "finds it again";
  return fail(std::move(e));
}

// Wait for the host keys on the box's console and pin every one, so ssh checks strictly from
// the first connection; with `wait` false (nothing will connect now) look only once. No keys in
// time: trust on first use only when the policy or the person allows it.
Result<void> pin_from_console(UpDeps& deps, state::Box& box, bool wait) {
  const std::chrono::seconds timeout = wait ? deps.host_keys.timeout : std::chrono::seconds(0);
  GPUBOX_TRY_ASSIGN(keys, wait_console_host_keys(deps.client, deps.clock, box.region,
                                                 box.instance_id, timeout, deps.progress));
  if (keys.empty()) {
    return wait ? accept_unverified_host(deps.host_keys, box.name, timeout) : Result<void>{};
  }
  GPUBOX_TRY(pin_host_keys(deps.files, deps.data_dir / "known_hosts", box.name, keys));
  box.host_key_pinned = true;
  std::vector<std::string> types;
  for (const auto& k : keys) {
    types.push_back(k.substr(0, k.find(' ')));
  }
  deps.progress.say(fmt::format("pinned the host keys of {} from its console ({})", box.name,
                                fmt::join(types, ", ")));
  return {};
}

// Attach the plan's named volume to the new box: the one found while planning (looked up again:
// an interrupted earlier `up` may have made it), else a new one in the box's zone.
Result<aws::Volume> attach_volume_for(UpDeps& deps, const VolumePlan& plan, const state::Box& box,
                                      const std::string& owner) {
  VolumeDeps vd{deps.client, deps.clock, deps.progress,
                VolumeWait{deps.wait.poll, deps.wait.state_timeout}};
  GPUBOX_TRY_ASSIGN(found, find_volume(deps.client, box.region, plan.name, owner));
  if (!found) {
    GPUBOX_TRY_SET(found,
                   create_named_volume(vd, box.region, box.zone, plan.name, plan.size_gib, owner));
  }
  auto attached = attach_named_volume(vd, box.region, *found, box.instance_id);
  if (!attached) {
    Error e = attached.error();
    e.message = fmt::format("{} is running without its volume: {}", box.name, e.message);
    if (e.hint.empty()) {
      e.hint = fmt::format(
          "run `gpubox up {}` again later, or `gpubox down {}` (the volume "
          "is kept)",
          box.name, box.name);
    }
    return fail(std::move(e));
  }
  // The box names its volume, so `down --delete-volumes` knows it after the attachment is gone.
  aws::CreateTagsInput tag;
  tag.resource_ids = {box.instance_id};
  tag.tags = {{std::string(k_tag_volume), plan.name}};
  GPUBOX_TRY(aws::create_tags(deps.client, box.region, tag));
  return attached;
}

Result<void> wait_for(UpDeps& deps, const UpInput& in, state::Box& box, UpResult& out,
                      const std::string& owner) {
  GPUBOX_TRY_ASSIGN(inst, wait_running(deps.client, deps.clock, box.region, box.instance_id,
                                       deps.wait, deps.progress));
  box.state = inst.state;
  box.public_ip = inst.public_ip;
  box.ssh_host = inst.public_ip;
  GPUBOX_TRY(record(deps, box));
  out.reached = WaitLevel::running;
  const bool connects = in.wait != WaitLevel::running &&
                        !(deps.connect.endpoint_is_local && !deps.connect.connect_override);
  GPUBOX_TRY(pin_from_console(deps, box, connects));
  GPUBOX_TRY(record(deps, box));
  if (out.plan.volume) {
    GPUBOX_TRY_ASSIGN(volume, attach_volume_for(deps, *out.plan.volume, box, owner));
    out.volume = std::move(volume);
  }
  if (in.wait == WaitLevel::running) {
    return {};
  }
  if (!connects) {
    deps.progress.say("skipping the SSH checks: AWS is a local stand-in and " + box.public_ip +
                      " is an invented address (set GPUBOX_SSH_CONNECT to use a local sshd)");
    out.ssh_skipped = true;
    if (out.volume) {
      out.warnings.push_back(fmt::format("volume {} is attached to {} but not mounted (no ssh)",
                                         out.plan.volume->name, box.name));
    }
    return {};
  }
  GPUBOX_TRY_ASSIGN(target, remote::target_for(box, deps.data_dir / "known_hosts", deps.connect));
  deps.progress.phase("waiting for ssh on " + box.name, deps.wait.ssh_timeout);
  GPUBOX_TRY(wait_ssh(deps.runner, deps.clock, target, deps.wait, deps.progress));
  out.reached = WaitLevel::ssh;
  deps.progress.say("ssh is up on " + box.name);
  if (out.volume) {
    const std::string& name = out.plan.volume->name;
    deps.progress.phase(fmt::format("mounting volume {} at {}", name, k_volume_mount_point),
                        deps.wait.ssh_timeout);
    auto mounted = mount_volume(deps.runner, target, out.volume->id, name, box.ssh_user);
    if (!mounted) {
      Error e = mounted.error();
      e.message = fmt::format("{} is running, but {}", box.name, e.message);
      return fail(std::move(e));
    }
    deps.progress.say(fmt::format("volume {} mounted at {}{}", name, mounted->mount_point,
                                  mounted->formatted ? " (it was blank: new ext4 filesystem)"
                                                     : " (its filesystem as it was)"));
    out.mount = std::move(*mounted);
  }
  if (in.wait == WaitLevel::ssh) {
    return {};
  }
  deps.progress.phase("waiting for the bootstrap (Jupyter, idle watchdog) to finish",
                      deps.wait.ready_timeout);
  // Jupyter starts only with its token, which never travels in user-data: hand it over ssh.
  GPUBOX_TRY_ASSIGN(token,
                    ensure_jupyter_token(deps.files, jupyter_token_path(deps.data_dir, box.name)));
  BootstrapOptions boot = bootstrap_options_for(box, token);
  if (boot.price_per_hour_usd > 0) {  // the same cap as user-data's run (make_spec)
    boot.price_per_hour_usd += k_public_ipv4_usd_per_hour;
  }
  if (auto delivered = deliver_token(deps.runner, target, boot); !delivered) {
    // A bootstrap that failed (before or while taking the token) wrote its result and log: that
    // report says what went wrong better than the delivery's exit status does.
    WaitPolicy once = deps.wait;
    once.ready_timeout = Duration{0};
    auto report = wait_ready(deps.runner, deps.clock, target, once, deps.progress);
    if (!report && report.error().message.starts_with("Jupyter did not start")) {
      return fail(report.error());
    }
    return fail(delivered.error());
  }
  GPUBOX_TRY(wait_ready(deps.runner, deps.clock, target, deps.wait, deps.progress));
  out.reached = WaitLevel::ready;
  deps.progress.say(box.name + " is ready");
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
    out.warnings.push_back("ssh on " + in.name + " is open to " + wide_open_words(plan.allow_from) +
                           " (" + plan.allow_from + "), as --allow-from asked");
  }
  if (in.idle_minutes == 0 && in.max_hours <= 0 && in.budget_usd <= 0) {
    out.warnings.push_back(in.name +
                           " has neither an idle stop nor a hard cap: it runs (and bills) until "
                           "you stop it; pass --idle 30m or --max-hours H");
  }
  // Held until this `up` has recorded the box: a concurrent `up` of the name stops here.
  GPUBOX_TRY_ASSIGN(lock, LaunchLock::try_acquire(deps.data_dir, in.name));
  GPUBOX_TRY_ASSIGN(existing, deps.store.find_box(in.name));
  GPUBOX_TRY_ASSIGN(open, deps.store.open_launch(in.name));
  if (existing && !(open && existing->state == "pending")) {
    return fail(ErrorKind::conflict,
                "a box called " + in.name + " already exists (" + existing->state + " in " +
                    existing->region + ")",
                "connect with `gpubox ssh " + in.name + "`, or remove it with `gpubox down " +
                    in.name + "`");
  }
  note(deps, fmt::format("gpubox: interrupted before {} was launched; nothing is running.\n"
                         "Run `gpubox up {}` to start again (`gpubox gc` lists a key pair or "
                         "security group left behind).",
                         in.name, in.name));
  const fs::path token_path = jupyter_token_path(deps.data_dir, in.name);
  GPUBOX_TRY_ASSIGN(token, ensure_jupyter_token(deps.files, token_path));  // kept locally, 0600
  (void)token;
  GPUBOX_TRY_ASSIGN(launched, launch_somewhere(deps, in, plan, owner));
  out.resumed = launched.first.resumed;
  out.failed_zones = launched.first.failed_zones;
  out.box = box_from_launch(in, plan, launched.first, deps.clock.now());
  out.box.jupyter_token_path = token_path.string();
  GPUBOX_TRY(record(deps, out.box));
  deps.progress.say(fmt::format("launched {} ({} in {})", out.box.instance_id,
                                out.box.instance_type, out.box.zone));
  // The first line is the whole answer (what runs, what it costs with its public IPv4, the
  // command that removes it); the second says what it is and how to go on instead.
  note(deps,
       fmt::format("gpubox: interrupted; {} is running at ${:.2f}/h: gpubox down {}\n"
                   "({}, {} in {}.) Resume with `gpubox up {}` (or, once it runs, connect "
                   "with `gpubox ssh {}`).",
                   in.name, hourly_usd(out.box.price_per_hour_usd), in.name, out.box.instance_id,
                   out.box.instance_type, out.box.zone, in.name, in.name));
  out.plan = std::move(plan);
  Result<void> waited;
  if (in.wait != WaitLevel::none) {
    waited = wait_for(deps, in, out.box, out, owner);
  }
  if (auto cfg =
          refresh_ssh_config(deps.store, LocalFiles{deps.data_dir, deps.connect, &deps.files});
      !cfg) {
    out.warnings.push_back("could not rewrite the SSH config: " + cfg.error().message);
  }
  if (!waited) {
    return fail(waited.error());
  }
  return out;
}

}  // namespace gpubox::box
