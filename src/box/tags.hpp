#pragma once
// The tags gpubox puts on everything it creates, and the names it gives AWS resources. The cloud
// is the source of truth: `ls` and `gc` discover boxes and leftovers by these tags.

#include <string>
#include <string_view>

namespace gpubox::box {

inline constexpr std::string_view k_tag_box = "gpubox:box";          // the box name
inline constexpr std::string_view k_tag_owner = "gpubox:owner";      // caller ARN that created it
inline constexpr std::string_view k_tag_created = "gpubox:created";  // RFC 3339 UTC
inline constexpr std::string_view k_tag_name = "Name";               // "gpubox-<name>" for consoles
// "down" on an instance whose job ran with `--then down`: once the box has stopped itself, gc
// removes it (the box has no AWS credentials to terminate itself).
inline constexpr std::string_view k_tag_then = "gpubox:then";

// Return the AWS resource name for box `name` (the Name tag; groups and key pairs add a random
// suffix to it, see launch.hpp).
inline std::string resource_name(std::string_view name) { return "gpubox-" + std::string(name); }

// Return who owns what `arn` creates: the ARN itself, except that an assumed-role session
// ("arn:aws:sts::123:assumed-role/Dev/alice-1700000000") becomes its role
// ("arn:aws:iam::123:role/Dev"), so the same person on a new login still owns their boxes.
std::string owner_from_arn(std::string_view arn);

// Return whether the gpubox:owner tag value `tag` names `owner` (both normalised).
bool same_owner(std::string_view tag, std::string_view owner);

}  // namespace gpubox::box
