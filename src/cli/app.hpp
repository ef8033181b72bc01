#pragma once
// The command tree: one add_<name>_command() per subcommand, each in its own cmd_<name>.cpp.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/env.hpp"

namespace gpubox::cli {

void add_whoami_command(CLI::App& app, Env& env);
void add_regions_command(CLI::App& app, Env& env);
void add_version_command(CLI::App& app, Env& env);
void add_ls_command(CLI::App& app, Env& env);
void add_volumes_command(CLI::App& app, Env& env);
void add_ssh_command(CLI::App& app, Env& env);
void add_stop_command(CLI::App& app, Env& env);
void add_start_command(CLI::App& app, Env& env);
void add_down_command(CLI::App& app, Env& env);
void add_gc_command(CLI::App& app, Env& env);
void add_up_command(CLI::App& app, Env& env);
void add_quota_command(CLI::App& app, Env& env);
void add_offers_command(CLI::App& app, Env& env);
void add_catalog_command(CLI::App& app, Env& env);
void add_cost_command(CLI::App& app, Env& env);
void add_add_command(CLI::App& app, Env& env);
void add_rm_command(CLI::App& app, Env& env);
void add_notebook_command(CLI::App& app, Env& env);
void add_check_command(CLI::App& app, Env& env);
void add_status_command(CLI::App& app, Env& env);
void add_config_command(CLI::App& app, Env& env);
void add_autostop_command(CLI::App& app, Env& env);
void add_iam_policy_command(CLI::App& app, Env& env);
void add_doctor_command(CLI::App& app, Env& env);
void add_run_command(CLI::App& app, Env& env);
void add_jobs_commands(CLI::App& app, Env& env);
void add_transfer_commands(CLI::App& app, Env& env);

// Set the paragraph `gpubox <cmd> --help` shows above the command's examples; the one-line
// summary given to add_subcommand stays what `gpubox --help` lists.
void set_details(CLI::App* cmd, std::string text);

// Build the whole CLI11 tree for `env`.
void build_app(CLI::App& app, Env& env);

// Return the known command closest to `word` ("lsit" -> "ls"), or "" when none is close.
std::string suggest_command(const CLI::App& app, const std::string& word);

// Parse `args` (without argv[0]) and run the chosen command; return the exit code.
int run(Env& env, std::vector<std::string> args);

// Run a command's callback body; errors become messages on stderr and exit codes in env.
void run_guarded(Env& env, const std::function<Result<void>()>& body);

}  // namespace gpubox::cli
