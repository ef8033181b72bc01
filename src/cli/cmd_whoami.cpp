// gpubox whoami: which account, identity, region and credential source gpubox will use.

#include "cli/cmd_whoami.hpp"

#include <memory>
#include <ostream>

#include "box/account.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"

namespace gpubox::cli {

Result<void> run_whoami(const WhoamiOptions& opts, Env& env) {
  GPUBOX_TRY_ASSIGN(ctx, env.aws());
  GPUBOX_TRY_ASSIGN(me, box::whoami(*ctx->client, *ctx->credentials, *ctx->settings));
  if (opts.json) {
    print_json(env.streams, {{"account", me.account},
                             {"arn", me.arn},
                             {"user_id", me.user_id},
                             {"region", me.region},
                             {"region_source", me.region_source},
                             {"profile", me.profile},
                             {"credential_source", me.credential_source}});
    return {};
  }
  Table t({"field", "value"});
  t.add_row({"account", me.account});
  t.add_row({"arn", me.arn});
  t.add_row({"region", me.region.empty() ? std::string("none (commands on a box use its region)")
                                         : me.region + " (from " + me.region_source + ")"});
  t.add_row({"credentials", me.credential_source});
  env.streams.out << t.render(true);
  return {};
}

void add_whoami_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<WhoamiOptions>();
  auto* cmd =
      app.add_subcommand("whoami", "Show the AWS account, identity, region and credential source");
  cmd->footer(
      "Credentials are looked up as the AWS CLI does: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,\n"
      "the profile's role_arn (source_profile, credential_source or web_identity_token_file; asks\n"
      "for the code when it sets mfa_serial), AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, SSO\n"
      "(after `aws sso login`), the profile's keys or credential_process, container credentials,\n"
      "then the EC2 instance role. Assumed roles are cached in $GPUBOX_HOME/credentials-cache.\n\n"
      "Examples:\n  gpubox whoami\n  gpubox --profile work whoami --json\n"
      "  AWS_PROFILE=sso-dev gpubox whoami");
  cmd->add_flag("--json", opts->json, "Print one JSON object to stdout");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_whoami(*opts, env); }); });
}

}  // namespace gpubox::cli
