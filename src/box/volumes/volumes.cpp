#include "box/volumes/volumes.hpp"

#include <algorithm>
#include <charconv>
#include <future>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "aws/ec2_volumes.hpp"
#include "box/money/cost.hpp"
#include "box/names.hpp"
#include "box/onbox/onbox_files.hpp"
#include "box/tags.hpp"
#include "core/crypto.hpp"
#include "core/iso8601.hpp"
#include "core/strings.hpp"

namespace gpubox::box {
namespace {

// volume.sh may wait two minutes for the disk to appear, then format it.
constexpr std::chrono::minutes k_mount_timeout{5};

bool owned_by(const aws::Tags& tags, std::string_view owner) {
  if (owner.empty()) {
    return true;
  }
  auto it = tags.find(std::string(k_tag_owner));
  return it != tags.end() && same_owner(it->second, owner);
}

std::string attached_instance(const aws::Volume& v) {
  for (const auto& a : v.attachments) {
    if (a.state != "detached") {
      return a.instance_id;
    }
  }
  return "";
}

Result<aws::Volume> describe_one(aws::AwsClient& client, std::string_view region,
                                 const std::string& id) {
  aws::DescribeVolumesInput in;
  in.volume_ids = {id};
  GPUBOX_TRY_ASSIGN(page, aws::describe_volumes(client, region, in));
  if (page.volumes.empty()) {
    return fail(ErrorKind::not_found, "volume " + id + " is gone");
  }
  return page.volumes.front();
}

// Poll volume `id` until `done(volume)`; `what` names the wait in progress and in the timeout.
// `may_lag`: the volume was just created, so NotFound means "not visible yet", not "gone".
template <typename Done>
Result<aws::Volume> poll_volume(const VolumeDeps& deps, std::string_view region,
                                const std::string& id, std::string_view what, Done done,
                                bool may_lag = false) {
  const TimePoint deadline = deps.clock.now() + deps.wait.timeout;
  for (;;) {
    auto v = describe_one(deps.client, region, id);
    // Right after CreateVolume, EC2 may not show the volume yet (eventual consistency).
    const bool not_yet = may_lag && !v && v.error().aws_code == "InvalidVolume.NotFound";
    if (!v && !not_yet) {
      return v;
    }
    if (v && done(*v)) {
      return v;
    }
    if (deps.clock.now() >= deadline) {
      return fail(
          ErrorKind::remote,
          fmt::format("volume {} was not {} after {}s (state {})", id, what,
                      std::chrono::duration_cast<std::chrono::seconds>(deps.wait.timeout).count(),
                      v ? v->state : "not visible"),
          "look at it in the EC2 console, then run the command again");
    }
    deps.progress.tick();
    deps.clock.sleep_for(deps.wait.poll);
  }
}

}  // namespace

Result<VolumeRequest> parse_volume_flag(std::string_view text) {
  VolumeRequest req;
  const auto colon = text.find(':');
  req.name = std::string(text.substr(0, colon));
  if (auto ok = validate_name(req.name); !ok) {
    Error e = ok.error();
    constexpr std::string_view k_box = "invalid box name";
    if (e.message.starts_with(k_box)) {
      e.message.replace(0, k_box.size(), "invalid volume name");
    }
    e.hint = "--volume NAME:GiB, e.g. --volume data:200";
    return fail(std::move(e));
  }
  if (colon == std::string_view::npos) {
    return req;
  }
  const std::string_view size = text.substr(colon + 1);
  long long gib = 0;
  const auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), gib);
  if (ec != std::errc{} || end != size.data() + size.size() || gib < 1 || gib > k_max_volume_gib) {
    return fail(ErrorKind::invalid_input,
                fmt::format("invalid --volume size '{}': give whole GiB from 1 to {}", size,
                            k_max_volume_gib),
                "--volume NAME:GiB, e.g. --volume data:200");
  }
  req.size_gib = gib;
  return req;
}

std::string volume_resource_name(std::string_view name) {
  return "gpubox-volume-" + std::string(name);
}

aws::Tags volume_tags(std::string_view name, std::string_view owner, TimePoint now) {
  return {{std::string(k_tag_volume), std::string(name)},
          {std::string(k_tag_owner), std::string(owner)},
          {std::string(k_tag_created), format_iso8601(now)},
          {std::string(k_tag_name), volume_resource_name(name)}};
}

double volume_usd_per_month(long long size_gib, std::string_view region) {
  return static_cast<double>(size_gib) * ebs_gp3_usd_per_gib_month(region);
}

std::string volume_name_of(const aws::Tags& tags) {
  auto it = tags.find(std::string(k_tag_volume));
  return it == tags.end() ? "" : it->second;
}

Result<std::vector<aws::Volume>> find_volumes(aws::AwsClient& client, std::string_view region,
                                              std::string_view name, std::string_view owner) {
  aws::DescribeVolumesInput in;
  in.filters = {{"tag:" + std::string(k_tag_volume), {std::string(name)}}};
  GPUBOX_TRY_ASSIGN(page, aws::describe_volumes(client, region, in));
  std::vector<aws::Volume> out;
  for (auto& v : page.volumes) {
    if (owned_by(v.tags, owner) && v.state != "deleting" && v.state != "deleted") {
      out.push_back(std::move(v));
    }
  }
  return out;
}

Result<std::optional<aws::Volume>> find_volume(aws::AwsClient& client, std::string_view region,
                                               std::string_view name, std::string_view owner) {
  GPUBOX_TRY_ASSIGN(found, find_volumes(client, region, name, owner));
  if (found.size() > 1) {
    std::vector<std::string> ids;
    for (const auto& v : found) {
      ids.push_back(v.id + " (" + v.zone + ")");
    }
    return fail(ErrorKind::conflict,
                fmt::format("{} volumes are named {} in {}: {}", found.size(), name, region,
                            fmt::join(ids, ", ")),
                fmt::format("keep one: `gpubox volumes rm VOLUME-ID` deletes the other"));
  }
  if (found.empty()) {
    return std::optional<aws::Volume>{};
  }
  return std::optional<aws::Volume>{std::move(found.front())};
}

Result<aws::Volume> create_named_volume(const VolumeDeps& deps, std::string_view region,
                                        std::string_view zone, std::string_view name,
                                        long long size_gib, std::string_view owner) {
  aws::CreateVolumeInput in;
  in.zone = std::string(zone);
  in.size_gib = size_gib;
  // One token per volume: the client's retry of a lost reply gets the same volume back.
  in.client_token = "gpubox-volume-" + hex_encode(random_bytes(12));
  in.tags = volume_tags(name, owner, deps.clock.now());
  deps.progress.say(
      fmt::format("creating volume {} ({} GiB gp3, encrypted) in {}", name, size_gib, zone));
  GPUBOX_TRY_ASSIGN(created, aws::create_volume(deps.client, region, in));
  deps.progress.phase(fmt::format("waiting for volume {} ({})", name, created.id),
                      deps.wait.timeout);
  return poll_volume(
      deps, region, created.id, "available",
      [](const aws::Volume& v) { return v.state == "available"; }, true);
}

Result<aws::Volume> attach_named_volume(const VolumeDeps& deps, std::string_view region,
                                        const aws::Volume& volume, std::string_view instance_id) {
  const std::string name = volume_name_of(volume.tags);
  const std::string current = attached_instance(volume);
  if (current != instance_id) {
    if (!current.empty()) {
      return fail(ErrorKind::conflict,
                  fmt::format("volume {} ({}) is attached to {}", name, volume.id, current),
                  "a volume is attached to one box at a time: `gpubox down` that box (it keeps "
                  "the volume) first");
    }
    aws::AttachVolumeInput in{volume.id, std::string(instance_id), std::string(k_volume_device)};
    deps.progress.say(fmt::format("attaching volume {} ({}) to {}", name, volume.id, instance_id));
    auto attached = aws::attach_volume(deps.client, region, in);
    if (!attached) {
      Error e = attached.error();
      if (e.aws_code == "InvalidVolume.ZoneMismatch") {
        e.message = fmt::format("volume {} lives in {}, the box in another zone: {}", name,
                                volume.zone, e.message);
        e.hint = "a box that uses the volume must launch in " + volume.zone;
      } else if (e.aws_code == "VolumeInUse") {
        e.hint = "the volume is attached to another instance: `gpubox volumes` shows which";
      }
      return fail(std::move(e));
    }
  }
  deps.progress.phase("waiting for volume " + name + " to attach", deps.wait.timeout);
  const std::string instance(instance_id);
  return poll_volume(deps, region, volume.id, "attached", [&](const aws::Volume& v) {
    return std::ranges::any_of(v.attachments, [&](const aws::VolumeAttachment& a) {
      return a.instance_id == instance && a.state == "attached";
    });
  });
}

std::string mount_command(std::string_view volume_id, std::string_view name,
                          std::string_view login_user) {
  const std::string args = shell_join({"volume.sh", "--volume-id", std::string(volume_id),
                                       "--mount", std::string(k_volume_mount_point), "--owner",
                                       std::string(login_user), "--label", std::string(name)});
  // The script arrives on stdin and runs as one `bash -c` argument: nothing it runs can read the
  // rest of it. sudo's env_reset drops the GPUBOX_VOLUME_* test overrides on a real box.
  return "S=$(cat); if [ \"$(id -u)\" = 0 ]; then bash -c \"$S\" " + args +
         "; else sudo -n bash -c \"$S\" " + args + "; fi";
}

Result<MountResult> parse_mount_result(std::string_view text) {
  std::string_view line = trim(text);
  if (auto nl = line.rfind('\n'); nl != std::string_view::npos) {
    line = line.substr(nl + 1);
  }
  auto doc = nlohmann::json::parse(line, nullptr, false);
  if (!doc.is_object() || !doc.contains("uuid") || !doc["uuid"].is_string()) {
    return fail(ErrorKind::remote,
                "volume.sh did not report the mount: " + std::string(line.substr(0, 200)));
  }
  MountResult m;
  m.device = doc.value("device", "");
  m.uuid = doc.value("uuid", "");
  m.fstype = doc.value("fstype", "");
  m.formatted = doc.value("formatted", false);
  m.mount_point = doc.value("mount", "");
  return m;
}

Result<MountResult> mount_volume(ProcessRunner& runner, const remote::SshTarget& target,
                                 std::string_view volume_id, std::string_view name,
                                 std::string_view login_user) {
  GPUBOX_TRY_ASSIGN(script, onbox_file("volume.sh"));
  RunOptions options;
  options.stdin_text = std::string(script);
  options.timeout = k_mount_timeout;
  GPUBOX_TRY_ASSIGN(
      r, remote::ssh_run(runner, target, {mount_command(volume_id, name, login_user)}, options));
  if (r.exit_code != 0) {
    std::string detail(trim(r.stderr_text));
    Error e;
    e.kind = ErrorKind::remote;
    e.message =
        fmt::format("mounting volume {} at {} on {} failed: {}", name, k_volume_mount_point,
                    target.name, detail.empty() ? "exit " + std::to_string(r.exit_code) : detail);
    e.hint = detail.find("sudo") != std::string::npos
                 ? "gpubox mounts volumes as root with `sudo -n`: the login user needs "
                   "passwordless sudo (the Deep Learning AMIs have it)"
                 : "the volume is attached and untouched; fix the cause and run `gpubox up` "
                   "again, or `gpubox down` the box (the volume is kept)";
    return fail(std::move(e));
  }
  return parse_mount_result(r.stdout_text);
}

VolumeListing list_volumes(aws::AwsClient& client, const std::vector<std::string>& regions,
                           std::string_view owner) {
  struct Found {
    std::vector<VolumeRow> rows;
    std::optional<Error> error;
  };
  std::vector<std::future<Found>> asked;
  asked.reserve(regions.size());
  for (const auto& region : regions) {
    asked.push_back(std::async(std::launch::async, [&client, region, owner]() -> Found {
      aws::DescribeVolumesInput in;
      in.filters = {{"tag-key", {std::string(k_tag_volume)}}};
      auto page = aws::describe_volumes(client, region, in);
      if (!page) {
        return {{}, page.error()};
      }
      Found f;
      std::set<std::string> instances;
      for (auto& v : page->volumes) {
        if (!owned_by(v.tags, owner)) {
          continue;
        }
        VolumeRow row;
        row.name = volume_name_of(v.tags);
        row.region = region;
        row.instance_id = attached_instance(v);
        row.usd_per_month = volume_usd_per_month(v.size_gib, region);
        row.volume = std::move(v);
        if (!row.instance_id.empty()) {
          instances.insert(row.instance_id);
        }
        f.rows.push_back(std::move(row));
      }
      if (!instances.empty()) {
        aws::DescribeInstancesInput di;
        di.instance_ids.assign(instances.begin(), instances.end());
        if (auto found = aws::describe_instances(client, region, di); found) {
          for (auto& row : f.rows) {
            for (const auto& i : found->instances) {
              auto tag = i.tags.find(std::string(k_tag_box));
              if (i.id == row.instance_id && tag != i.tags.end()) {
                row.box = tag->second;
              }
            }
          }
        }  // else: the instance ids still say where each is attached
      }
      return f;
    }));
  }
  VolumeListing out;
  for (size_t i = 0; i < regions.size(); ++i) {
    Found f = asked[i].get();
    if (f.error) {
      out.failed.emplace_back(regions[i], *f.error);
    }
    for (auto& r : f.rows) {
      out.rows.push_back(std::move(r));
    }
  }
  std::ranges::sort(out.rows, [](const VolumeRow& a, const VolumeRow& b) {
    return std::tie(a.name, a.region, a.volume.id) < std::tie(b.name, b.region, b.volume.id);
  });
  return out;
}

Result<void> delete_named_volume(const VolumeDeps& deps, std::string_view region,
                                 const aws::Volume& volume) {
  // A volume of a box being terminated detaches on its own within seconds; wait for that.
  auto now = poll_volume(deps, region, volume.id, "detached",
                         [](const aws::Volume& v) { return v.state != "in-use"; });
  if (!now && now.error().aws_code == "InvalidVolume.NotFound") {
    return {};  // already gone
  }
  GPUBOX_TRY(now);
  auto deleted = aws::delete_volume(deps.client, region, volume.id);
  if (!deleted && deleted.error().aws_code != "InvalidVolume.NotFound") {
    return fail(deleted.error());
  }
  return {};
}

Result<aws::Volume> remove_volume(const VolumeDeps& deps, std::string_view region,
                                  std::string_view name_or_id, std::string_view owner) {
  std::optional<aws::Volume> found;
  if (name_or_id.starts_with("vol-")) {
    auto v = describe_one(deps.client, region, std::string(name_or_id));
    if (v && !volume_name_of(v->tags).empty() && owned_by(v->tags, owner)) {
      found = std::move(*v);
    } else if (!v && v.error().aws_code != "InvalidVolume.NotFound") {
      return fail(v.error());
    }
  } else {
    GPUBOX_TRY_SET(found, find_volume(deps.client, region, name_or_id, owner));
  }
  if (!found) {
    return fail(ErrorKind::not_found, fmt::format("no volume named {} in {}", name_or_id, region),
                "`gpubox volumes` lists yours (--region picks another region)");
  }
  const std::string name = volume_name_of(found->tags);
  if (const std::string on = attached_instance(*found); !on.empty()) {
    return fail(ErrorKind::conflict,
                fmt::format("volume {} ({}) is attached to {}; not deleted", name, found->id, on),
                "`gpubox down BOX` removes the box and keeps the volume; then run `gpubox "
                "volumes rm " +
                    name + "` again");
  }
  GPUBOX_TRY(delete_named_volume(deps, region, *found));
  return *found;
}

}  // namespace gpubox::box
