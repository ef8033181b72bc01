#pragma once
// gpubox iam-policy: the options and the run step, callable from tests/cli.

#include <string>

#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

// Print the least-privilege IAM policy (aws::iam_policy(), from src/aws/operations.cpp) to stdout,
// indented to be read and pasted.
Result<void> run_iam_policy(Env& env);

}  // namespace gpubox::cli
