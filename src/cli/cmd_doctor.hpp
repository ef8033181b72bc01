#pragma once
// gpubox doctor: the options and the run step, callable from tests/cli.

#include <string>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct DoctorOptions {
  bool json = false;
};

// Run `gpubox doctor`: gather the facts (ssh -V, the key, ~/.ssh/config, GPUBOX_HOME, the catalog,
// STS and AWS's clock), judge them with cli/doctor.hpp, print PASS/WARN/FAIL with the fixes; the
// exit code is 1 when any check fails.
Result<void> run_doctor(const DoctorOptions& opts, Env& env);

}  // namespace gpubox::cli
