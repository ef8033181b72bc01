#include <ostream>

#include "cli/app.hpp"

namespace gpubox::cli {

void add_version_command(CLI::App& app, Env& env) {
  auto* cmd = app.add_subcommand("version", "Print gpubox's version");
  cmd->callback([&env] { env.streams.out << "gpubox " << GPUBOX_VERSION << '\n'; });
}

}  // namespace gpubox::cli
