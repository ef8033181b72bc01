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

// Return the AWS resource name for box `name` (security group, key pair, Name tag).
inline std::string resource_name(std::string_view name) { return "gpubox-" + std::string(name); }

}  // namespace gpubox::box
