#pragma once
// Minimal EC2 XML replies for the lifecycle, discovery and gc tests (the shapes the parsers read).

#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace gpubox::testing {

struct FakeInstance {
  std::string id;
  std::string state = "running";
  std::string type = "g4dn.xlarge";
  std::string ip;
  std::string zone = "us-east-1a";
  std::map<std::string, std::string> tags;
  std::string key_name;
  std::string group_id;
  std::string group_name;
  std::string volume_id;
  std::string launch_time = "2015-08-26T10:00:00.000Z";
};

inline std::string tag_set(const std::map<std::string, std::string>& tags) {
  std::string out = "<tagSet>";
  for (const auto& [k, v] : tags) {
    out += fmt::format("<item><key>{}</key><value>{}</value></item>", k, v);
  }
  return out + "</tagSet>";
}

inline std::string describe_instances_xml(const std::vector<FakeInstance>& instances) {
  std::string out = "<DescribeInstancesResponse><reservationSet>";
  for (const auto& i : instances) {
    out += fmt::format(
        "<item><reservationId>r-{0}</reservationId><instancesSet><item>"
        "<instanceId>{0}</instanceId><instanceType>{1}</instanceType>"
        "<instanceState><code>16</code><name>{2}</name></instanceState>"
        "<ipAddress>{3}</ipAddress><placement><availabilityZone>{4}</availabilityZone></placement>"
        "<launchTime>{5}</launchTime><keyName>{6}</keyName>"
        "<groupSet><item><groupId>{7}</groupId><groupName>{8}</groupName></item></groupSet>"
        "<blockDeviceMapping><item><deviceName>/dev/sda1</deviceName><ebs><volumeId>{9}</volumeId>"
        "</ebs></item></blockDeviceMapping>{10}</item></instancesSet></item>",
        i.id, i.type, i.state, i.ip, i.zone, i.launch_time, i.key_name, i.group_id, i.group_name,
        i.volume_id, tag_set(i.tags));
  }
  return out + "</reservationSet></DescribeInstancesResponse>";
}

inline std::string state_change_xml(const std::string& action, const std::string& id,
                                    const std::string& current) {
  return fmt::format(
      "<{0}Response><instancesSet><item><instanceId>{1}</instanceId><currentState><code>0</code>"
      "<name>{2}</name></currentState><previousState><code>16</code><name>running</name>"
      "</previousState></item></instancesSet></{0}Response>",
      action, id, current);
}

inline std::string return_xml(const std::string& action) {
  return fmt::format("<{0}Response><return>true</return></{0}Response>", action);
}

inline std::string ec2_error_xml(const std::string& code) {
  return fmt::format(
      "<Response><Errors><Error><Code>{}</Code><Message>test: {}</Message></Error></Errors>"
      "<RequestID>req-1</RequestID></Response>",
      code, code);
}

struct FakeGroup {
  std::string id;
  std::string name;
  std::map<std::string, std::string> tags;
  std::vector<std::string> ssh_cidrs;                    // tcp/22 ingress ranges
  std::string description = "gpubox ssh: your address";  // of each range
};

inline std::string describe_groups_xml(const std::vector<FakeGroup>& groups) {
  std::string out = "<DescribeSecurityGroupsResponse><securityGroupInfo>";
  for (const auto& g : groups) {
    std::string ranges;
    for (const auto& c : g.ssh_cidrs) {
      ranges += fmt::format("<item><cidrIp>{}</cidrIp><description>{}</description></item>", c,
                            g.description);
    }
    out += fmt::format(
        "<item><groupId>{}</groupId><groupName>{}</groupName><ipPermissions><item>"
        "<ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort>"
        "<ipRanges>{}</ipRanges></item></ipPermissions>{}</item>",
        g.id, g.name, ranges, tag_set(g.tags));
  }
  return out + "</securityGroupInfo></DescribeSecurityGroupsResponse>";
}

inline std::string describe_keys_xml(const std::vector<std::pair<std::string, std::string>>& keys,
                                     const std::map<std::string, std::string>& tags) {
  std::string out = "<DescribeKeyPairsResponse><keySet>";
  for (const auto& [name, id] : keys) {
    out += fmt::format("<item><keyName>{}</keyName><keyPairId>{}</keyPairId>{}</item>", name, id,
                       tag_set(tags));
  }
  return out + "</keySet></DescribeKeyPairsResponse>";
}

inline std::string describe_volumes_xml(
    const std::vector<std::tuple<std::string, int, std::string>>& volumes,
    const std::map<std::string, std::string>& tags) {
  std::string out = "<DescribeVolumesResponse><volumeSet>";
  for (const auto& [id, size, state] : volumes) {
    out += fmt::format(
        "<item><volumeId>{}</volumeId><size>{}</size><volumeType>gp3</volumeType>"
        "<status>{}</status><availabilityZone>us-east-1a</availabilityZone>{}</item>",
        id, size, state, tag_set(tags));
  }
  return out + "</volumeSet></DescribeVolumesResponse>";
}

// A DescribeSpotInstanceRequests reply: (id, state, instance id) per request, tagged with `tags`.
struct FakeSpotRequest {
  std::string id;
  std::string state;
  std::string instance_id;
};

inline std::string describe_spot_xml(const std::vector<FakeSpotRequest>& requests,
                                     const std::map<std::string, std::string>& tags = {}) {
  std::string items;
  for (const auto& r : requests) {
    items += "<item><spotInstanceRequestId>" + r.id + "</spotInstanceRequestId><type>persistent" +
             "</type><state>" + r.state + "</state><instanceId>" + r.instance_id + "</instanceId>" +
             tag_set(tags) + "</item>";
  }
  return "<DescribeSpotInstanceRequestsResponse><spotInstanceRequestSet>" + items +
         "</spotInstanceRequestSet></DescribeSpotInstanceRequestsResponse>";
}

}  // namespace gpubox::testing
