#pragma once
// gpubox volumes: the options and the run steps, callable from tests/cli.

#include <string>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct VolumesOptions {
  bool json = false;
  bool all_regions = false;  // every enabled region, not only the configured one
};

struct VolumesRmOptions {
  std::string name;  // a volume name, or its vol- id
  bool yes = false;
  bool json = false;
};

// Run `gpubox volumes`: list the caller's named volumes with size, zone, attached box and
// $/month.
Result<void> run_volumes(const VolumesOptions& opts, Env& env);

// Run `gpubox volumes rm NAME`: ask (unless --yes), then delete the volume; refused while it is
// attached to a box.
Result<void> run_volumes_rm(const VolumesRmOptions& opts, Env& env);

}  // namespace gpubox::cli
