#pragma once
// Dependency bundles that several commands hand to box/ functions, built from Env in one place.

#include <string>
#include <string_view>

#include "box/fleet/byo.hpp"
#include "box/fleet/lifecycle.hpp"
#include "cli/env.hpp"
#include "core/error.hpp"

namespace gpubox::cli {

// Return what box::add_byo, remove_byo and friends need: the store, processes, clock, data
// directory, known_hosts, the ssh connect policy and progress on stderr.
Result<box::ByoDeps> byo_deps(Env& env);

// Return who the caller is as a gpubox owner (GetCallerIdentity, owner_from_arn): the owner
// stop, start, down, gc and ls act for.
Result<std::string> caller_owner(aws::AwsClient& client, std::string_view region);

// Return lifecycle deps for the caller: progress on stderr and the caller as owner.
Result<box::LifecycleDeps> lifecycle_deps(Env& env, aws::AwsClient& client, state::BoxStore& store,
                                          std::string_view region);

}  // namespace gpubox::cli
