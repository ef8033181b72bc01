#pragma once
// EC2 spot instance requests: describe and cancel. A persistent request outlives its instance:
// terminating the instance reopens the request and EC2 launches a replacement, so whoever ends a
// spot box cancels its request first.

#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2.hpp"

namespace gpubox::aws {

struct SpotRequest {
  std::string id;           // "sir-..."
  std::string type;         // "one-time" | "persistent"
  std::string state;        // "open", "active", "closed", "cancelled", "failed", "disabled"
  std::string status_code;  // e.g. "fulfilled", "instance-terminated-by-user"
  std::string instance_id;  // empty while open
  Tags tags;
};

struct DescribeSpotRequestsInput {
  std::vector<std::string> request_ids;
  std::vector<Filter> filters;
  std::string next_token;
};

struct SpotRequestsPage {
  std::vector<SpotRequest> requests;
  std::string next_token;
};

struct CancelledSpotRequest {
  std::string id;
  std::string state;
};

// Return the wire parameters of DescribeSpotInstanceRequests for `in`.
QueryParams build_describe_spot_requests(const DescribeSpotRequestsInput& in);
// Parse one DescribeSpotInstanceRequests page.
Result<SpotRequestsPage> parse_describe_spot_requests(std::string_view xml);
// Describe spot instance requests, following every page.
Result<std::vector<SpotRequest>> describe_spot_requests(AwsClient& client, std::string_view region,
                                                        const DescribeSpotRequestsInput& in);

// Return the wire parameters of CancelSpotInstanceRequests for `ids`.
QueryParams build_cancel_spot_requests(const std::vector<std::string>& ids);
// Parse a CancelSpotInstanceRequests reply.
Result<std::vector<CancelledSpotRequest>> parse_cancel_spot_requests(std::string_view xml);
// Cancel spot requests (their instances keep running; terminate them separately).
Result<std::vector<CancelledSpotRequest>> cancel_spot_requests(AwsClient& client,
                                                               std::string_view region,
                                                               const std::vector<std::string>& ids);

// Return whether a request in `state` may still launch an instance.
bool spot_request_is_open(std::string_view state);

}  // namespace gpubox::aws
