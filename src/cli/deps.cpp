#include "cli/deps.hpp"

#include "box/account.hpp"
#include "box/fleet/lifecycle.hpp"
#include "box/tags.hpp"
#include "remote/ssh.hpp"

namespace gpubox::cli {

Result<box::ByoDeps> byo_deps(Env& env) {
  GPUBOX_TRY_ASSIGN(store, env.store());
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  return box::ByoDeps{*store,
                      env.runner,
                      env.clock,
                      dir,
                      box::LocalFiles{dir, {}}.known_hosts(),
                      env.connect_policy(),
                      env.progress(),
                      std::filesystem::path(env.home()) / ".ssh" / "known_hosts"};
}

Result<std::string> caller_owner(aws::AwsClient& client, std::string_view region) {
  GPUBOX_TRY_ASSIGN(arn, box::caller_arn(client, region));
  return box::owner_from_arn(arn);
}

Result<box::LifecycleDeps> lifecycle_deps(Env& env, aws::AwsClient& client, state::BoxStore& store,
                                          std::string_view region) {
  GPUBOX_TRY_ASSIGN(owner, caller_owner(client, region));
  return box::LifecycleDeps{client, store, env.clock, env.progress(), owner};
}

}  // namespace gpubox::cli
