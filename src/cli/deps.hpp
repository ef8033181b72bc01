#pragma once
// Dependency bundles that several commands hand to box/ functions, built from Env in one place.

#include "box/fleet/byo.hpp"
#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

// Return what box::add_byo, remove_byo and friends need: the store, processes, clock, data
// directory, known_hosts, the ssh connect policy and progress on stderr.
Result<box::ByoDeps> byo_deps(Env& env);

}  // namespace gpubox::cli
