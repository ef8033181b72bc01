#pragma once
// gpubox run: sync a workdir to a box and run a command there as a job that outlives the ssh
// connection. The options and the run step, callable from tests/cli.

#include <string>
#include <vector>

#include "cli/cmd_up.hpp"
#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

struct RunJobOptions {
  std::string name;
  std::string workdir;           // local directory synced to the box first; empty: none
  std::vector<std::string> env;  // K=V
  bool detach = false;
  std::string then;  // "", "stop", "down" (stop, then gc removes it)
  bool json = false;
  bool retry = false;     // --retry-on-interruption: run again when the box restarts
  std::string nodes;      // "all": one job on every node of cluster NAME
  bool torchrun = false;  // with --nodes all: wrap the command in torchrun (static rendezvous)
  std::vector<std::string> command;
  // From nothing to results: launch the box first (--gpu or --type given), pull --outputs back
  // into the workdir after the job, remove the box at the end (--down).
  bool launch = false;
  UpOptions up;  // --gpu, --type, --spot, --idle, --max-hours, --key, --yes
  std::string outputs;
  bool down_after = false;
};

// Run `gpubox run`: (launch,) sync, start the job, then print its id (--detach) or follow its
// output and exit with its exit code (then pull the outputs and remove the box).
Result<void> run_run(const RunJobOptions& opts, Env& env);

}  // namespace gpubox::cli
