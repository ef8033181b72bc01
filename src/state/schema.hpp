#pragma once
// The state database schema, as an ordered list of migrations (migration v takes user_version
// v to v+1). Only append to the list; never edit a migration that has shipped.

#include <span>
#include <string_view>

namespace gpubox::state {

// Return the migrations in order.
std::span<const std::string_view> schema_migrations();

}  // namespace gpubox::state
