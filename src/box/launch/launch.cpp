#include "box/launch/launch.hpp"

#include <future>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "aws/ec2_network.hpp"
#include "box/launch/consistency.hpp"
#include "box/tags.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"
#include "core/strings.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

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

// Read one SSH wire "string" (u32 big-endian length, bytes) at `at`, advancing it.
std::optional<std::string> read_ssh_string(std::string_view data, size_t& at) {
  if (at + 4 > data.size()) {
    return std::nullopt;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(data.data() + at);
  const size_t n = (size_t{p[0]} << 24) | (size_t{p[1]} << 16) | (size_t{p[2]} << 8) | p[3];
  if (n > data.size() - at - 4) {
    return std::nullopt;
  }
  std::string out(data.substr(at + 4, n));
  at += 4 + n;
  return out;
}

// Return the first two whitespace-separated fields of an OpenSSH public key line.
std::pair<std::string, std::string> key_fields(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  for (char c : line) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!word.empty()) {
        words.push_back(std::move(word));
        word.clear();
      }
    } else {
      word += c;
    }
  }
  if (!word.empty()) {
    words.push_back(std::move(word));
  }
  if (words.size() < 2) {
    return {};
  }
  return {words[0], words[1]};
}

std::string tag_value(const aws::Tags& tags, std::string_view key) {
  auto it = tags.find(std::string(key));
  return it == tags.end() ? std::string() : it->second;
}

// Filters for what this box of this owner made: both tags must match.
std::vector<aws::Filter> ours(const LaunchSpec& spec) {
  return {{"tag:" + std::string(k_tag_box), {spec.name}},
          {"tag:" + std::string(k_tag_owner), {tag_value(spec.tags, k_tag_owner)}}};
}

// A name nobody can guess and pre-create: "gpubox-NAME-" and 8 random hex digits.
std::string fresh_name(const LaunchSpec& spec) {
  return resource_name(spec.name) + "-" + hex_encode(random_bytes(4));
}

Result<std::string> import_key(LaunchDeps& deps, const LaunchSpec& spec,
                               const std::vector<aws::KeyPair>& tagged) {
  for (const auto& k : tagged) {
    if (same_public_key(k.public_key, spec.public_key_line)) {
      return k.name;  // this box's key from an interrupted run
    }
  }
  if (!tagged.empty()) {
    Error e;
    e.kind = ErrorKind::conflict;
    e.message = fmt::format(
        "key pair {} in {} is tagged as box {} of yours but holds another public key than yours; "
        "gpubox does not launch with a key it cannot prove is yours",
        tagged.front().name, spec.region, spec.name);
    e.hint = fmt::format(
        "if you made it, remove it: `gpubox down {}`; if not, someone else can "
        "tag resources in this account: check its IAM permissions",
        spec.name);
    return fail(std::move(e));
  }
  std::string key_name = fresh_name(spec);
  GPUBOX_TRY_ASSIGN(imported, aws::import_key_pair(deps.client, spec.region,
                                                   {key_name, spec.public_key_line, spec.tags}));
  (void)imported;
  return key_name;
}

// Key pair `key_name` is this box's (tagged) but its private key is not saved. Delete it only
// when no live instance uses it; otherwise fail and delete nothing.
Result<void> replace_lost_key_pair(LaunchDeps& deps, const LaunchSpec& spec,
                                   const std::string& key_name) {
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
  deps.progress.say("the private key of " + key_name +
                    " was lost with an earlier reply; replacing the unused key pair");
  GPUBOX_TRY_ASSIGN(gone, aws::delete_key_pair(deps.client, spec.region, {key_name, ""}));
  (void)gone;
  return {};
}

Result<std::string> ensure_key_pair(LaunchDeps& deps, const LaunchSpec& spec,
                                    fs::path& created_path) {
  aws::DescribeKeyPairsInput find;
  find.filters = ours(spec);
  find.include_public_key = true;
  GPUBOX_TRY_ASSIGN(tagged, aws::describe_key_pairs(deps.client, spec.region, find));
  if (!spec.public_key_line.empty()) {
    return import_key(deps, spec, tagged);
  }
  const fs::path path = created_key_path(spec.key_dir, spec.name);
  if (deps.files.exists(path)) {
    const std::string mine = public_key_of_private(deps.files.read_file(path).value_or(""));
    for (const auto& k : tagged) {
      if (!mine.empty() && same_public_key(k.public_key, mine)) {
        created_path = path;
        return k.name;  // made and saved by an interrupted run
      }
    }
  }
  // A tagged pair without its private key here is useless (an earlier CreateKeyPair's reply, the
  // only copy of the private key, was lost): remove it and make a new one, but only when no live
  // instance uses it; otherwise fail and delete nothing.
  for (const auto& k : tagged) {
    GPUBOX_TRY(replace_lost_key_pair(deps, spec, k.name));
  }
  aws::CreateKeyPairInput in;
  in.key_name = fresh_name(spec);
  in.key_type = "ed25519";
  in.tags = spec.tags;
  GPUBOX_TRY_ASSIGN(created, aws::create_key_pair(deps.client, spec.region, in));
  GPUBOX_TRY(deps.files.ensure_private_dir(spec.key_dir));
  GPUBOX_TRY(deps.files.write_file_atomic(path, created.private_key, 0600));
  created_path = path;
  return in.key_name;
}

// The one rule a box's group holds: tcp/22 from `allow_from`.
aws::IpPermission ssh_rule(const LaunchSpec& spec) {
  aws::IpPermission ssh;
  ssh.protocol = "tcp";
  ssh.from_port = 22;
  ssh.to_port = 22;
  ssh.ip_ranges = {{spec.allow_from, std::string(ssh_rule_description(spec.allow_from_is_caller))}};
  return ssh;
}

Result<void> authorize_ssh(LaunchDeps& deps, const LaunchSpec& spec, const std::string& id) {
  // Right after CreateSecurityGroup the group may not be visible yet.
  auto rule = retry_fresh(deps.clock, [&] {
    return aws::authorize_security_group_ingress(deps.client, spec.region, {id, {ssh_rule(spec)}});
  });
  if (!rule && rule.error().kind != ErrorKind::conflict) {
    return fail(rule.error());
  }
  return {};
}

// Make the ingress of an earlier run's `group` exactly the intended rule: revoke everything else
// (IPv4, IPv6, other groups, prefix lists), then add the rule when it is missing.
Result<void> enforce_ingress(LaunchDeps& deps, const LaunchSpec& spec,
                             const aws::SecurityGroup& group) {
  auto extra = extra_ingress(group.ingress, spec.allow_from);
  if (!extra.empty()) {
    deps.progress.say(fmt::format("removing {} ingress rule(s) other than tcp/22 from {} from {}",
                                  extra.size(), spec.allow_from, group.id));
    auto revoked = aws::revoke_security_group_ingress(deps.client, spec.region, {group.id, extra});
    if (!revoked) {
      Error e = revoked.error();
      e.message = fmt::format(
          "security group {} of box {} allows more than tcp/22 from {}, and revoking the rest "
          "failed: {}",
          group.id, spec.name, spec.allow_from, e.message);
      e.hint = fmt::format("remove it (`gpubox down {}`) and run `gpubox up` again", spec.name);
      return fail(std::move(e));
    }
  }
  return authorize_ssh(deps, spec, group.id);
}

Result<std::string> ensure_security_group(LaunchDeps& deps, const LaunchSpec& spec) {
  aws::DescribeSecurityGroupsInput find;
  find.filters = ours(spec);
  if (!spec.vpc_id.empty()) {
    find.filters.push_back({"vpc-id", {spec.vpc_id}});
  }
  GPUBOX_TRY_ASSIGN(page, aws::describe_security_groups(deps.client, spec.region, find));
  if (!page.groups.empty()) {
    GPUBOX_TRY(enforce_ingress(deps, spec, page.groups.front()));
    return page.groups.front().id;  // this box's group from an interrupted run
  }
  aws::CreateSecurityGroupInput in;
  in.group_name = fresh_name(spec);
  in.vpc_id = spec.vpc_id;
  in.description = "gpubox box " + spec.name + ": ssh from " + spec.allow_from;
  in.tags = spec.tags;
  GPUBOX_TRY_ASSIGN(created, aws::create_security_group(deps.client, spec.region, in));
  if (auto rule = authorize_ssh(deps, spec, created.id); !rule) {
    if (auto gone = aws::delete_security_group(deps.client, spec.region, {created.id, ""}); !gone) {
      GPUBOX_LOG("cleanup: {}", gone.error().message);  // gc finds it by its tags
    }
    return fail(rule.error());
  }
  return created.id;
}

// The group an earlier run of this launch made (`id`, from the stored parameters) is used again
// only while its tags still say this box and this owner; its ingress is cut back to the one rule.
Result<void> recheck_group(LaunchDeps& deps, const LaunchSpec& spec, const std::string& id) {
  aws::DescribeSecurityGroupsInput find;
  find.group_ids = {id};
  find.filters = ours(spec);
  GPUBOX_TRY_ASSIGN(page, retry_fresh(deps.clock, [&] {
                      return aws::describe_security_groups(deps.client, spec.region, find);
                    }));
  if (page.groups.empty()) {
    return fail(ErrorKind::conflict,
                fmt::format("security group {} of the interrupted launch of {} is no longer tagged "
                            "as this box of yours; gpubox does not launch into it",
                            id, spec.name),
                fmt::format("remove what is left with `gpubox down {}`, then run `gpubox up` "
                            "again",
                            spec.name));
  }
  return enforce_ingress(deps, spec, page.groups.front());
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

std::string_view ssh_rule_description(bool from_caller) {
  return from_caller ? k_rule_caller : k_rule_given;
}

std::vector<aws::IpPermission> extra_ingress(const std::vector<aws::IpPermission>& ingress,
                                             std::string_view allow_from) {
  std::vector<aws::IpPermission> extra;
  for (const auto& perm : ingress) {
    aws::IpPermission rest;
    rest.protocol = perm.protocol;
    rest.from_port = perm.from_port;
    rest.to_port = perm.to_port;
    const bool ssh_only = perm.protocol == "tcp" && perm.from_port == 22 && perm.to_port == 22;
    for (const auto& range : perm.ip_ranges) {
      if (!ssh_only || range.cidr != allow_from) {
        rest.ip_ranges.push_back({range.cidr, ""});
      }
    }
    rest.ipv6_ranges = perm.ipv6_ranges;
    rest.source_group_ids = perm.source_group_ids;
    rest.prefix_list_ids = perm.prefix_list_ids;
    if (!rest.ip_ranges.empty() || !rest.ipv6_ranges.empty() || !rest.source_group_ids.empty() ||
        !rest.prefix_list_ids.empty()) {
      extra.push_back(std::move(rest));
    }
  }
  return extra;
}

std::string public_key_of_private(std::string_view pem) {
  constexpr std::string_view k_begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  constexpr std::string_view k_end = "-----END OPENSSH PRIVATE KEY-----";
  auto b = pem.find(k_begin);
  auto e = pem.find(k_end);
  if (b == pem.npos || e == pem.npos || e < b) {
    return {};
  }
  std::string body;
  for (char c : pem.substr(b + k_begin.size(), e - b - k_begin.size())) {
    if (c != '\n' && c != '\r' && c != ' ') {
      body += c;
    }
  }
  const std::string raw = base64_decode(body);
  constexpr std::string_view k_magic{"openssh-key-v1\0", 15};
  if (!std::string_view(raw).starts_with(k_magic)) {
    return {};
  }
  // Layout: magic, cipher, kdf, kdf options, u32 number of keys, the first public key blob.
  size_t at = k_magic.size();
  for (int skip = 0; skip < 3; ++skip) {
    if (!read_ssh_string(raw, at)) {
      return {};
    }
  }
  at += 4;
  auto blob = read_ssh_string(raw, at);
  size_t type_at = 0;
  auto type = blob ? read_ssh_string(*blob, type_at) : std::nullopt;
  return type ? *type + " " + base64_encode(*blob) : std::string();
}

bool same_public_key(std::string_view a, std::string_view b) {
  auto x = key_fields(a);
  auto y = key_fields(b);
  return !x.second.empty() && x == y;
}

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

void cleanup_launch(LaunchDeps& deps, const LaunchSpec& spec, std::string_view security_group_id,
                    std::string_view key_name) {
  deps.progress.say("removing the key pair and security group made for " + spec.name);
  if (!security_group_id.empty()) {
    auto sg =
        aws::delete_security_group(deps.client, spec.region, {std::string(security_group_id), ""});
    if (!sg) {
      GPUBOX_LOG("cleanup: {}", sg.error().message);
    }
  }
  if (!key_name.empty()) {
    auto key = aws::delete_key_pair(deps.client, spec.region, {std::string(key_name), ""});
    if (!key) {
      GPUBOX_LOG("cleanup: {}", key.error().message);
    }
  }
  if (spec.public_key_line.empty()) {
    (void)deps.files.remove_file(created_key_path(spec.key_dir, spec.name));
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
        deps.progress.say("found " + found->id + " from an earlier run of this launch");
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
      deps.progress.say("resuming the interrupted launch of " + spec.name + " (same ClientToken)");
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
      GPUBOX_TRY(recheck_group(deps, spec, sg_id));
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
          (void)deps.store.mark_launch_failed(record.client_token, key_name.error().message);
          return fail(key_name.error());
        }
        out.key_name = *key_name;
        if (!group) {
          (void)deps.store.mark_launch_failed(record.client_token, group.error().message);
          cleanup_launch(deps, spec, "", out.key_name);
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
    deps.progress.say(fmt::format("launching {} in {}", spec.instance_type, zone));
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
    // Best effort: a record left pending is expired by gc once its ClientToken finds nothing.
    (void)deps.store.mark_launch_failed(record.client_token,
                                        err.aws_code.empty() ? err.message : err.aws_code);
    if (is_zone_failure(err)) {
      deps.progress.say(fmt::format("{} in {}: {}, trying the next zone", spec.instance_type, zone,
                                    err.aws_code.empty() ? "no capacity" : err.aws_code));
      out.failed_zones.push_back(zone);
      if (zone != zones[i]) {  // the resumed record had another zone: still try this one
        zones.insert(zones.begin() + static_cast<long>(i) + 1, zones[i]);
      }
      continue;
    }
    cleanup_launch(deps, spec, sg_id, out.key_name);
    return fail(with_context(std::move(err), spec, zone));
  }
  cleanup_launch(deps, spec, sg_id, out.key_name);
  Error e;
  e.kind = ErrorKind::capacity;
  e.aws_code = "InsufficientInstanceCapacity";
  e.message = fmt::format("no capacity for {} in {} (tried {})", spec.instance_type, spec.region,
                          fmt::join(out.failed_zones, ", "));
  e.hint = "try again later, another region (--region) or another type (--type)";
  return fail(std::move(e));
}

}  // namespace gpubox::box
