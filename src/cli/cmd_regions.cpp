// gpubox regions: the regions enabled for the account, from one DescribeRegions call.

#include <memory>
#include <ostream>

#include "aws/client.hpp"
#include "aws/ec2_catalog.hpp"
#include "aws/regions.hpp"
#include "cli/app.hpp"

namespace gpubox::cli {
namespace {

struct RegionsOptions {
  bool json = false;
};

Result<void> run_regions(const RegionsOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  // Without AllRegions, AWS returns only the regions enabled for the account; the filter keeps
  // stand-ins (moto lists every region with its opt-in status) to the same answer.
  GPUBOX_TRY_ASSIGN(all, aws::describe_regions(*ctx->client, ctx->settings->region, {}));
  std::vector<aws::Region> regions;
  for (auto& r : all) {
    if (r.opt_in_status != "not-opted-in") {
      regions.push_back(std::move(r));
    }
  }
  if (opts.json) {
    auto doc = nlohmann::json::array();
    for (const auto& r : regions) {
      doc.push_back({{"region", r.name},
                     {"name", aws::region_display_name(r.name)},
                     {"opt_in_status", r.opt_in_status},
                     {"endpoint", r.endpoint}});
    }
    print_json(env.streams, doc);
    return {};
  }
  Table t({"region", "name", "opt-in"});
  for (const auto& r : regions) {
    t.add_row({r.name, aws::region_display_name(r.name), r.opt_in_status});
  }
  env.streams.out << t.render(env.streams.out_is_tty);
  return {};
}

}  // namespace

void add_regions_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<RegionsOptions>();
  auto* cmd = app.add_subcommand("regions", "List the AWS regions enabled for your account");
  cmd->footer("Examples:\n  gpubox regions\n  gpubox regions --json | jq -r '.[].region'");
  cmd->add_flag("--json", opts->json, "Print a JSON array to stdout");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_regions(*opts, env); }); });
}

}  // namespace gpubox::cli
