#include "box/launch/launch.hpp"

#include <future>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "aws/ec2_network.hpp"
#include "box/launch/consistency.hpp"
#include "box/tags.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

void say(const LaunchDeps& deps, const std::string& line) {
  if (deps.progress) {
    deps.progress(line);
  }
}

// Return the instances that carry ClientToken `token` in `region` (not terminated).
Result<std::vector<aws::Instance>> instances_by_token(aws::AwsClient& client,
                                                      std::string_view region,
                                                      std::string_view token) {
  aws::DescribeInstancesInput in;
  in.filters = {{"client-token", {std::string(token)}}};
  GPUBOX_TRY_ASSIGN(page, aws::describe_instances(client, region, in));
  std::vector<aws::Instance> out;
  for (auto& i : page.instances) {
    if (i.state != "terminated" && i.state != "shutting-down") {
      out.push_back(std::move(i));
    }
  }
  return out;
}

// A key pair of this name exists but its private key is not saved: an earlier CreateKeyPair's
// reply (the only copy of the private key) was lost, or the name is someone else's. Delete it only
// when it is this box's (tagged) and no live instance uses it; otherwise fail and delete nothing.
Result<void> replace_lost_key_pair(LaunchDeps& deps, const LaunchSpec& spec,
                                   const std::string& key_name) {
  aws::DescribeKeyPairsInput by_name;
  by_name.key_names = {key_name};
  GPUBOX_TRY_ASSIGN(found, retry_fresh(deps.clock, [&] {
                      return aws::describe_key_pairs(deps.client, spec.region, by_name);
                    }));
  auto tag = found.empty() ? aws::Tags{} : found.front().tags;
  if (tag[std::string(k_tag_box)] != spec.name) {
    return fail(ErrorKind::conflict,
                fmt::format("a key pair named {} already exists in {} and gpubox did not make it "
                            "for box {}",
                            key_name, spec.region, spec.name),
                fmt::format("pick another box name, or delete that key pair (`aws ec2 "
                            "delete-key-pair --region {} --key-name {}`) if it is unused",
                            spec.region, key_name));
  }
  aws::DescribeInstancesInput users;
  users.filters = {{"key-name", {key_name}},
                   {"instance-state-name", {"pending", "running", "stopping", "stopped"}}};
  GPUBOX_TRY_ASSIGN(page, aws::describe_instances(deps.client, spec.region, users));
  if (!page.instances.empty()) {
    return fail(ErrorKind::conflict,
                fmt::format("key pair {} is used by {}, but its private key was never saved "
                            "(the reply that carried it was lost)",
                            key_name, page.instances.front().id),
                fmt::format("remove that box with `gpubox down {}`, then run `gpubox up` again",
                            spec.name));
  }
  say(deps, "the private key of " + key_name + " was lost with an earlier reply; replacing the " +
                "unused key pair");
  GPUBOX_TRY_ASSIGN(gone, aws::delete_key_pair(deps.client, spec.region, {key_name, ""}));
  (void)gone;
  return {};
}

Result<std::string> ensure_key_pair(LaunchDeps& deps, const LaunchSpec& spec,
                                    fs::path& created_path) {
  const std::string key_name = resource_name(spec.name);
  if (!spec.public_key_line.empty()) {
    aws::ImportKeyPairInput in{key_name, spec.public_key_line, spec.tags};
    auto imported = aws::import_key_pair(deps.client, spec.region, in);
    if (!imported && imported.error().kind != ErrorKind::conflict) {
      return fail(imported.error());
    }
    return key_name;  // a duplicate is this box's key from an interrupted run
  }
  const fs::path path = created_key_path(spec.key_dir, spec.name);
  aws::CreateKeyPairInput in;
  in.key_name = key_name;
  in.key_type = "ed25519";
  in.tags = spec.tags;
  auto created = aws::create_key_pair(deps.client, spec.region, in);
  std::error_code ec;
  if (!created && created.error().kind == ErrorKind::conflict) {
    if (fs::exists(path, ec)) {
      created_path = path;
      return key_name;  // made and saved by an interrupted run
    }
    GPUBOX_TRY(replace_lost_key_pair(deps, spec, key_name));
    created = aws::create_key_pair(deps.client, spec.region, in);
  }
  if (!created) {
    return fail(created.error());
  }
  GPUBOX_TRY(ensure_private_dir(spec.key_dir));
  GPUBOX_TRY(write_file_atomic(path, created->private_key, 0600));
  created_path = path;
  return key_name;
}

Result<std::string> find_group_id(LaunchDeps& deps, const LaunchSpec& spec) {
  aws::DescribeSecurityGroupsInput in;
  in.filters = {{"group-name", {resource_name(spec.name)}}};
  if (!spec.vpc_id.empty()) {
    in.filters.push_back({"vpc-id", {spec.vpc_id}});
  }
  GPUBOX_TRY_ASSIGN(page, aws::describe_security_groups(deps.client, spec.region, in));
  if (page.groups.empty()) {
    return fail(ErrorKind::not_found,
                "security group " + resource_name(spec.name) + " exists but cannot be described");
  }
  return page.groups.front().id;
}

Result<std::string> ensure_security_group(LaunchDeps& deps, const LaunchSpec& spec) {
  aws::CreateSecurityGroupInput in;
  in.group_name = resource_name(spec.name);
  in.vpc_id = spec.vpc_id;
  in.description = "gpubox box " + spec.name + ": ssh from " + spec.allow_from;
  in.tags = spec.tags;
  std::string id;
  auto created = aws::create_security_group(deps.client, spec.region, in);
  if (created) {
    id = created->id;
  } else if (created.error().kind == ErrorKind::conflict) {
    GPUBOX_TRY_ASSIGN(found, find_group_id(deps, spec));
    id = found;
  } else {
    return fail(created.error());
  }
  aws::IpPermission ssh;
  ssh.protocol = "tcp";
  ssh.from_port = 22;
  ssh.to_port = 22;
  ssh.ip_ranges = {{spec.allow_from, "gpubox ssh"}};
  auto rule = retry_fresh(deps.clock, [&] {
    return aws::authorize_security_group_ingress(deps.client, spec.region, {id, {ssh}});
  });
  if (!rule && rule.error().kind != ErrorKind::conflict) {
    aws::delete_security_group(deps.client, spec.region, {id, ""});
    return fail(rule.error());
  }
  return id;
}

// Look up the instance of an open `record`; nullopt when it has none (yet).
Result<std::optional<aws::Instance>> resume_instance(LaunchDeps& deps,
                                                     const state::LaunchRecord& record) {
  if (record.status == state::LaunchStatus::launched && !record.instance_id.empty()) {
    aws::DescribeInstancesInput in;
    in.instance_ids = {record.instance_id};
    auto page = aws::describe_instances(deps.client, record.region, in);
    if (page && !page->instances.empty() && page->instances.front().state != "terminated") {
      return std::optional<aws::Instance>{page->instances.front()};
    }
  }
  GPUBOX_TRY_ASSIGN(found, instances_by_token(deps.client, record.region, record.client_token));
  if (found.empty()) {
    return std::optional<aws::Instance>{};
  }
  return std::optional<aws::Instance>{found.front()};
}

std::string params_json(const aws::QueryParams& wire) {
  nlohmann::json doc = nlohmann::json::array();
  for (const auto& [k, v] : wire) {
    doc.push_back({k, v});
  }
  return doc.dump();
}

Result<aws::QueryParams> params_from_json(const std::string& text) {
  aws::QueryParams wire;
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_array()) {
    return fail(ErrorKind::state, "the stored launch parameters are not valid JSON");
  }
  for (const auto& pair : doc) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return fail(ErrorKind::state, "the stored launch parameters are malformed");
    }
    wire.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return wire;
}

std::string wire_value(const aws::QueryParams& wire, std::string_view key) {
  for (const auto& [k, v] : wire) {
    if (k == key) {
      return v;
    }
  }
  return {};
}

// Fix the RunInstances parameters of `record` in the store (the first ones stored win) and
// return them: every retry and every resumed `up` sends exactly these, so EC2 accepts the
// ClientToken replay instead of answering IdempotentParameterMismatch.
Result<aws::QueryParams> fixed_params(LaunchDeps& deps, const state::LaunchRecord& record,
                                      const aws::QueryParams& wire) {
  const std::string mine = params_json(wire);
  GPUBOX_TRY_ASSIGN(stored, deps.store.fix_launch_params(record.client_token, mine));
  if (stored == mine) {
    return wire;
  }
  return params_from_json(stored);
}

Error with_context(Error e, const LaunchSpec& spec, std::string_view zone) {
  e.message = fmt::format("launch {} in {}: {}", spec.instance_type, zone, e.message);
  return e;
}

}  // namespace

fs::path created_key_path(const fs::path& key_dir, std::string_view name) {
  return key_dir / (resource_name(name) + ".pem");
}

bool is_zone_failure(const Error& error) {
  // MissingInput: "No default subnet for availability zone" (that zone has none).
  return error.kind == ErrorKind::capacity || error.aws_code == "Unsupported" ||
         error.aws_code == "InsufficientInstanceCapacity" ||
         (error.aws_code == "MissingInput" &&
          error.message.find("default subnet") != std::string::npos);
}

aws::RunInstancesInput run_input(const LaunchSpec& spec, std::string_view zone,
                                 std::string_view token, std::string_view key_name,
                                 std::string_view security_group_id) {
  aws::RunInstancesInput in;
  in.image_id = spec.image_id;
  in.instance_type = spec.instance_type;
  in.key_name = std::string(key_name);
  in.security_group_ids = {std::string(security_group_id)};
  in.client_token = std::string(token);
  in.shutdown_behavior = "stop";
  if (auto it = spec.subnets.find(std::string(zone)); it != spec.subnets.end()) {
    in.subnet_id = it->second.id;  // the subnet fixes the zone
    if (!it->second.map_public_ip_on_launch) {
      in.associate_public_ip = true;  // or the box would have no address to ssh to
    }
  } else {
    in.availability_zone = std::string(zone);
  }
  aws::BlockDeviceSpec root;
  root.device_name = spec.root_device_name;
  root.volume_size_gib = spec.disk_gb;
  root.volume_type = "gp3";
  root.encrypted = true;
  root.delete_on_termination = true;
  in.block_devices = {root};
  in.instance_tags = spec.tags;
  in.volume_tags = spec.tags;
  in.http_tokens = "required";
  in.http_endpoint = "enabled";
  in.spot = spec.spot;
  if (spec.spot) {
    // A one-time request that stops (not terminates) on interruption keeps the disk, which
    // needs a persistent request.
    in.spot_instance_type = "persistent";
    in.spot_interruption_behavior = "stop";
    in.spot_request_tags = spec.tags;  // so `gc` finds a request whose instance is gone
  }
  in.user_data = spec.user_data;
  return in;
}

void cleanup_launch(LaunchDeps& deps, const LaunchSpec& spec, std::string_view security_group_id) {
  say(deps, "removing the key pair and security group made for " + spec.name);
  if (!security_group_id.empty()) {
    auto sg =
        aws::delete_security_group(deps.client, spec.region, {std::string(security_group_id), ""});
    if (!sg) {
      GPUBOX_LOG("cleanup: {}", sg.error().message);
    }
  }
  auto key = aws::delete_key_pair(deps.client, spec.region, {resource_name(spec.name), ""});
  if (!key) {
    GPUBOX_LOG("cleanup: {}", key.error().message);
  }
  if (spec.public_key_line.empty()) {
    std::error_code ec;
    fs::remove(created_key_path(spec.key_dir, spec.name), ec);
  }
}

Result<LaunchResult> launch_instance(LaunchDeps& deps, const LaunchSpec& spec) {
  LaunchResult out;
  std::string sg_id;
  std::vector<std::string> zones = spec.zones;
  for (size_t i = 0; i < zones.size(); ++i) {
    GPUBOX_TRY_ASSIGN(open, deps.store.open_launch(spec.name));
    state::LaunchRequest req{spec.name, spec.region, zones[i], spec.instance_type,
                             deps.clock.now()};
    GPUBOX_TRY_ASSIGN(record, deps.store.begin_launch(req));
    if (record.region != spec.region) {
      return fail(ErrorKind::state, "box " + spec.name + " has an open launch in " + record.region +
                                        ", not " + spec.region);
    }
    const std::string zone = record.zone.empty() ? zones[i] : record.zone;
    if (open) {
      GPUBOX_TRY_ASSIGN(found, resume_instance(deps, record));
      if (found) {
        say(deps, "found " + found->id + " from an earlier run of this launch");
        GPUBOX_TRY(deps.store.mark_launched(record.client_token, found->id, found->zone));
        out.instance = std::move(*found);
        out.zone = out.instance.zone.empty() ? zone : out.instance.zone;
        out.key_name = out.instance.key_name;
        out.security_group_id =
            out.instance.security_groups.empty() ? "" : out.instance.security_groups.front().id;
        if (spec.public_key_line.empty()) {
          out.created_key_path = created_key_path(spec.key_dir, spec.name);
        }
        out.client_token = record.client_token;
        out.resumed = true;
        return out;
      }
      say(deps, "resuming the interrupted launch of " + spec.name + " (same ClientToken)");
    }
    aws::QueryParams wire;
    if (!record.params.empty()) {
      // An earlier run made the key pair and group and fixed these parameters: replay them.
      GPUBOX_TRY_ASSIGN(stored, params_from_json(record.params));
      wire = std::move(stored);
      out.key_name = wire_value(wire, "KeyName");
      sg_id = wire_value(wire, "SecurityGroupId.1");
      if (sg_id.empty()) {
        sg_id = wire_value(wire, "NetworkInterface.1.SecurityGroupId.1");  // --subnet launches
      }
      out.security_group_id = sg_id;
      if (spec.public_key_line.empty()) {
        out.created_key_path = created_key_path(spec.key_dir, spec.name);
      }
    } else {
      if (sg_id.empty()) {
        // The key pair and the security group do not depend on each other: make both at once.
        fs::path created_path;
        auto key = std::async(std::launch::async,
                              [&] { return ensure_key_pair(deps, spec, created_path); });
        auto group = ensure_security_group(deps, spec);
        auto key_name = key.get();
        out.created_key_path = created_path;
        if (!key_name) {
          if (group) {
            if (auto gone = aws::delete_security_group(deps.client, spec.region, {*group, ""});
                !gone) {
              GPUBOX_LOG("cleanup: {}", gone.error().message);
            }
          }
          deps.store.mark_launch_failed(record.client_token, key_name.error().message);
          return fail(key_name.error());
        }
        out.key_name = *key_name;
        if (!group) {
          deps.store.mark_launch_failed(record.client_token, group.error().message);
          cleanup_launch(deps, spec, "");
          return fail(group.error());
        }
        sg_id = *group;
        out.security_group_id = sg_id;
      }
      GPUBOX_TRY_ASSIGN(
          fixed, fixed_params(deps, record,
                              aws::build_run_instances(run_input(spec, zone, record.client_token,
                                                                 out.key_name, sg_id))));
      wire = std::move(fixed);
    }
    say(deps, fmt::format("launching {} in {}", spec.instance_type, zone));
    // Right after CreateKeyPair/CreateSecurityGroup, RunInstances may not see them yet.
    auto run = retry_fresh(deps.clock,
                           [&] { return aws::run_instances_wire(deps.client, spec.region, wire); });
    if (run && !run->instances.empty()) {
      const aws::Instance& inst = run->instances.front();
      if (auto ok = deps.store.mark_launched(record.client_token, inst.id,
                                             inst.zone.empty() ? zone : inst.zone);
          !ok) {
        Error e = ok.error();
        e.message = fmt::format(
            "{} of box {} is running in {}, but gpubox could not record it "
            "locally: {}",
            inst.id, spec.name, spec.region, e.message);
        e.hint = "it is billing: remove it with `gpubox down " + spec.name +
                 "` (found by its tags), or free space in the gpubox data directory and run "
                 "`gpubox up " +
                 spec.name + "` again to resume";
        return fail(std::move(e));
      }
      out.instance = inst;
      out.zone = inst.zone.empty() ? zone : inst.zone;
      out.client_token = record.client_token;
      return out;
    }
    Error err;
    if (run) {
      err.kind = ErrorKind::remote;
      err.message = "RunInstances returned no instance";
    } else {
      err = run.error();
    }
    if (err.http_status == 0 && !run) {
      // No answer: the instance may exist. Keep the record pending so a re-run resumes it.
      err.hint = "run `gpubox up " + spec.name + "` again to resume this launch";
      return fail(with_context(std::move(err), spec, zone));
    }
    if (err.aws_code == "IdempotentParameterMismatch") {
      // This ClientToken launched something with other parameters: that instance may be live
      // and use this key pair and group, so nothing is deleted and the record stays open.
      err.message = fmt::format(
          "EC2 refused to resend the launch of {}: its ClientToken was "
          "first used with other parameters ({})",
          spec.name, err.aws_code);
      err.hint =
          "nothing was deleted; see what runs with `gpubox ls`, and remove it with "
          "`gpubox down " +
          spec.name + "`";
      return fail(with_context(std::move(err), spec, zone));
    }
    deps.store.mark_launch_failed(record.client_token,
                                  err.aws_code.empty() ? err.message : err.aws_code);
    if (is_zone_failure(err)) {
      say(deps, fmt::format("{} in {}: {}, trying the next zone", spec.instance_type, zone,
                            err.aws_code.empty() ? "no capacity" : err.aws_code));
      out.failed_zones.push_back(zone);
      if (zone != zones[i]) {  // the resumed record had another zone: still try this one
        zones.insert(zones.begin() + static_cast<long>(i) + 1, zones[i]);
      }
      continue;
    }
    cleanup_launch(deps, spec, sg_id);
    return fail(with_context(std::move(err), spec, zone));
  }
  cleanup_launch(deps, spec, sg_id);
  Error e;
  e.kind = ErrorKind::capacity;
  e.aws_code = "InsufficientInstanceCapacity";
  e.message = fmt::format("no capacity for {} in {} (tried {})", spec.instance_type, spec.region,
                          fmt::join(out.failed_zones, ", "));
  e.hint = "try again later, another region (--region) or another type (--type)";
  return fail(std::move(e));
}

}  // namespace gpubox::box
