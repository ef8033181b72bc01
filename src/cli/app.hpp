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

// Build the whole CLI11 tree for `env`.
void build_app(CLI::App& app, Env& env);

// Return the known command closest to `word` ("lsit" -> "ls"), or "" when none is close.
std::string suggest_command(const CLI::App& app, const std::string& word);

// Parse `args` (without argv[0]) and run the chosen command; return the exit code.
int run(Env& env, std::vector<std::string> args);

// Run a command's callback body; errors become messages on stderr and exit codes in env.
void run_guarded(Env& env, const std::function<Result<void>()>& body);

}  // namespace gpubox::cli
