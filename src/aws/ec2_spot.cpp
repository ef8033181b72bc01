#include "aws/ec2_spot.hpp"

#include "aws/paging.hpp"
#include "aws/service.hpp"
#include "aws/xml.hpp"

namespace gpubox::aws {

QueryParams build_describe_spot_requests(const DescribeSpotRequestsInput& in) {
  QueryParams p;
  add_list(p, "SpotInstanceRequestId", in.request_ids);
  add_filters(p, in.filters);
  add_text(p, "NextToken", in.next_token);
  return p;
}

Result<SpotRequestsPage> parse_describe_spot_requests(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "DescribeSpotInstanceRequestsResponse"));
  SpotRequestsPage page;
  for (const pugi::xml_node item : items(root, "spotInstanceRequestSet")) {
    SpotRequest r;
    r.id = text_at(item, "spotInstanceRequestId");
    r.type = text_at(item, "type");
    r.state = text_at(item, "state");
    r.status_code = text_at(item, "status/code");
    r.instance_id = text_at(item, "instanceId");
    r.tags = parse_tags(item);
    page.requests.push_back(std::move(r));
  }
  page.next_token = text_at(root, "nextToken");
  return page;
}

Result<std::vector<SpotRequest>> describe_spot_requests(AwsClient& client, std::string_view region,
                                                        const DescribeSpotRequestsInput& in) {
  const PagedQuery<DescribeSpotRequestsInput, SpotRequestsPage, SpotRequest> op{
      &k_ec2, "DescribeSpotInstanceRequests", build_describe_spot_requests,
      parse_describe_spot_requests, &SpotRequestsPage::requests};
  GPUBOX_TRY_ASSIGN(all, query_all_pages(client, region, op, in));
  return std::move(all.requests);
}

QueryParams build_cancel_spot_requests(const std::vector<std::string>& ids) {
  QueryParams p;
  add_list(p, "SpotInstanceRequestId", ids);
  return p;
}

Result<std::vector<CancelledSpotRequest>> parse_cancel_spot_requests(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "CancelSpotInstanceRequestsResponse"));
  std::vector<CancelledSpotRequest> out;
  for (const pugi::xml_node item : items(root, "spotInstanceRequestSet")) {
    out.push_back({text_at(item, "spotInstanceRequestId"), text_at(item, "state")});
  }
  return out;
}

Result<std::vector<CancelledSpotRequest>> cancel_spot_requests(
    AwsClient& client, std::string_view region, const std::vector<std::string>& ids) {
  GPUBOX_TRY_ASSIGN(xml, client.query(k_ec2, region, "CancelSpotInstanceRequests",
                                      build_cancel_spot_requests(ids)));
  return parse_cancel_spot_requests(xml);
}

bool spot_request_is_open(std::string_view state) {
  return state == "open" || state == "active" || state == "disabled";
}

}  // namespace gpubox::aws
