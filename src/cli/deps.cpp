#include "cli/deps.hpp"

#include "box/fleet/lifecycle.hpp"
#include "remote/ssh.hpp"

namespace gpubox::cli {

Result<box::ByoDeps> byo_deps(Env& env) {
  GPUBOX_TRY_ASSIGN(store, env.store());
  GPUBOX_TRY_ASSIGN(dir, env.data_dir());
  return box::ByoDeps{*store,
                      env.runner,
                      env.clock,
                      dir,
                      box::LocalFiles{dir}.known_hosts(),
                      env.connect_policy(),
                      [&env](const std::string& line) { progress(env.streams, line); }};
}

}  // namespace gpubox::cli
