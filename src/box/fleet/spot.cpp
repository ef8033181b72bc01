#include "box/fleet/spot.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "box/tags.hpp"

namespace gpubox::box {
namespace {

void add_open(std::vector<aws::SpotRequest>& out, std::vector<aws::SpotRequest>&& found) {
  for (auto& r : found) {
    bool known = std::ranges::any_of(out, [&](const auto& o) { return o.id == r.id; });
    if (!known && aws::spot_request_is_open(r.state)) {
      out.push_back(std::move(r));
    }
  }
}

}  // namespace

Result<std::vector<aws::SpotRequest>> open_spot_requests(
    aws::AwsClient& client, std::string_view region, std::string_view name,
    const std::vector<std::string>& instance_ids) {
  std::vector<aws::SpotRequest> out;
  aws::DescribeSpotRequestsInput tagged;
  tagged.filters = {name.empty()
                        ? aws::Filter{"tag-key", {std::string(k_tag_box)}}
                        : aws::Filter{"tag:" + std::string(k_tag_box), {std::string(name)}},
                    {"state", {"open", "active", "disabled"}}};
  GPUBOX_TRY_ASSIGN(by_tag, aws::describe_spot_requests(client, region, tagged));
  add_open(out, std::move(by_tag));
  // Requests made before gpubox tagged them are found through their instances.
  GPUBOX_TRY_ASSIGN(of_instances, instance_spot_requests(client, region, instance_ids));
  add_open(out, std::move(of_instances));
  return out;
}

Result<std::vector<aws::SpotRequest>> instance_spot_requests(
    aws::AwsClient& client, std::string_view region, const std::vector<std::string>& instance_ids) {
  std::vector<aws::SpotRequest> out;
  if (instance_ids.empty()) {
    return out;
  }
  aws::DescribeSpotRequestsInput by_instance;
  by_instance.filters = {{"instance-id", instance_ids}};
  GPUBOX_TRY_ASSIGN(found, aws::describe_spot_requests(client, region, by_instance));
  add_open(out, std::move(found));
  return out;
}

Result<std::vector<std::string>> cancel_and_confirm(aws::AwsClient& client, std::string_view region,
                                                    const std::vector<aws::SpotRequest>& requests) {
  std::vector<std::string> ids;
  ids.reserve(requests.size());
  for (const auto& r : requests) {
    ids.push_back(r.id);
  }
  if (ids.empty()) {
    return ids;
  }
  GPUBOX_TRY_ASSIGN(cancelled, aws::cancel_spot_requests(client, region, ids));
  (void)cancelled;
  aws::DescribeSpotRequestsInput again;
  again.request_ids = ids;
  GPUBOX_TRY_ASSIGN(now, aws::describe_spot_requests(client, region, again));
  std::vector<std::string> still_open;
  for (const auto& r : now) {
    if (aws::spot_request_is_open(r.state)) {
      still_open.push_back(fmt::format("{} ({})", r.id, r.state));
    }
  }
  if (!still_open.empty()) {
    Error e;
    e.kind = ErrorKind::remote;
    e.message = fmt::format(
        "spot request {} is still open after cancelling it, so EC2 could "
        "launch a replacement",
        fmt::join(still_open, ", "));
    e.hint = fmt::format(
        "cancel it with `aws ec2 cancel-spot-instance-requests --region {} "
        "--spot-instance-request-ids {}`, then run the command again",
        region, fmt::join(ids, " "));
    return fail(std::move(e));
  }
  return ids;
}

}  // namespace gpubox::box
