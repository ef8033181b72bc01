// gpubox catalog refresh: rebuild the price catalog from AWS itself and cache it in the data
// directory, where `offers`, `up` and `quota --gpu` pick it up when it is newer than the
// embedded snapshot.

#include "cli/cmd_catalog.hpp"

#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "aws/client.hpp"
#include "aws/settings.hpp"
#include "aws/xml.hpp"
#include "box/money/catalog_refresh.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"
#include "core/filesystem.hpp"
#include "core/iso8601.hpp"

namespace gpubox::cli {

Result<void> run_catalog_refresh(const CatalogRefreshOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  GPUBOX_TRY_ASSIGN(home, any_region(env));
  GPUBOX_TRY_ASSIGN(regions, box::resolve_regions(*ctx->client, home, opts.regions));
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  env.progress().say(
      fmt::format("reading instance types and prices in {} regions", regions.size()));
  // --regions R updates R in the cached catalog and keeps every other region it holds.
  const bool merge = !opts.regions.empty() && opts.regions != "all";
  GPUBOX_TRY_ASSIGN(done, box::refresh_catalog(*ctx->client, disk_file_system(), regions,
                                               env.clock.now(), dir / "catalog.csv", merge));
  for (const auto& f : done.failures) {
    warn(env.streams, fmt::format("{} left out: {}", f.region, f.error.message));
  }
  for (const auto& w : done.warnings) {
    warn(env.streams, w);
  }
  const std::string when = format_iso8601(done.generated_at);
  if (opts.json) {
    auto failed = nlohmann::json::array();
    for (const auto& f : done.failures) {
      failed.push_back({{"region", f.region}, {"error", f.error.message}});
    }
    print_json(env.streams, {{"path", done.path.string()},
                             {"generated_at", when},
                             {"instance_types", done.instance_types},
                             {"regions", done.regions_with_prices},
                             {"failed_regions", failed}});
    return {};
  }
  env.streams.out << fmt::format("wrote {}: {} GPU instance types in {} regions, as of {}\n",
                                 done.path.string(), done.instance_types, done.regions_with_prices,
                                 when);
  return {};
}

void add_catalog_command(CLI::App& app, Env& env) {
  auto* cmd = app.add_subcommand("catalog", "Manage the instance price catalog");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<CatalogRefreshOptions>();
  auto* refresh = cmd->add_subcommand(
      "refresh", "Rebuild the catalog from AWS (DescribeInstanceTypes, Price List, spot history)");
  refresh->footer(
      "The result is cached as <data dir>/catalog.csv and used by `offers` while it "
      "is newer than the embedded snapshot.\nExamples:\n  gpubox catalog refresh\n"
      "  gpubox catalog refresh --regions us-east-1,us-west-2");
  refresh->add_option("--regions", opts->regions,
                      "all (enabled regions, default) or R1,R2 (updates those, keeps the rest)");
  refresh->add_flag("--json", opts->json, "Print one JSON document to stdout");
  refresh->callback(
      [opts, &env] { run_guarded(env, [&] { return run_catalog_refresh(*opts, env); }); });
}

}  // namespace gpubox::cli
