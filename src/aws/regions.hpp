#pragma once
// Human names of AWS regions (DescribeRegions returns only codes).

#include <string>
#include <string_view>

namespace gpubox::aws {

// Return the display name of `region` ("Europe (Ireland)"), or "" when unknown.
std::string region_display_name(std::string_view region);

}  // namespace gpubox::aws
