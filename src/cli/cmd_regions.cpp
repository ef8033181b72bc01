// gpubox regions: the regions enabled for the account, from one DescribeRegions call.

#include "cli/cmd_regions.hpp"

#include <memory>
#include <ostream>

#include "aws/settings.hpp"
#include "box/account.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"

namespace gpubox::cli {

Result<void> run_regions(const RegionsOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  GPUBOX_TRY_ASSIGN(home, any_region(env));  // DescribeRegions: any region answers
  GPUBOX_TRY_ASSIGN(regions, box::enabled_regions(*ctx->client, home));
  if (opts.json) {
    auto doc = nlohmann::json::array();
    for (const auto& r : regions) {
      doc.push_back({{"region", r.name},
                     {"name", r.display_name},
                     {"opt_in_status", r.opt_in_status},
                     {"endpoint", r.endpoint}});
    }
    print_json(env.streams, doc);
    return {};
  }
  Table t({"region", "name", "opt-in"});
  for (const auto& r : regions) {
    t.add_row({r.name, r.display_name, r.opt_in_status});
  }
  env.streams.out << t.render(env.streams.out_is_tty);
  return {};
}

void add_regions_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<RegionsOptions>();
  auto* cmd = app.add_subcommand("regions", "List the AWS regions enabled for your account");
  cmd->footer("Examples:\n  gpubox regions\n  gpubox regions --json | jq -r '.[].region'");
  cmd->add_flag("--json", opts->json, "Print a JSON array to stdout");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_regions(*opts, env); }); });
}

}  // namespace gpubox::cli
