// gpubox catalog refresh: rebuild the price catalog from AWS itself and cache it in the data
// directory, where `offers`, `up` and `quota --gpu` pick it up when it is newer than the
// embedded snapshot.

#include <memory>
#include <ostream>
#include <set>

#include <fmt/format.h>

#include "aws/client.hpp"
#include "aws/settings.hpp"
#include "aws/xml.hpp"
#include "box/money/catalog_refresh.hpp"
#include "catalog/catalog.hpp"
#include "catalog/refresh.hpp"
#include "cli/app.hpp"
#include "core/iso8601.hpp"
#include "core/paths.hpp"

namespace gpubox::cli {
namespace {

constexpr const char* k_source = "AWS Price List API + DescribeSpotPriceHistory";

struct RefreshOptions {
  std::string regions = "all";
  bool json = false;
};

Result<void> run_catalog_refresh(const RefreshOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  GPUBOX_TRY_ASSIGN(regions,
                    box::resolve_regions(*ctx->client, ctx->settings->region, opts.regions));
  progress(env.streams,
           fmt::format("reading instance types and prices in {} regions", regions.size()));
  const TimePoint now = env.clock.now();
  GPUBOX_TRY_ASSIGN(fetched, box::fetch_catalog(*ctx->client, regions, now));
  for (const auto& f : fetched.failures) {
    warn(env.streams, fmt::format("{} left out: {}", f.region, f.error.message));
  }
  const std::string csv = catalog::render_catalog_csv(fetched.data, format_iso8601(now), k_source);
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  const auto path = dir / "catalog.csv";
  // Parse before writing: a file `offers` cannot read must never replace a good one.
  GPUBOX_TRY_ASSIGN(parsed, catalog::parse_catalog(csv, "", path.string()));
  if (parsed.prices.empty()) {
    return fail(ErrorKind::remote, "AWS returned no GPU instance types with prices; catalog kept");
  }
  GPUBOX_TRY(write_file_atomic(path, csv, 0644));
  std::set<std::string> with_prices;
  for (const auto& p : parsed.prices) {
    with_prices.insert(p.region);
  }
  if (opts.json) {
    auto failed = nlohmann::json::array();
    for (const auto& f : fetched.failures) {
      failed.push_back({{"region", f.region}, {"error", f.error.message}});
    }
    print_json(env.streams, {{"path", path.string()},
                             {"generated_at", format_iso8601(now)},
                             {"instance_types", parsed.types.size()},
                             {"regions", with_prices.size()},
                             {"failed_regions", failed}});
    return {};
  }
  env.streams.out << fmt::format("wrote {}: {} GPU instance types in {} regions, as of {}\n",
                                 path.string(), parsed.types.size(), with_prices.size(),
                                 format_iso8601(now));
  return {};
}

}  // namespace

void add_catalog_command(CLI::App& app, Env& env) {
  auto* cmd = app.add_subcommand("catalog", "Manage the instance price catalog");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<RefreshOptions>();
  auto* refresh = cmd->add_subcommand(
      "refresh", "Rebuild the catalog from AWS (DescribeInstanceTypes, Price List, spot history)");
  refresh->footer(
      "The result is cached as <data dir>/catalog.csv and used by `offers` while it "
      "is newer than the embedded snapshot.\nExamples:\n  gpubox catalog refresh\n"
      "  gpubox catalog refresh --regions us-east-1,us-west-2");
  refresh->add_option("--regions", opts->regions, "all (enabled regions, default) or R1,R2");
  refresh->add_flag("--json", opts->json, "Print one JSON document to stdout");
  refresh->callback(
      [opts, &env] { run_guarded(env, [&] { return run_catalog_refresh(*opts, env); }); });
}

}  // namespace gpubox::cli
