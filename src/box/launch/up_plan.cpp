// plan_up: the read-only half of `gpubox up` (no AWS write calls), shared with --dry-run.

#include <future>

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
      "{} needs {} vCPUs in {}, but the quota '{}' ({}) is {:g} vCPUs{} and {} are in use",
      q.instance_type, q.needed_vcpus, q.region, q.quota_name, q.quota_code, q.quota_vcpus,
      q.from_default ? " (the AWS default: no value is applied in " + q.region + ")" : "",
      q.used_vcpus);
  e.hint = quota_request_command(q);
  return e;
}

// One region's answer: where the type is offered, and whether the quota fits.
struct Place {
  Result<std::optional<Candidate>> candidate = std::optional<Candidate>{};
  Result<QuotaCheck> quota = QuotaCheck{};
};

// Look at one region: the zone offerings and the quota, in parallel when --type names the type.
Place look_at(UpDeps& deps, const QuotaDeps& qdeps, const PlacementRequest& req,
              const std::string& region) {
  Place p;
  std::future<Result<QuotaCheck>> quota;
  if (req.instance_type) {
    auto info = describe_type(deps.catalog, deps.client, region, *req.instance_type);
    if (!info) {
      p.candidate = std::unexpected(info.error());
      return p;
    }
    quota = std::async(std::launch::async, [&, region, info = *info] {
      return check_quota(deps.client, qdeps, region, info.instance_type, info.vcpus, req.spot);
    });
  }
  p.candidate = candidate_in(deps.catalog, deps.client, region, req);
  if (quota.valid()) {
    p.quota = quota.get();
  } else if (p.candidate && *p.candidate) {
    const TypeInfo& t = (*p.candidate)->type;
    p.quota = check_quota(deps.client, qdeps, region, t.instance_type, t.vcpus, req.spot);
  }
  return p;
}

// Where the launch may go: every region of `req` that offers the type and where the quota fits,
// in order, with their quota checks. A pinned region's problems are errors. Regions are asked in
// parallel. Service Quotas refusing to answer (no permission) is a warning, not a stop: EC2
// itself refuses a launch over the quota (VcpuLimitExceeded), with the same hint.
Result<std::vector<std::pair<Candidate, QuotaCheck>>> viable_places(
    UpDeps& deps, const QuotaDeps& qdeps, const PlacementRequest& req, bool pinned,
    std::vector<std::string>& warnings) {
  std::vector<std::future<Place>> asked;
  asked.reserve(req.regions.size());
  for (const std::string& region : req.regions) {
    asked.push_back(
        std::async(std::launch::async, [&, region] { return look_at(deps, qdeps, req, region); }));
  }
  std::vector<std::pair<Candidate, QuotaCheck>> out;
  std::optional<Error> first_error;
  for (size_t k = 0; k < req.regions.size(); ++k) {
    const std::string& region = req.regions[k];
    Place p = asked[k].get();
    auto& c = p.candidate;
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
      deps.progress.say("skipping " + region + ": " + c.error().message);
      first_error = first_error.value_or(c.error());
      continue;
    }
    const Candidate& cand = **c;
    auto& q = p.quota;
    if (!q && is_quota_access_denied(q.error())) {
      warnings.push_back(q.error().message +
                         "; launching anyway: EC2 refuses a launch over the "
                         "quota itself");
      q = unknown_quota_check(region, cand.type.instance_type, req.spot, cand.type.vcpus);
    }
    if (q && !q->fits) {
      q = std::unexpected(quota_error(*q));
    }
    if (!q) {
      if (pinned || q.error().kind == ErrorKind::auth) {
        return fail(q.error());
      }
      deps.progress.say("skipping " + region + ": " + q.error().message);
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
    return fail(ErrorKind::invalid_input, "no region to launch in",
                "pass --region REGION or set AWS_REGION");
  }
  return out;
}

// Look for the named volume of `in` where the box may go. An existing one pins the region and
// zone of `req` (the box must launch where the volume lives); one attached to another box, or
// in a zone --zone excludes, is refused before anything is created.
Result<std::optional<VolumePlan>> plan_volume(UpDeps& deps, const UpInput& in,
                                              PlacementRequest& req, bool& pinned) {
  if (!in.volume) {
    return std::optional<VolumePlan>{};
  }
  const VolumeRequest& want = *in.volume;
  VolumeListing listing = list_volumes(deps.client, req.regions, deps.owner);
  if (!listing.failed.empty()) {
    Error e = listing.failed.front().second;
    e.message = "could not look for volume " + want.name + " in " + listing.failed.front().first +
                ": " + e.message;
    return fail(std::move(e));
  }
  std::vector<VolumeRow> found;
  for (auto& row : listing.rows) {
    if (row.name == want.name) {
      found.push_back(std::move(row));
    }
  }
  VolumePlan plan;
  plan.name = want.name;
  if (found.empty()) {
    if (!want.size_gib) {
      return fail(ErrorKind::not_found,
                  fmt::format("no volume named {} in {}", want.name, fmt::join(req.regions, ", ")),
                  fmt::format("give its size to create it: --volume {}:200 (GiB)", want.name));
    }
    plan.size_gib = *want.size_gib;
    return std::optional<VolumePlan>{plan};  // created in the zone the box launches in
  }
  if (found.size() > 1) {
    std::vector<std::string> where;
    where.reserve(found.size());
    for (const auto& r : found) {
      where.push_back(r.volume.id + " in " + r.volume.zone);
    }
    return fail(
        ErrorKind::conflict,
        fmt::format("{} volumes are named {}: {}", found.size(), want.name, fmt::join(where, ", ")),
        "pass --region to pick one, or delete one with `gpubox volumes rm VOLUME-ID`");
  }
  const VolumeRow& row = found.front();
  GPUBOX_TRY_ASSIGN(stored, deps.store.find_box(in.name));
  if (!row.instance_id.empty() && !(stored && stored->instance_id == row.instance_id)) {
    return fail(
        ErrorKind::conflict,
        fmt::format("volume {} is attached to {} ({})", want.name,
                    row.box.empty() ? "another instance" : "box " + row.box, row.instance_id),
        row.box.empty() ? "a volume is used by one box at a time"
                        : fmt::format("`gpubox down {}` keeps the volume and frees it", row.box));
  }
  if (!req.zone.empty() && req.zone != row.volume.zone) {
    return fail(ErrorKind::invalid_input,
                fmt::format("volume {} lives in {}, but --zone asks for {}", want.name,
                            row.volume.zone, req.zone),
                "leave out --zone: a box with the volume launches in its zone");
  }
  plan.exists = true;
  plan.size_gib = row.volume.size_gib;
  plan.volume_id = row.volume.id;
  plan.zone = row.volume.zone;
  plan.region = row.region;
  req.regions = {row.region};
  req.zone = row.volume.zone;
  pinned = true;
  return std::optional<VolumePlan>{plan};
}

Result<ImageChoice> choose_image(UpDeps& deps, const UpInput& in, const std::string& region,
                                 const std::string& arch) {
  if (!in.image.empty()) {
    return describe_given_image(deps.client, region, in.image);
  }
  return find_image(deps.client, region, in.framework, arch);
}

}  // namespace

Result<UpPlan> plan_up(UpDeps& deps, const UpInput& in, const std::string& caller_cidr) {
  UpPlan plan;
  plan.name = in.name;
  plan.disk_gb = in.disk_gb;
  plan.spot = in.placement.spot;
  plan.idle_minutes = in.idle_minutes;
  plan.max_hours = in.max_hours;
  plan.allow_from = in.allow_from.empty() ? caller_cidr : in.allow_from;
  plan.world_open = is_wide_open(plan.allow_from);
  if (plan.allow_from.find(':') != std::string::npos) {
    return fail(ErrorKind::invalid_input, "IPv6 addresses are not supported for --allow-from yet",
                "pass an IPv4 CIDR with --allow-from");
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
  GPUBOX_TRY_ASSIGN(volume, plan_volume(deps, in, req, pinned));
  if (volume && volume->exists) {
    deps.progress.say(fmt::format("volume {} ({}, {} GiB) lives in {}: the box launches there",
                                  volume->name, volume->volume_id, volume->size_gib, volume->zone));
  }
  if (req.regions.size() > 1) {
    deps.progress.say(fmt::format("looking for {} in {}",
                                  req.gpu ? req.gpu->name : *req.instance_type,
                                  fmt::join(req.regions, ", ")));
  }
  // With one region and a known type, the image lookup runs beside the offerings and quota.
  std::future<Result<ImageChoice>> early_image;
  if (req.regions.size() == 1 && req.instance_type) {
    if (const auto* spec = deps.catalog.find_type(*req.instance_type);
        spec && !spec->arch.empty()) {
      early_image =
          std::async(std::launch::async, [&, region = req.regions.front(), arch = spec->arch] {
            return choose_image(deps, in, region, arch);
          });
    }
  }
  auto viable = viable_places(deps, deps.quota, req, pinned, plan.warnings);
  if (!viable && volume && volume->exists) {
    Error e = viable.error();
    e.message += fmt::format(" (volume {} lives in {}, so the box must launch there)", volume->name,
                             volume->zone);
    return fail(std::move(e));
  }
  GPUBOX_TRY_ASSIGN(places, std::move(viable));
  plan.where = places.front().first;
  plan.quota = places.front().second;
  if (open && !open->zone.empty()) {
    plan.where.zones = order_zones(plan.where.zones, open->zone);
  }
  for (size_t i = 1; i < places.size(); ++i) {
    plan.fallbacks.push_back(places[i].first);
  }
  const std::string& region = plan.where.region;
  std::optional<Result<ImageChoice>> image;
  if (early_image.valid()) {
    image = early_image.get();
    if (*image && !in.image.empty()) {
      // keep: the given image exists in this region
    } else if (*image && (*image)->architecture != plan.where.type.arch) {
      image.reset();  // the catalog's arch was not the type's: look again
    }
  }
  if (!image) {
    image = choose_image(deps, in, region, plan.where.type.arch);
  }
  GPUBOX_TRY_ASSIGN(chosen, std::move(*image));
  plan.image = std::move(chosen);
  GPUBOX_TRY(check_disk_fits_image(in.disk_gb, plan.image));
  if (volume) {
    volume->region = region;
    volume->usd_per_month = volume_usd_per_month(volume->size_gib, region);
    if (volume->exists && in.volume->size_gib && *in.volume->size_gib != volume->size_gib) {
      plan.warnings.push_back(fmt::format(
          "volume {} exists with {} GiB; using it as it is (gpubox never resizes a volume)",
          volume->name, volume->size_gib));
    }
    plan.volume = std::move(volume);
  }
  return plan;
}

}  // namespace gpubox::box
