#include "cli/up_render.hpp"

#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "box/money/cost.hpp"
#include "box/onbox/autostop.hpp"
#include "box/tags.hpp"

namespace gpubox::cli {
namespace {

const char* wait_name(box::WaitLevel level) {
  switch (level) {
    case box::WaitLevel::none:
      return "none";
    case box::WaitLevel::running:
      return "running";
    case box::WaitLevel::ssh:
      return "ssh";
    case box::WaitLevel::ready:
      return "ready";
  }
  return "none";
}

// What the box bills per hour: the instance and its public IPv4 address.
std::string price_text(const box::UpPlan& plan) {
  auto price = plan.where.type.price(plan.spot);
  return price ? fmt::format("${:.4f}/h{} (incl. ${:.3f}/h public IPv4)", box::hourly_usd(*price),
                             plan.spot ? " (spot)" : "", box::k_public_ipv4_usd_per_hour)
               : std::string("price unknown");
}

nlohmann::json price_json(const box::UpPlan& plan) {
  auto price = plan.where.type.price(plan.spot);
  return price ? nlohmann::json(box::hourly_usd(*price)) : nlohmann::json(nullptr);
}

nlohmann::json instance_price_json(const box::UpPlan& plan) {
  auto price = plan.where.type.price(plan.spot);
  return price ? nlohmann::json(*price) : nlohmann::json(nullptr);
}

nlohmann::json autostop_json(int idle_minutes, double max_hours) {
  return {
      {"idle_minutes", idle_minutes > 0 ? nlohmann::json(idle_minutes) : nlohmann::json(nullptr)},
      {"max_hours", max_hours > 0 ? nlohmann::json(max_hours) : nlohmann::json(nullptr)},
      {"text", box::describe_autostop(idle_minutes, max_hours)}};
}

std::string autostop_line(const std::string& name, int idle_minutes, double max_hours) {
  if (idle_minutes == 0 && max_hours == 0) {
    return "off: the box runs and bills until you stop it";
  }
  return box::describe_autostop(idle_minutes, max_hours) + " (change: gpubox autostop " + name +
         " --idle 1h|off --max-hours 8|off)";
}

std::string volume_text(const box::VolumePlan& v) {
  if (v.exists) {
    return fmt::format(
        "{} ({}, {} GiB in {}: the box launches there), ${:.2f}/month, at {}; "
        "kept by `down`",
        v.name, v.volume_id, v.size_gib, v.zone, v.usd_per_month, box::k_volume_mount_point);
  }
  return fmt::format(
      "{}: new, {} GiB gp3, encrypted, in the box's zone, ${:.2f}/month, at {}; "
      "kept by `down`",
      v.name, v.size_gib, v.usd_per_month, box::k_volume_mount_point);
}

nlohmann::json volume_plan_json(const std::optional<box::VolumePlan>& v) {
  if (!v) {
    return nullptr;
  }
  return {{"name", v->name},
          {"exists", v->exists},
          {"volume_id", v->exists ? nlohmann::json(v->volume_id) : nlohmann::json(nullptr)},
          {"size_gib", v->size_gib},
          {"zone", v->exists ? nlohmann::json(v->zone) : nlohmann::json(nullptr)},
          {"usd_per_month", v->usd_per_month},
          {"mount_point", std::string(box::k_volume_mount_point)}};
}

nlohmann::json volume_result_json(const box::UpResult& r) {
  if (!r.volume || !r.plan.volume) {
    return nullptr;
  }
  return {{"name", r.plan.volume->name},
          {"volume_id", r.volume->id},
          {"size_gib", r.volume->size_gib},
          {"zone", r.volume->zone},
          {"usd_per_month", r.plan.volume->usd_per_month},
          {"mount_point", r.mount ? nlohmann::json(r.mount->mount_point) : nlohmann::json(nullptr)},
          {"formatted", r.mount ? nlohmann::json(r.mount->formatted) : nlohmann::json(nullptr)}};
}

}  // namespace

std::string plan_summary(const box::UpPlan& plan, const catalog::Catalog& catalog) {
  std::string volume;
  if (plan.volume) {
    volume = plan.volume->exists ? fmt::format(", volume {} ({} in {})", plan.volume->name,
                                               plan.volume->volume_id, plan.volume->zone)
                                 : fmt::format(", new volume {} ({} GiB)", plan.volume->name,
                                               plan.volume->size_gib);
  }
  return fmt::format("{}: {} ({}) in {} at {} (catalog {}), image {}{}", plan.name,
                     plan.where.type.instance_type, box::gpu_summary(plan.where.type),
                     plan.where.region, price_text(plan), catalog.snapshot.generated_at,
                     plan.image.ami_id, volume);
}

nlohmann::json plan_json(const box::UpPlan& plan, const catalog::Catalog& catalog) {
  nlohmann::json fallbacks = nlohmann::json::array();
  for (const auto& f : plan.fallbacks) {
    fallbacks.push_back({{"region", f.region}, {"instance_type", f.type.instance_type}});
  }
  nlohmann::json doc = {
      {"dry_run", true},
      {"name", plan.name},
      {"region", plan.where.region},
      {"zones", plan.where.zones},
      {"instance_type", plan.where.type.instance_type},
      {"gpu", box::gpu_summary(plan.where.type)},
      {"vcpus", plan.where.type.vcpus},
      {"arch", plan.where.type.arch},
      {"spot", plan.spot},
      {"price_per_hour_usd", price_json(plan)},
      {"instance_usd_per_hour", instance_price_json(plan)},
      {"public_ipv4_usd_per_hour", box::k_public_ipv4_usd_per_hour},
      {"catalog_snapshot", catalog.snapshot.generated_at},
      {"image",
       {{"id", plan.image.ami_id},
        {"name", plan.image.name},
        {"source", plan.image.source},
        {"ssh_user", plan.image.ssh_user},
        {"root_device", plan.image.root_device_name},
        {"root_snapshot_gb", plan.image.root_volume_gib
                                 ? nlohmann::json(*plan.image.root_volume_gib)
                                 : nlohmann::json(nullptr)}}},
      {"disk_gb", plan.disk_gb},
      {"autostop", autostop_json(plan.idle_minutes, plan.max_hours)},
      {"security_group",
       {{"name", box::resource_name(plan.name) + "-<random>"},
        {"ingress", {{{"protocol", "tcp"}, {"port", 22}, {"cidr", plan.allow_from}}}}}},
      {"key_pair",
       {{"name", box::resource_name(plan.name) + "-<random>"}, {"source", plan.key_source}}},
      {"fallbacks", fallbacks},
      {"volume", volume_plan_json(plan.volume)},
  };
  if (plan.quota) {
    doc["quota"] = {{"code", plan.quota->quota_code},
                    {"name", plan.quota->quota_name},
                    {"quota_vcpus", plan.quota->quota_vcpus},
                    {"used_vcpus", plan.quota->used_vcpus},
                    {"needed_vcpus", plan.quota->needed_vcpus},
                    {"fits", plan.quota->fits},
                    {"source", plan.quota->unknown        ? "unknown"
                               : plan.quota->from_default ? "default"
                                                          : "applied"}};
  }
  return doc;
}

std::string plan_text(const box::UpPlan& plan, const catalog::Catalog& catalog,
                      std::string_view title) {
  std::string out = fmt::format("{} for {}\n", title, plan.name);
  out += fmt::format("  type      {} ({}, {} vCPUs), {}\n", plan.where.type.instance_type,
                     box::gpu_summary(plan.where.type), plan.where.type.vcpus,
                     plan.spot ? "spot (may be interrupted)" : "on-demand");
  out += fmt::format("  region    {} (zones in order: {})\n", plan.where.region,
                     fmt::join(plan.where.zones, ", "));
  out += fmt::format("  price     {} ({})\n", price_text(plan),
                     catalog::price_footer(catalog.snapshot));
  out += fmt::format("  image     {} {} [{}]\n", plan.image.ami_id, plan.image.name,
                     plan.image.source);
  out += fmt::format(
      "  disk      {} GB gp3, encrypted, deleted with the box: ${:.2f}/month while it exists\n",
      plan.disk_gb, plan.disk_gb * box::ebs_gp3_usd_per_gib_month(plan.where.region));
  if (plan.volume) {
    out += fmt::format("  volume    {}\n", volume_text(*plan.volume));
  }
  out +=
      fmt::format("  autostop  {}\n", autostop_line(plan.name, plan.idle_minutes, plan.max_hours));
  out += fmt::format("  firewall  a new security group {}-<random>: tcp/22 from {} only\n",
                     box::resource_name(plan.name), plan.allow_from);
  out += fmt::format("  key pair  a new {}-<random> ({})\n", box::resource_name(plan.name),
                     plan.key_source);
  if (plan.quota && plan.quota->unknown) {
    out += fmt::format("  quota     {}: not readable (no permission); EC2 decides\n",
                       plan.quota->quota_name);
  } else if (plan.quota) {
    out += fmt::format("  quota     {}: {} in use + {} needed of {:g} vCPUs{}\n",
                       plan.quota->quota_name, plan.quota->used_vcpus, plan.quota->needed_vcpus,
                       plan.quota->quota_vcpus, plan.quota->from_default ? " (AWS default)" : "");
  }
  return out;
}

void render_up_plan(Env& env, const box::UpPlan& plan, const catalog::Catalog& catalog, bool json) {
  if (json) {
    print_json(env.streams, plan_json(plan, catalog));
    return;
  }
  env.streams.out << plan_text(plan, catalog, "Plan (dry run: nothing is created)");
}

void render_up_result(Env& env, const box::UpResult& result, const catalog::Catalog& catalog,
                      bool json, bool ssh_alias) {
  const state::Box& b = result.box;
  if (json) {
    print_json(env.streams, {{"name", b.name},
                             {"instance_id", b.instance_id},
                             {"instance_type", b.instance_type},
                             {"gpu", b.gpu_summary},
                             {"region", b.region},
                             {"zone", b.zone},
                             {"state", b.state},
                             {"public_ip", b.public_ip},
                             {"ami_id", b.ami_id},
                             {"image_name", result.plan.image.name},
                             {"spot", b.spot},
                             {"price_per_hour_usd", price_json(result.plan)},
                             {"catalog_snapshot", catalog.snapshot.generated_at},
                             {"disk_gb", b.disk_gb},
                             {"autostop", autostop_json(b.idle_minutes, b.max_hours)},
                             {"security_group_id", b.security_group_id},
                             {"allow_from", b.allow_from},
                             {"key_name", b.key_name},
                             {"key_path", b.key_path},
                             {"ssh_user", b.ssh_user},
                             {"resumed", result.resumed},
                             {"failed_zones", result.failed_zones},
                             {"wait_reached", wait_name(result.reached)},
                             {"ssh_checks_skipped", result.ssh_skipped},
                             {"volume", volume_result_json(result)},
                             {"commands",
                              {{"connect", ssh_alias ? "ssh " + b.name : "gpubox ssh " + b.name},
                               {"notebook", "gpubox notebook " + b.name},
                               {"stop", "gpubox stop " + b.name},
                               {"down", "gpubox down " + b.name}}}});
    return;
  }
  auto& out = env.streams.out;
  out << (result.resumed ? "Resumed " : "Created ") << b.name << '\n';
  out << fmt::format("  instance  {} {} ({}) in {}, {}\n", b.instance_id, b.instance_type,
                     b.gpu_summary, b.zone, b.state);
  out << fmt::format("  price     {} (catalog snapshot {})\n", price_text(result.plan),
                     catalog.snapshot.generated_at);
  out << fmt::format("  image     {} {}\n", b.ami_id, result.plan.image.name);
  out << fmt::format("  firewall  {}: tcp/22 from {}\n", b.security_group_id, b.allow_from);
  out << fmt::format("  key       {}{}\n", b.key_name,
                     b.key_path.empty() ? "" : " (" + b.key_path + ")");
  if (result.volume && result.plan.volume) {
    out << fmt::format("  volume    {} {} {} GiB in {}{}\n", result.plan.volume->name,
                       result.volume->id, result.volume->size_gib, result.volume->zone,
                       result.mount
                           ? fmt::format(", at {}{}", result.mount->mount_point,
                                         result.mount->formatted ? " (new filesystem)" : "")
                           : ", attached, not mounted");
  }
  out << fmt::format("  autostop  {}\n", autostop_line(b.name, b.idle_minutes, b.max_hours));
  if (ssh_alias) {
    out << fmt::format("Connect:  ssh {}   (or: gpubox ssh {})\n", b.name, b.name);
  } else {
    out << fmt::format("Connect:  gpubox ssh {}\n", b.name);
  }
  out << fmt::format("Jupyter:  gpubox notebook {} --open\n", b.name);
  out << fmt::format("Stop:     gpubox stop {}   (the disk keeps billing)\n", b.name);
  out << fmt::format("Remove:   gpubox down {}\n", b.name);
}

}  // namespace gpubox::cli
