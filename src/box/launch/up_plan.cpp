// plan_up: the read-only half of `gpubox up` (no AWS write calls), shared with --dry-run.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "box/access/caller_ip.hpp"
#include "box/launch/up.hpp"

namespace gpubox::box {
namespace {

Error quota_error(const QuotaCheck& q) {
  Error e;
  e.kind = ErrorKind::quota;
  e.message = fmt::format(
      "{} needs {} vCPUs in {}, but the quota '{}' ({}) is {:g} vCPUs and {} are in use",
      q.instance_type, q.needed_vcpus, q.region, q.quota_name, q.quota_code, q.quota_vcpus,
      q.used_vcpus);
  e.hint = quota_request_command(q);
  return e;
}

void say(const UpDeps& deps, const std::string& line) {
  if (deps.progress) {
    deps.progress(line);
  }
}

// Where the launch may go: every region of `req` that offers the type and where the quota fits,
// in order, with their quota checks. A pinned region's problems are errors.
Result<std::vector<std::pair<Candidate, QuotaCheck>>> viable_places(UpDeps& deps,
                                                                    const PlacementRequest& req,
                                                                    bool pinned) {
  std::vector<std::pair<Candidate, QuotaCheck>> out;
  std::optional<Error> first_error;
  for (const std::string& region : req.regions) {
    auto c = candidate_in(deps.catalog, deps.client, region, req);
    if (c && !*c) {
      Error e;
      e.kind = ErrorKind::not_found;
      e.message = fmt::format(
          "{} is not offered in {}",
          req.instance_type ? *req.instance_type : "no type with " + req.gpu->name, region);
      e.hint = "try another region (--region) or GPU";
      c = std::unexpected(std::move(e));
    }
    if (!c) {
      if (pinned) {
        return fail(c.error());
      }
      say(deps, "skipping " + region + ": " + c.error().message);
      first_error = first_error.value_or(c.error());
      continue;
    }
    const Candidate& cand = **c;
    auto q = check_quota(deps.client, region, cand.type.instance_type, cand.type.vcpus, req.spot);
    if (q && !q->fits) {
      q = std::unexpected(quota_error(*q));
    }
    if (!q) {
      if (pinned || q.error().kind == ErrorKind::auth) {
        return fail(q.error());
      }
      say(deps, "skipping " + region + ": " + q.error().message);
      if (!first_error || first_error->kind != ErrorKind::quota) {
        first_error = q.error();
      }
      continue;
    }
    out.emplace_back(cand, *q);
  }
  if (out.empty()) {
    if (first_error) {
      return fail(*first_error);
    }
    Error e;
    e.kind = ErrorKind::invalid_input;
    e.message = "no region to launch in";
    e.hint = "pass --region REGION or set AWS_REGION";
    return fail(std::move(e));
  }
  return out;
}

}  // namespace

Result<UpPlan> plan_up(UpDeps& deps, const UpInput& in, const std::string& caller_cidr) {
  UpPlan plan;
  plan.name = in.name;
  plan.disk_gb = in.disk_gb;
  plan.spot = in.placement.spot;
  plan.allow_from = in.allow_from.empty() ? caller_cidr : in.allow_from;
  plan.world_open = is_world_open(plan.allow_from);
  if (plan.allow_from.find(':') != std::string::npos) {
    Error e;
    e.kind = ErrorKind::invalid_input;
    e.message = "IPv6 addresses are not supported for --allow-from yet";
    e.hint = "pass an IPv4 CIDR with --allow-from";
    return fail(std::move(e));
  }
  plan.key_source = in.public_key_line.empty() ? "create" : "import " + in.public_key_path.string();
  PlacementRequest req = in.placement;
  bool pinned = in.region_pinned;
  GPUBOX_TRY_ASSIGN(open, deps.store.open_launch(in.name));
  if (open) {
    // ClientTokens are per region: an interrupted launch resumes where it started.
    req.regions = {open->region};
    req.instance_type = open->instance_type;
    pinned = true;
  }
  if (req.regions.size() > 1) {
    say(deps, fmt::format("looking for {} in {}", req.gpu ? req.gpu->name : *req.instance_type,
                          fmt::join(req.regions, ", ")));
  }
  GPUBOX_TRY_ASSIGN(places, viable_places(deps, req, pinned));
  plan.where = places.front().first;
  plan.quota = places.front().second;
  if (open && !open->zone.empty()) {
    plan.where.zones = order_zones(plan.where.zones, open->zone);
  }
  for (size_t i = 1; i < places.size(); ++i) {
    plan.fallbacks.push_back(places[i].first);
  }
  const std::string& region = plan.where.region;
  if (!in.image.empty()) {
    GPUBOX_TRY_ASSIGN(image, describe_given_image(deps.client, region, in.image));
    plan.image = image;
  } else {
    GPUBOX_TRY_ASSIGN(image, find_image(deps.client, region, in.framework, plan.where.type.arch));
    plan.image = image;
  }
  return plan;
}

}  // namespace gpubox::box
