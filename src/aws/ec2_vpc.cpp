#include "aws/ec2_vpc.hpp"

#include "aws/paging.hpp"
#include "aws/service.hpp"
#include "aws/xml.hpp"

namespace gpubox::aws {

QueryParams build_describe_vpcs(const DescribeVpcsInput& in) {
  QueryParams p;
  add_list(p, "VpcId", in.vpc_ids);
  add_filters(p, in.filters);
  add_text(p, "NextToken", in.next_token);
  return p;
}

Result<VpcsPage> parse_describe_vpcs(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "DescribeVpcsResponse"));
  VpcsPage page;
  for (const pugi::xml_node item : items(root, "vpcSet")) {
    page.vpcs.push_back({text_at(item, "vpcId"), text_at(item, "isDefault") == "true"});
  }
  page.next_token = text_at(root, "nextToken");
  return page;
}

Result<std::vector<Vpc>> describe_vpcs(AwsClient& client, std::string_view region,
                                       const DescribeVpcsInput& in) {
  const PagedQuery<DescribeVpcsInput, VpcsPage, Vpc> op{&k_ec2, "DescribeVpcs", build_describe_vpcs,
                                                        parse_describe_vpcs, &VpcsPage::vpcs};
  GPUBOX_TRY_ASSIGN(all, query_all_pages(client, region, op, in));
  return std::move(all.vpcs);
}

QueryParams build_describe_subnets(const DescribeSubnetsInput& in) {
  QueryParams p;
  add_list(p, "SubnetId", in.subnet_ids);
  add_filters(p, in.filters);
  add_text(p, "NextToken", in.next_token);
  return p;
}

Result<SubnetsPage> parse_describe_subnets(std::string_view xml) {
  pugi::xml_document doc;
  GPUBOX_TRY_ASSIGN(root, load_xml(doc, xml, "DescribeSubnetsResponse"));
  SubnetsPage page;
  for (const pugi::xml_node item : items(root, "subnetSet")) {
    Subnet s;
    s.id = text_at(item, "subnetId");
    s.vpc_id = text_at(item, "vpcId");
    s.zone = text_at(item, "availabilityZone");
    s.default_for_az = text_at(item, "defaultForAz") == "true";
    s.map_public_ip_on_launch = text_at(item, "mapPublicIpOnLaunch") == "true";
    s.state = text_at(item, "state");
    page.subnets.push_back(std::move(s));
  }
  page.next_token = text_at(root, "nextToken");
  return page;
}

Result<std::vector<Subnet>> describe_subnets(AwsClient& client, std::string_view region,
                                             const DescribeSubnetsInput& in) {
  const PagedQuery<DescribeSubnetsInput, SubnetsPage, Subnet> op{
      &k_ec2, "DescribeSubnets", build_describe_subnets, parse_describe_subnets,
      &SubnetsPage::subnets};
  GPUBOX_TRY_ASSIGN(all, query_all_pages(client, region, op, in));
  return std::move(all.subnets);
}

}  // namespace gpubox::aws
