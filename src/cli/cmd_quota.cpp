// gpubox quota [request|requests]: EC2 vCPU quotas for a GPU instance type in every region,
// asking for more, and the history of those requests.

#include "cli/cmd_quota.hpp"

#include <algorithm>
#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "aws/client.hpp"
#include "aws/settings.hpp"
#include "aws/xml.hpp"
#include "box/launch/quota.hpp"
#include "box/money/catalog_refresh.hpp"
#include "catalog/catalog.hpp"
#include "cli/app.hpp"
#include "core/iso8601.hpp"

namespace gpubox::cli {

namespace {

// Build the quota helpers: the name -> code cache in the data directory and the catalog's vCPUs.
Result<std::pair<std::shared_ptr<box::QuotaCodeCache>, box::QuotaDeps>> quota_deps(Env& env) {
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  GPUBOX_TRY_ASSIGN(cat, env.catalog());
  auto cache = std::make_shared<box::QuotaCodeCache>(dir / "quota_codes.json", env.clock);
  box::QuotaDeps deps;
  deps.cache = cache.get();
  deps.vcpus_of = [cat](std::string_view t) -> std::optional<int> {
    const auto* spec = cat->find_type(t);
    return spec ? std::optional<int>(spec->vcpus) : std::nullopt;
  };
  return std::make_pair(cache, deps);
}

nlohmann::json check_json(const std::optional<box::QuotaCheck>& c) {
  if (!c) {
    return nullptr;
  }
  return {{"quota_code", c->quota_code},
          {"quota_name", c->quota_name},
          {"quota_vcpus", c->quota_vcpus},
          {"used_vcpus", c->used_vcpus},
          {"needed_vcpus", c->needed_vcpus},
          {"fits", c->fits},
          {"source", c->from_default ? "default" : "applied"}};
}

std::string check_cell(const std::optional<box::QuotaCheck>& c) {
  return c ? fmt::format("{}/{:g}{} {}", c->used_vcpus, c->quota_vcpus,
                         c->from_default ? " (default)" : "", c->fits ? "yes" : "no")
           : "-";
}

nlohmann::json request_json(const aws::QuotaChangeRequest& r) {
  return {{"id", r.id},
          {"case_id", r.case_id},
          {"status", r.status},
          {"quota_code", r.quota_code},
          {"quota_name", r.quota_name},
          {"desired_value", r.desired_value},
          {"created", r.created ? format_iso8601(*r.created) : ""}};
}

}  // namespace

Result<void> run_quota(const QuotaOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  aws::AwsClient& client = *ctx->client;
  GPUBOX_TRY_ASSIGN(cat, env.catalog());
  GPUBOX_TRY_ASSIGN(
      choice, box::resolve_quota_type(client, *cat, ctx->settings->region, opts.type, opts.gpu));
  GPUBOX_TRY_ASSIGN(regions, box::resolve_regions(client, ctx->settings->region, opts.regions));
  GPUBOX_TRY_ASSIGN(deps, quota_deps(env));
  env.progress().say(fmt::format("checking {} vCPU quotas for {} ({} vCPUs) in {} regions", "EC2",
                                 choice.instance_type, choice.vcpus, regions.size()));
  auto rows = box::check_quotas_in_regions(client, deps.second, regions, choice.instance_type,
                                           choice.vcpus);
  size_t failed = 0;
  if (opts.json) {
    auto list = nlohmann::json::array();
    for (const auto& r : rows) {
      nlohmann::json row = {{"region", r.region},
                            {"on_demand", check_json(r.on_demand)},
                            {"spot", check_json(r.spot)},
                            {"error", nullptr}};
      if (r.error) {
        ++failed;
        row["error"] = {{"kind", to_string(r.error->kind)},
                        {"code", r.error->aws_code},
                        {"message", r.error->message}};
      }
      list.push_back(std::move(row));
    }
    print_json(
        env.streams,
        {{"instance_type", choice.instance_type}, {"vcpus", choice.vcpus}, {"regions", list}});
  } else {
    Table t({"region", "on-demand vCPUs used/limit fits", "spot vCPUs used/limit fits", "error"});
    for (const auto& r : rows) {
      failed += r.error ? 1 : 0;
      t.add_row(
          {r.region, check_cell(r.on_demand), check_cell(r.spot), r.error ? r.error->message : ""});
    }
    env.streams.out << t.render(env.streams.out_is_tty);
  }
  if (failed > 0 && failed == rows.size()) {
    return fail(rows.front().error.value());
  }
  if (failed > 0) {
    warn(env.streams, fmt::format("{} of {} regions could not be checked", failed, rows.size()));
  }
  return {};
}

Result<void> run_quota_request(const QuotaRequestOptions& opts, Env& env) {
  if (opts.count < 1) {
    return fail(ErrorKind::invalid_input, "--count must be at least 1");
  }
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  const std::string region = opts.region.empty() ? ctx->settings->region : opts.region;
  GPUBOX_TRY_ASSIGN(cat, env.catalog());
  GPUBOX_TRY_ASSIGN(choice, box::resolve_quota_type(*ctx->client, *cat, region, opts.type, ""));
  GPUBOX_TRY_ASSIGN(deps, quota_deps(env));
  GPUBOX_TRY_ASSIGN(
      r, box::request_quota_increase(*ctx->client, deps.second, region, choice.instance_type,
                                     choice.vcpus, opts.spot, opts.count));
  const char* outcome = r.already_enough ? "already_enough"
                        : r.already_open ? "already_open"
                                         : "requested";
  if (opts.json) {
    print_json(env.streams, {{"outcome", outcome},
                             {"region", region},
                             {"instance_type", choice.instance_type},
                             {"spot", opts.spot},
                             {"used_vcpus", r.check.used_vcpus},
                             {"quota_vcpus", r.check.quota_vcpus},
                             {"desired_vcpus", r.desired_vcpus},
                             {"request", r.request ? request_json(*r.request) : nullptr}});
    return {};
  }
  const auto& c = r.check;
  if (r.already_enough) {
    env.streams.out << fmt::format(
        "{} already allows {} more {} ({} of {:g} vCPUs in use); "
        "nothing requested\n",
        c.quota_name, opts.count, choice.instance_type, c.used_vcpus, c.quota_vcpus);
    return {};
  }
  if (r.already_open) {
    env.streams.out << fmt::format("a request for {} in {} is already open\n", c.quota_name,
                                   region);
  } else {
    env.streams.out << fmt::format("requested {} = {:g} vCPUs in {} ({} in use + {} x {})\n",
                                   c.quota_name, r.desired_vcpus, region, c.used_vcpus, opts.count,
                                   choice.vcpus);
  }
  if (r.request) {
    env.streams.out << fmt::format("request {}  case {}  status {}  desired {:g}\n", r.request->id,
                                   r.request->case_id.empty() ? "-" : r.request->case_id,
                                   r.request->status, r.request->desired_value);
  }
  return {};
}

Result<void> run_quota_requests(const QuotaRequestsOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  const std::string spec = opts.regions.empty() ? ctx->settings->region : opts.regions;
  GPUBOX_TRY_ASSIGN(regions, box::resolve_regions(*ctx->client, ctx->settings->region, spec));
  std::vector<std::pair<std::string, aws::QuotaChangeRequest>> all;
  for (const std::string& region : regions) {
    GPUBOX_TRY_ASSIGN(history, box::quota_request_history(*ctx->client, region));
    for (auto& h : history) {
      all.emplace_back(region, std::move(h));
    }
  }
  std::ranges::stable_sort(all, [](const auto& a, const auto& b) {
    return a.second.created.value_or(TimePoint{}) > b.second.created.value_or(TimePoint{});
  });
  if (opts.json) {
    auto list = nlohmann::json::array();
    for (const auto& [region, r] : all) {
      auto j = request_json(r);
      j["region"] = region;
      list.push_back(std::move(j));
    }
    print_json(env.streams, list);
    return {};
  }
  Table t({"created", "region", "quota", "desired", "status", "case", "id"});
  for (const auto& [region, r] : all) {
    t.add_row({r.created ? format_iso8601(*r.created) : "-", region, r.quota_name,
               fmt::format("{:g}", r.desired_value), r.status, r.case_id, r.id});
  }
  env.streams.out << t.render(env.streams.out_is_tty);
  return {};
}

void add_quota_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<QuotaOptions>();
  auto* cmd = app.add_subcommand("quota", "Show EC2 vCPU quotas for a GPU type in every region");
  cmd->footer(
      "Examples:\n  gpubox quota --gpu T4\n  gpubox quota --type g5.xlarge --regions "
      "us-east-1,eu-west-1 --json\n  gpubox quota request --type g5.xlarge --region "
      "us-east-1 --count 1\n  gpubox quota requests");
  cmd->add_option("--gpu", opts->gpu, "GPU (T4, A10G, L4:2, ...): its cheapest instance type");
  cmd->add_option("--type", opts->type, "Instance type, e.g. g4dn.xlarge");
  cmd->add_option("--regions", opts->regions, "all (enabled regions) or a list: R1,R2");
  cmd->add_flag("--json", opts->json, "Print one JSON document to stdout");
  cmd->require_subcommand(0, 1);

  auto req = std::make_shared<QuotaRequestOptions>();
  auto* request = cmd->add_subcommand("request", "Ask AWS for the quota N more instances need");
  request->add_option("--type", req->type, "Instance type, e.g. g4dn.xlarge")->required();
  request->add_option("--region", req->region, "Region (default: your AWS region)");
  request->add_option("--count", req->count, "How many more instances (default 1)");
  request->add_flag("--spot", req->spot, "Raise the spot quota instead of on-demand");
  request->add_flag("--json", req->json, "Print one JSON document to stdout");
  request->callback(
      [req, &env] { run_guarded(env, [&] { return run_quota_request(*req, env); }); });

  auto hist = std::make_shared<QuotaRequestsOptions>();
  auto* requests = cmd->add_subcommand("requests", "List quota increase requests, newest first");
  requests->add_option("--regions", hist->regions, "all or R1,R2 (default: your AWS region)");
  requests->add_flag("--json", hist->json, "Print one JSON array to stdout");
  requests->callback(
      [hist, &env] { run_guarded(env, [&] { return run_quota_requests(*hist, env); }); });

  cmd->callback([opts, cmd, &env] {
    if (!cmd->get_subcommands().empty()) {
      return;  // `quota request` / `quota requests` ran instead
    }
    run_guarded(env, [&] { return run_quota(*opts, env); });
  });
}

}  // namespace gpubox::cli
