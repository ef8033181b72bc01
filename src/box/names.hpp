#pragma once
// Box names: what `gpubox up NAME` accepts, and the friendly name it picks when NAME is omitted.
// A name is also an SSH Host alias and part of AWS tag values, hence the strict alphabet.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace gpubox::box {

constexpr size_t k_max_name_length = 40;

// Return a random number; injected so tests get deterministic names.
using RandomSource = std::function<std::uint64_t()>;

// Return a RandomSource backed by the system's cryptographic random generator.
RandomSource system_random();

// Check that `name` is 1 to 40 letters, digits and dashes, starting with a letter and not ending
// with a dash; the error says which rule failed.
Result<void> validate_name(std::string_view name);

// Return a name like "brave-falcon-0427" drawn with `random`.
std::string generate_name(const RandomSource& random);

// Return the built-in adjective list used by generate_name.
std::span<const std::string_view> name_adjectives();
// Return the built-in noun list used by generate_name.
std::span<const std::string_view> name_nouns();

}  // namespace gpubox::box
