// gpubox check NAME | --local: prove the box is what was paid for (GPU, driver, frameworks, a
// GPU matmul, the IMDB notebook); PASS / FAIL / SKIP per check, exit 1 on any FAIL.

#include "cli/cmd_check.hpp"

#include <cstdlib>
#include <memory>
#include <ostream>

#include "box/fleet/byo.hpp"
#include "box/fleet/lifecycle.hpp"
#include "box/onbox/check.hpp"
#include "catalog/catalog.hpp"
#include "cli/app.hpp"
#include "cli/deps.hpp"

namespace gpubox::cli {

namespace {

Result<ProcessResult> check_box(const CheckCliOptions& opts, box::CheckOptions check, Env& env) {
  GPUBOX_TRY_ASSIGN(bt, named_box_target(env, opts.name));
  if (!bt.box.instance_type.empty()) {
    GPUBOX_TRY_ASSIGN(cat, env.catalog());
    if (const catalog::InstanceSpec* spec = cat->find_type(bt.box.instance_type)) {
      check = box::with_expectations(check, *spec);
    }
  }
  env.progress().say("running the checks on " + opts.name + " (the IMDB run takes minutes)");
  return box::run_remote_check(env.runner, bt.target, check, env.progress());
}

}  // namespace

Result<void> run_check(const CheckCliOptions& opts, Env& env) {
  if (opts.local == !opts.name.empty()) {
    return fail(ErrorKind::invalid_input, "give a box name or --local, not both nor neither");
  }
  box::CheckOptions check;
  check.json = opts.json;
  check.quick = opts.quick;
  Result<ProcessResult> result =
      opts.local ? box::run_local_check(env.runner, env.getenv("TMPDIR").value_or("/tmp"), check,
                                        env.progress())
                 : check_box(opts, check, env);
  if (!result) {
    return fail(result.error());
  }
  env.streams.out << result->stdout_text;
  env.streams.err << result->stderr_text;
  if (result->exit_code != 0) {
    env.exit_code = 1;  // a FAIL, or check.py could not run: never a silent pass
    if (result->stdout_text.empty()) {
      return fail(ErrorKind::remote,
                  "the checks did not run (exit " + std::to_string(result->exit_code) + ")");
    }
  }
  return {};
}

void add_check_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<CheckCliOptions>();
  auto* cmd =
      app.add_subcommand("check", "Prove a box is what was paid for: GPU, driver, frameworks");
  set_details(
      cmd,
      "Run gpubox's checks on the box (or with --local on this machine): the GPU model, count and "
      "memory its instance type promises, driver and CUDA, PyTorch / TensorFlow / JAX on the GPU, "
      "a matmul, and the IMDB notebook. Each check is PASS, FAIL or SKIP with its reason; the "
      "exit code is 1 on any FAIL.");
  cmd->footer(
      "Examples:\n  gpubox check mybox\n  gpubox check mybox --quick --json\n"
      "  gpubox check --local");
  cmd->add_option("name", opts->name, "The box");
  cmd->add_flag("--local", opts->local, "Check the machine gpubox runs on");
  cmd->add_flag("--json", opts->json, "Print one JSON document");
  cmd->add_flag("--quick", opts->quick, "Skip the matmul and IMDB runs");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_check(*opts, env); }); });
}

}  // namespace gpubox::cli
