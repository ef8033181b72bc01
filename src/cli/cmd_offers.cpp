// gpubox offers: every (instance type, region) that satisfies a request, cheapest first, from the
// price catalog; optionally with a live quota check per row.

#include "cli/cmd_offers.hpp"

#include <future>
#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "aws/client.hpp"
#include "aws/settings.hpp"
#include "box/launch/quota.hpp"
#include "box/money/cost.hpp"
#include "catalog/catalog.hpp"
#include "cli/app.hpp"
#include "cli/doctor.hpp"
#include "core/paths.hpp"
#include "core/strings.hpp"
#include "plan/offers.hpp"

namespace gpubox::cli {

namespace {

constexpr size_t k_max_quota_rows = 30;  // each row costs a few AWS calls
constexpr size_t k_terminal_rows = 20;   // a screenful

// What a box of this offer bills per hour: the instance and its public IPv4 address.
std::string box_money(const std::optional<double>& instance_usd) {
  return instance_usd ? fmt::format("{:.4f}", box::hourly_usd(*instance_usd)) : "-";
}

std::string count_text(double n) { return fmt::format("{:g}", n); }

Result<plan::OfferQuery> make_query(const OffersOptions& opts, const catalog::Catalog& cat) {
  plan::OfferQuery q;
  if (!opts.gpu.empty()) {
    GPUBOX_TRY_ASSIGN(spec, plan::resolve_gpu(cat, opts.gpu));
    q.gpu = spec;
  }
  q.min_gpu_memory_gib = opts.min_gpu_mem;
  q.min_vcpus = opts.vcpus;
  q.min_memory_gib = opts.memory;
  q.spot = opts.spot;
  if (opts.max_price) {  // the user's limit is on what the box bills, public IPv4 included
    q.max_price_usd = *opts.max_price - box::k_public_ipv4_usd_per_hour;
  }
  if (!opts.regions.empty() && opts.regions != "all") {
    for (const std::string& r : split(opts.regions, ',')) {
      if (!trim(r).empty()) {
        q.regions.emplace_back(trim(r));
      }
    }
  }
  q.limit = opts.limit;
  return q;
}

// Check the quota of each offer (the first k_max_quota_rows) in parallel.
Result<std::vector<std::optional<Result<box::QuotaCheck>>>> check_offer_quotas(
    Env& env, const std::vector<plan::Offer>& offers, bool spot) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  auto cache = std::make_shared<box::QuotaCodeCache>(dir / "quota_codes.json", env.clock);
  box::QuotaDeps deps{cache.get(), {}};
  if (auto cat = env.catalog()) {
    deps.vcpus_of = [c = *cat](std::string_view t) -> std::optional<int> {
      const auto* s = c->find_type(t);
      return s ? std::optional<int>(s->vcpus) : std::nullopt;
    };
  }
  std::vector<std::future<Result<box::QuotaCheck>>> pending;
  for (size_t k = 0; k < offers.size() && k < k_max_quota_rows; ++k) {
    const plan::Offer& o = offers[k];
    pending.push_back(std::async(std::launch::async, [&, o] {
      return box::check_quota(*ctx->client, deps, o.region, o.instance_type, o.vcpus, spot);
    }));
  }
  std::vector<std::optional<Result<box::QuotaCheck>>> out(offers.size());
  for (size_t k = 0; k < pending.size(); ++k) {
    out[k] = pending[k].get();
  }
  if (offers.size() > k_max_quota_rows) {
    warn(env.streams,
         fmt::format("quota checked for the first {} offers only; use --limit", k_max_quota_rows));
  }
  return out;
}

std::string quota_cell(const std::optional<Result<box::QuotaCheck>>& q) {
  if (!q) {
    return "-";
  }
  if (!*q) {
    return "error: " + q->error().message;
  }
  return fmt::format("{} ({}/{:g})", (*q)->fits ? "yes" : "no", (*q)->used_vcpus,
                     (*q)->quota_vcpus);
}

nlohmann::json quota_json(const std::optional<Result<box::QuotaCheck>>& q) {
  if (!q) {
    return nullptr;
  }
  if (!*q) {
    return {{"error", q->error().message}};
  }
  return {{"fits", (*q)->fits},
          {"used_vcpus", (*q)->used_vcpus},
          {"quota_vcpus", (*q)->quota_vcpus},
          {"quota_code", (*q)->quota_code}};
}

nlohmann::json offer_json(const plan::Offer& o) {
  auto price = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nullptr; };
  return {{"instance_type", o.instance_type},
          {"region", o.region},
          {"gpu", o.gpu},
          {"gpu_count", o.gpu_count},
          {"gpu_memory_gib", o.gpu_memory_gib},
          {"vcpus", o.vcpus},
          {"memory_gib", o.memory_gib},
          {"arch", o.arch},
          {"on_demand_price_per_hour_usd", price(o.on_demand_usd)},
          {"spot_price_per_hour_usd", price(o.spot_usd)},
          {"public_ipv4_per_hour_usd", box::k_public_ipv4_usd_per_hour},
          {"spot_zone_id", o.spot_zone_id},
          {"launchable", o.launchable}};
}

}  // namespace

Result<void> run_offers(const OffersOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(cat, env.catalog());
  GPUBOX_TRY_ASSIGN(query, make_query(opts, *cat));
  warn_if_catalog_old(env.streams, cat->snapshot.generated_at, env.clock.now());
  std::vector<plan::Offer> offers = plan::find_offers(*cat, query);
  // A terminal shows the best k_terminal_rows; pipes, --json, --limit and --all get them all.
  size_t hidden = 0;
  if (env.streams.out_is_tty && !opts.json && !opts.all && opts.limit == 0 &&
      offers.size() > k_terminal_rows) {
    hidden = offers.size() - k_terminal_rows;
    offers.resize(k_terminal_rows);
  }
  std::vector<std::optional<Result<box::QuotaCheck>>> quotas(offers.size());
  if (opts.check_quota && !offers.empty()) {
    GPUBOX_TRY_ASSIGN(checked, check_offer_quotas(env, offers, opts.spot));
    quotas = std::move(checked);
  }
  if (opts.json) {
    auto list = nlohmann::json::array();
    for (size_t k = 0; k < offers.size(); ++k) {
      auto j = offer_json(offers[k]);
      if (opts.check_quota) {
        j["quota"] = quota_json(quotas[k]);
      }
      list.push_back(std::move(j));
    }
    print_json(env.streams, {{"offers", list},
                             {"catalog",
                              {{"generated_at", cat->snapshot.generated_at},
                               {"source", cat->snapshot.source},
                               {"origin", cat->snapshot.origin}}}});
    return {};
  }
  std::vector<std::string> header = {"type",  "region",  "gpu",           "gpus",    "gpu mem GiB",
                                     "vCPUs", "ram GiB", "on-demand $/h", "spot $/h"};
  if (opts.check_quota) {
    header.emplace_back("quota fits");
  }
  Table t(header);
  for (size_t k = 0; k < offers.size(); ++k) {
    const plan::Offer& o = offers[k];
    std::vector<std::string> row = {o.instance_type + (o.launchable ? "" : " (unsupported)"),
                                    o.region,
                                    o.gpu,
                                    count_text(o.gpu_count),
                                    count_text(o.gpu_memory_gib),
                                    std::to_string(o.vcpus),
                                    count_text(o.memory_gib),
                                    box_money(o.on_demand_usd),
                                    box_money(o.spot_usd)};
    if (opts.check_quota) {
      row.push_back(quota_cell(quotas[k]));
    }
    t.add_row(std::move(row));
  }
  env.streams.out << t.render(env.streams.out_is_tty);
  if (hidden > 0) {
    env.streams.out << fmt::format("{} more: --all\n", hidden);
  }
  if (offers.empty()) {
    warn(env.streams, "no offer matches; relax --vcpus, --memory, --max-price or --regions");
  }
  // Under the table on a terminal; on stderr when piped, so the TSV stays rows only.
  (env.streams.out_is_tty ? env.streams.out : env.streams.err)
      << fmt::format(
             "$/h is what a box bills: the instance and its public IPv4 address (${:.3f}/h). ",
             box::k_public_ipv4_usd_per_hour)
      << catalog::price_footer(cat->snapshot) << "\n";
  return {};
}

void add_offers_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<OffersOptions>();
  auto* cmd = app.add_subcommand("offers",
                                 "List instance types and regions that fit, cheapest "
                                 "first");
  cmd->footer(
      "Prices come from the catalog (embedded snapshot, or the newer one written by "
      "`gpubox catalog refresh`); no AWS call is made unless --check-quota is given.\n"
      "Examples:\n  gpubox offers --gpu T4\n  gpubox offers --gpu A100:8 --spot\n"
      "  gpubox offers --min-gpu-mem 40 --max-price 5 --regions us-east-1,us-west-2\n"
      "  gpubox offers --gpu L4 --limit 5 --check-quota");
  cmd->add_option("--gpu", opts->gpu, "GPU and minimum count: T4, A10G, L4:2, A100-80GB:8");
  cmd->add_option("--min-gpu-mem", opts->min_gpu_mem, "Minimum memory per GPU in GiB");
  cmd->add_option("--vcpus", opts->vcpus, "Minimum vCPUs");
  cmd->add_option("--memory", opts->memory, "Minimum RAM in GiB");
  cmd->add_flag("--spot", opts->spot, "Rank by spot price (offers without one are dropped)");
  cmd->add_option("--max-price", opts->max_price,
                  "Maximum USD per hour of the ranked price, public IPv4 included");
  cmd->add_option("--regions", opts->regions, "all (default) or a list: R1,R2");
  cmd->add_option("--limit", opts->limit, "Show at most N offers");
  cmd->add_flag("--all", opts->all, "Show every offer (a terminal shows the best 20)");
  cmd->add_flag("--check-quota", opts->check_quota,
                "Also check the vCPU quota of each offer (AWS calls; needs credentials)");
  cmd->add_flag("--json", opts->json, "Print one JSON document to stdout");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_offers(*opts, env); }); });
}

}  // namespace gpubox::cli
