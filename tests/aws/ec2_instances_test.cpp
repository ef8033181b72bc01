#include "aws/ec2_instances.hpp"

#include <gtest/gtest.h>

#include "aws/aws_fixtures.hpp"
#include "aws/xml.hpp"
#include "core/strings.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_http_client.hpp"

namespace gpubox::aws {
namespace {

using testing::aws_fixture;

std::string form_body(std::string_view action, const QueryParams& params) {
  std::string body = "Action=" + std::string(action) + "&Version=2016-11-15";
  for (const auto& [name, value] : params) {
    body += "&" + form_encode(name) + "=" + form_encode(value);
  }
  return body;
}

RunInstancesInput golden_run_input() {
  RunInstancesInput in;
  in.image_id = "ami-0123456789abcdef0";
  in.instance_type = "g5.xlarge";
  in.key_name = "gpubox";
  in.security_group_ids = {"sg-0123456789abcdef0"};
  in.subnet_id = "subnet-0123456789abcdef0";
  in.client_token = "gpubox-7f3c2a10-0000-4000-8000-000000000001";
  in.dry_run = true;
  in.shutdown_behavior = "terminate";
  in.block_devices = {{"/dev/sda1", 200, "gp3", std::nullopt, std::nullopt, std::nullopt, true}};
  in.instance_tags = {{"Name", "gpubox-1"}, {"gpubox", "true"}};
  in.volume_tags = {{"gpubox", "true"}};
  in.http_tokens = "required";
  in.http_endpoint = "enabled";
  in.http_hop_limit = 2;
  in.spot = true;
  in.spot_instance_type = "one-time";
  in.spot_interruption_behavior = "terminate";
  in.user_data = "#!/bin/bash\necho hi\n";
  return in;
}

// The body botocore 1.43 produced for the same input (captured with botocore's serializer).
TEST(Ec2Instances, RunInstancesBodyMatchesBotocoreByteForByte) {
  EXPECT_EQ(
      form_body("RunInstances", build_run_instances(golden_run_input())),
      "Action=RunInstances&Version=2016-11-15&ImageId=ami-0123456789abcdef0&InstanceType=g5.xlarge&"
      "MinCount=1&MaxCount=1&KeyName=gpubox&SecurityGroupId.1=sg-0123456789abcdef0&SubnetId=subnet-"
      "0123456789abcdef0&ClientToken=gpubox-7f3c2a10-0000-4000-8000-000000000001&DryRun=true&"
      "InstanceInitiatedShutdownBehavior=terminate&BlockDeviceMapping.1.DeviceName=%2Fdev%2Fsda1&"
      "BlockDeviceMapping.1.Ebs.VolumeSize=200&BlockDeviceMapping.1.Ebs.VolumeType=gp3&"
      "BlockDeviceMapping.1.Ebs.DeleteOnTermination=true&TagSpecification.1.ResourceType=instance&"
      "TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=gpubox-1&TagSpecification."
      "1.Tag.2.Key=gpubox&TagSpecification.1.Tag.2.Value=true&TagSpecification.2.ResourceType="
      "volume&TagSpecification.2.Tag.1.Key=gpubox&TagSpecification.2.Tag.1.Value=true&"
      "MetadataOptions.HttpTokens=required&MetadataOptions.HttpEndpoint=enabled&MetadataOptions."
      "HttpPutResponseHopLimit=2&InstanceMarketOptions.MarketType=spot&InstanceMarketOptions."
      "SpotOptions.SpotInstanceType=one-time&InstanceMarketOptions.SpotOptions."
      "InstanceInterruptionBehavior=terminate&UserData=IyEvYmluL2Jhc2gKZWNobyBoaQo%3D");
}

TEST(Ec2Instances, RunInstancesOmitsUnsetOptionsAndNumbersVolumeTagsFirstWhenAlone) {
  RunInstancesInput in;
  in.image_id = "ami-1";
  in.availability_zone = "us-east-1b";
  in.volume_tags = {{"gpubox", "managed"}};
  in.block_devices = {
      {"/dev/sda1", std::nullopt, "", std::nullopt, std::nullopt, true, std::nullopt}};
  const QueryParams expected = {{"ImageId", "ami-1"},
                                {"MinCount", "1"},
                                {"MaxCount", "1"},
                                {"Placement.AvailabilityZone", "us-east-1b"},
                                {"BlockDeviceMapping.1.DeviceName", "/dev/sda1"},
                                {"BlockDeviceMapping.1.Ebs.Encrypted", "true"},
                                {"TagSpecification.1.ResourceType", "volume"},
                                {"TagSpecification.1.Tag.1.Key", "gpubox"},
                                {"TagSpecification.1.Tag.1.Value", "managed"}};
  EXPECT_EQ(build_run_instances(in), expected);
}

TEST(Ec2Instances, DescribeInstancesBodyMatchesBotocore) {
  DescribeInstancesInput in;
  in.instance_ids = {"i-0123456789abcdef0"};
  in.filters = {{"instance-state-name", {"pending", "running"}}, {"tag:gpubox", {"true"}}};
  EXPECT_EQ(form_body("DescribeInstances", build_describe_instances(in)),
            "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-0123456789abcdef0&Filter.1."
            "Name=instance-state-name&Filter.1.Value.1=pending&Filter.1.Value.2=running&Filter.2."
            "Name=tag%3Agpubox&Filter.2.Value.1=true");
}

TEST(Ec2Instances, StateChangeBuildersListIdsAndStopFlags) {
  InstanceIdsInput in{{"i-1", "i-2"}, true, false};
  EXPECT_EQ(build_terminate_instances(in),
            (QueryParams{{"InstanceId.1", "i-1"}, {"InstanceId.2", "i-2"}}));
  EXPECT_EQ(build_stop_instances(in), (QueryParams{{"InstanceId.1", "i-1"},
                                                   {"InstanceId.2", "i-2"},
                                                   {"Hibernate", "false"},
                                                   {"Force", "true"}}));
}

TEST(Ec2Instances, ParsesRunInstancesReply) {
  auto out = parse_run_instances(aws_fixture("ec2/run_instances.xml"));
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->instances.size(), 1u);
  const Instance& i = out->instances[0];
  EXPECT_FALSE(out->reservation_id.empty());
  EXPECT_EQ(i.reservation_id, out->reservation_id);
  EXPECT_TRUE(i.id.starts_with("i-"));
  EXPECT_EQ(i.type, "g5.xlarge");
  EXPECT_EQ(i.state, "pending");
  EXPECT_EQ(i.state_code, 0);
  EXPECT_EQ(i.zone, "us-east-1b");
  EXPECT_EQ(i.key_name, "gpubox-rsa");
  EXPECT_EQ(i.client_token, "gpubox-0001");
  EXPECT_EQ(i.http_tokens, "required");
  EXPECT_EQ(i.lifecycle, "");
  EXPECT_EQ(i.tags.at("Name"), "gpubox-1");
  ASSERT_EQ(i.security_groups.size(), 1u);
  EXPECT_EQ(i.security_groups[0].name, "gpubox-ssh");
  ASSERT_EQ(i.block_devices.size(), 1u);
  EXPECT_EQ(i.block_devices[0].device, "/dev/sda1");
  EXPECT_TRUE(i.block_devices[0].volume_id.starts_with("vol-"));
  EXPECT_FALSE(i.public_ip.empty());
  EXPECT_TRUE(i.launch_time.has_value());
}

TEST(Ec2Instances, ParsesSpotLifecycle) {
  auto out = parse_run_instances(aws_fixture("ec2/run_instances_spot.xml"));
  ASSERT_TRUE(out);
  ASSERT_EQ(out->instances.size(), 1u);
  EXPECT_EQ(out->instances[0].lifecycle, "spot");
}

TEST(Ec2Instances, DescribeInstancesFlattensReservations) {
  auto page = parse_describe_instances(aws_fixture("ec2/describe_instances.xml"));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->instances.size(), 2u);
  EXPECT_NE(page->instances[0].reservation_id, page->instances[1].reservation_id);
  EXPECT_EQ(page->instances[0].state, "running");
  EXPECT_EQ(page->instances[0].state_code, 16);
  EXPECT_EQ(page->instances[0].tags.at("Owner"), "x y");
  EXPECT_EQ(page->instances[1].lifecycle, "spot");
  EXPECT_TRUE(page->next_token.empty());
}

TEST(Ec2Instances, StoppedInstanceHasNoPublicIp) {
  auto page = parse_describe_instances(aws_fixture("ec2/describe_instances_stopped.xml"));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->instances.size(), 1u);
  const Instance& i = page->instances[0];
  EXPECT_EQ(i.state, "stopped");
  EXPECT_EQ(i.state_code, 80);
  EXPECT_EQ(i.public_ip, "");
  EXPECT_EQ(i.state_reason, "Client.UserInitiatedShutdown");
  EXPECT_FALSE(i.private_ip.empty());
}

TEST(Ec2Instances, EmptyAndPagedDescribeReplies) {
  auto empty = parse_describe_instances(aws_fixture("ec2/describe_instances_empty.xml"));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->instances.empty());
  auto first = parse_describe_instances(aws_fixture("ec2/describe_instances_page1.xml"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->instances.size(), 1u);
  EXPECT_TRUE(first->next_token.starts_with("r-"));
}

TEST(Ec2Instances, StateCodeKeepsOnlyTheLowByte) {
  auto page = parse_describe_instances(
      "<DescribeInstancesResponse><reservationSet><item><instancesSet><item>"
      "<instanceState><code>272</code><name>running</name></instanceState>"
      "</item></instancesSet></item></reservationSet></DescribeInstancesResponse>");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->instances.at(0).state_code, 16);
}

TEST(Ec2Instances, ParsesInstanceStatus) {
  auto running = parse_describe_instance_status(aws_fixture("ec2/describe_instance_status.xml"));
  ASSERT_TRUE(running);
  ASSERT_EQ(running->statuses.size(), 1u);
  EXPECT_EQ(running->statuses[0].instance_status, "ok");
  EXPECT_EQ(running->statuses[0].system_status, "ok");
  auto stopped =
      parse_describe_instance_status(aws_fixture("ec2/describe_instance_status_stopped.xml"));
  ASSERT_TRUE(stopped);
  ASSERT_EQ(stopped->statuses.size(), 1u);
  EXPECT_EQ(stopped->statuses[0].state, "stopped");
  EXPECT_EQ(stopped->statuses[0].instance_status, "not-applicable");
}

TEST(Ec2Instances, ParsesStateChanges) {
  auto stop = parse_stop_instances(aws_fixture("ec2/stop_instances.xml"));
  ASSERT_TRUE(stop);
  ASSERT_EQ(stop->size(), 1u);
  EXPECT_EQ((*stop)[0].current_state, "stopping");
  EXPECT_EQ((*stop)[0].previous_code, 16);
  auto start = parse_start_instances(aws_fixture("ec2/start_instances.xml"));
  ASSERT_TRUE(start);
  EXPECT_EQ(start->at(0).current_state, "pending");
  auto term = parse_terminate_instances(aws_fixture("ec2/terminate_instances.xml"));
  ASSERT_TRUE(term);
  ASSERT_EQ(term->size(), 2u);
  EXPECT_EQ(term->at(1).current_code, 32);
  EXPECT_FALSE(parse_start_instances(aws_fixture("ec2/stop_instances.xml")));
}

TEST(Ec2Instances, CreateTagsBuildsAndParses) {
  EXPECT_EQ(build_create_tags({{"i-1"}, {{"Name", "x y"}}}),
            (QueryParams{{"ResourceId.1", "i-1"}, {"Tag.1.Key", "Name"}, {"Tag.1.Value", "x y"}}));
  EXPECT_EQ(parse_create_tags(aws_fixture("ec2/create_tags.xml")), true);
}

TEST(Ec2Instances, ParsesVolumesAndDelete) {
  auto page = parse_describe_volumes(aws_fixture("ec2/describe_volumes.xml"));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->volumes.size(), 2u);
  const Volume& v = page->volumes[0];
  EXPECT_EQ(v.size_gib, 200);
  EXPECT_EQ(v.type, "gp3");
  EXPECT_TRUE(v.encrypted);
  EXPECT_EQ(v.tags.at("gpubox"), "managed");
  ASSERT_EQ(v.attachments.size(), 1u);
  EXPECT_EQ(v.attachments[0].device, "/dev/sda1");
  EXPECT_FALSE(page->volumes[1].iops.has_value());
  EXPECT_EQ(build_delete_volume("vol-1"), (QueryParams{{"VolumeId", "vol-1"}}));
  EXPECT_EQ(parse_delete_volume(aws_fixture("ec2/delete_volume.xml")), true);
}

TEST(Ec2Instances, ConsoleOutputIsDecoded) {
  auto out = parse_get_console_output(aws_fixture("ec2/get_console_output.xml"));
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->text.starts_with("Linux version")) << out->text;
  EXPECT_TRUE(out->timestamp.has_value());
  EXPECT_EQ(build_get_console_output({"i-1", true}),
            (QueryParams{{"InstanceId", "i-1"}, {"Latest", "true"}}));
}

TEST(Ec2Instances, ConsoleOutputThatIsNotBase64IsAnError) {
  auto out = parse_get_console_output(
      "<GetConsoleOutputResponse><instanceId>i-1</instanceId><output>!!!</output>"
      "</GetConsoleOutputResponse>");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::remote);
}

struct ClientHarness {
  testing::FakeHttpClient http;
  testing::FakeClock clock;
  StaticCredentialProvider creds{Credentials{"AKID", "secret", "", {}, "test"}};
  Settings settings;
  AwsClient client{ClientDeps{http, clock, creds, settings}, [] { return 0.5; }};
};

TEST(Ec2Instances, DescribeInstancesFollowsNextTokenAcrossPages) {
  ClientHarness h;
  const std::string first = aws_fixture("ec2/describe_instances_page1.xml");
  h.http.respond("DescribeInstances", 200, first);
  h.http.respond("DescribeInstances", 200, aws_fixture("ec2/describe_instances_stopped.xml"));
  auto all = describe_instances(h.client, "us-east-1", {{}, {}, 1, ""});
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->instances.size(), 2u);
  EXPECT_TRUE(all->next_token.empty());
  const auto requests = h.http.requests();
  ASSERT_EQ(requests.size(), 2u);
  const std::string token = parse_describe_instances(first)->next_token;
  EXPECT_EQ(requests[0].body.find("NextToken"), std::string::npos);
  EXPECT_NE(requests[1].body.find("NextToken=" + token), std::string::npos) << requests[1].body;
}

TEST(Ec2Instances, RepeatedNextTokenStopsPagination) {
  ClientHarness h;
  h.http.respond("DescribeInstances", 200, aws_fixture("ec2/describe_instances_page1.xml"));
  h.http.respond("DescribeInstances", 200, aws_fixture("ec2/describe_instances_page1.xml"));
  auto all = describe_instances(h.client, "us-east-1", {});
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().kind, ErrorKind::remote);
}

TEST(Ec2Instances, RunInstancesCallFillsAClientToken) {
  ClientHarness h;
  h.http.respond("RunInstances", 200, aws_fixture("ec2/run_instances.xml"));
  RunInstancesInput in;
  in.image_id = "ami-1";
  auto out = run_instances(h.client, "us-east-1", in);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->instances.size(), 1u);
  EXPECT_NE(h.http.requests().at(0).body.find("ClientToken=gpubox-"), std::string::npos);
}

}  // namespace
}  // namespace gpubox::aws
