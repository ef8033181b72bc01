#pragma once
// The spot requests behind gpubox's spot boxes. A persistent request outlives its instance:
// terminating the instance reopens the request and EC2 launches (and bills) a replacement. So
// `down` and `gc` cancel a box's requests before they terminate it, and confirm that none is left
// open.

#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2_spot.hpp"
#include "core/error.hpp"

namespace gpubox::box {

// Return the spot requests that may still launch an instance for box `name` in `region`: those
// tagged gpubox:box=`name` (an empty name: any gpubox tag) and those of `instance_ids`.
Result<std::vector<aws::SpotRequest>> open_spot_requests(
    aws::AwsClient& client, std::string_view region, std::string_view name,
    const std::vector<std::string>& instance_ids);

// Return the open spot requests of `instance_ids` (none, and no call, when the list is empty).
Result<std::vector<aws::SpotRequest>> instance_spot_requests(
    aws::AwsClient& client, std::string_view region, const std::vector<std::string>& instance_ids);

// Cancel `requests` and describe them again; fail when any is still open. Return the ids
// cancelled (none when `requests` is empty: no call is made).
Result<std::vector<std::string>> cancel_and_confirm(aws::AwsClient& client, std::string_view region,
                                                    const std::vector<aws::SpotRequest>& requests);

}  // namespace gpubox::box
