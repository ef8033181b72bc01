// gpubox iam-policy: print the least-privilege IAM policy gpubox needs, built from the one list
// of AWS operations the client may send (src/aws/operations.cpp).

#include "cli/cmd_iam_policy.hpp"

#include <ostream>

#include "aws/operations.hpp"
#include "cli/app.hpp"

namespace gpubox::cli {

Result<void> run_iam_policy(Env& env) {
  // Always indented: this document is meant to be read and pasted.
  env.streams.out << aws::iam_policy().dump(2) << '\n';
  return {};
}

void add_iam_policy_command(CLI::App& app, Env& env) {
  auto* cmd = app.add_subcommand("iam-policy", "Print the least-privilege IAM policy gpubox needs");
  set_details(cmd,
              "Every action a full lifecycle sends (offers, quota, up, stop, start, down, gc, "
              "catalog refresh) and nothing else: no service-wide wildcards, and starting, "
              "stopping and terminating only instances tagged gpubox:box. Attach it to the user "
              "or role gpubox runs as.");
  cmd->footer(
      "Examples:\n  gpubox iam-policy > gpubox-policy.json\n"
      "  aws iam create-policy --policy-name gpubox --policy-document file://gpubox-policy.json");
  cmd->callback([&env] { run_guarded(env, [&] { return run_iam_policy(env); }); });
}

}  // namespace gpubox::cli
