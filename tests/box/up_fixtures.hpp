#pragma once
// Shared pieces of the `gpubox up` unit tests: an AwsClient over a FakeHttpClient and small EC2
// reply builders.

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aws/client.hpp"
#include "aws/credentials.hpp"
#include "aws/settings.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_http_client.hpp"

namespace gpubox::box::up_testing {

struct AwsHarness {
  AwsHarness() {
    settings.region = "us-east-1";
    settings.max_attempts = 1;
    client = std::make_unique<aws::AwsClient>(aws::ClientDeps{http, clock, creds, settings},
                                              [] { return 0.0; });
  }
  // Return every request's call name ("RunInstances", "AmazonSSM.GetParametersByPath"), in order.
  std::vector<std::string> calls() const {
    std::vector<std::string> out;
    for (const auto& r : http.requests()) {
      out.push_back(testing::FakeHttpClient::call_of(r));
    }
    return out;
  }
  // Return the bodies of the requests for `call`.
  std::vector<std::string> bodies(const std::string& call) const {
    std::vector<std::string> out;
    for (const auto& r : http.requests()) {
      if (testing::FakeHttpClient::call_of(r).ends_with(call)) {
        out.push_back(r.body);
      }
    }
    return out;
  }
  testing::FakeHttpClient http;
  testing::FakeClock clock;
  aws::StaticCredentialProvider creds{aws::Credentials{"AKID", "SECRET", "", {}, "test"}};
  aws::Settings settings;
  std::unique_ptr<aws::AwsClient> client;
};

inline std::string ec2_error(const std::string& code, const std::string& message = "no") {
  return fmt::format(
      "<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors>"
      "<RequestID>req-1</RequestID></Response>",
      code, message);
}

inline std::string image_item(const std::string& id, const std::string& name,
                              const std::string& arch, const std::string& created) {
  return fmt::format(
      "<item><imageId>{}</imageId><name>{}</name><architecture>{}</architecture>"
      "<imageState>available</imageState><creationDate>{}</creationDate>"
      "<rootDeviceName>/dev/sda1</rootDeviceName></item>",
      id, name, arch, created);
}

inline std::string images_xml(const std::string& items) {
  return "<DescribeImagesResponse><imagesSet>" + items + "</imagesSet></DescribeImagesResponse>";
}

inline std::string offerings_xml(const std::vector<std::pair<std::string, std::string>>& offers,
                                 const std::string& location_type) {
  std::string items;
  for (const auto& [type, where] : offers) {
    items += fmt::format(
        "<item><instanceType>{}</instanceType><locationType>{}</locationType>"
        "<location>{}</location></item>",
        type, location_type, where);
  }
  return "<DescribeInstanceTypeOfferingsResponse><instanceTypeOfferingSet>" + items +
         "</instanceTypeOfferingSet></DescribeInstanceTypeOfferingsResponse>";
}

inline std::string instance_xml(const std::string& root, const std::string& id,
                                const std::string& state, const std::string& zone) {
  std::string item = fmt::format(
      "<item><instanceId>{}</instanceId><instanceType>g4dn.xlarge</instanceType>"
      "<instanceState><code>0</code><name>{}</name></instanceState>"
      "<placement><availabilityZone>{}</availabilityZone></placement>"
      "<ipAddress>54.214.1.2</ipAddress><keyName>gpubox-lab</keyName>"
      "<groupSet><item><groupId>sg-1</groupId><groupName>gpubox-lab</groupName></item></groupSet>"
      "</item>",
      id, state, zone);
  if (root == "RunInstancesResponse") {
    return "<RunInstancesResponse><reservationId>r-1</reservationId><instancesSet>" + item +
           "</instancesSet></RunInstancesResponse>";
  }
  return "<DescribeInstancesResponse><reservationSet><item><reservationId>r-1</reservationId>"
         "<instancesSet>" +
         item +
         "</instancesSet></item></reservationSet>"
         "</DescribeInstancesResponse>";
}

inline std::string empty_instances_xml() {
  return "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>";
}

}  // namespace gpubox::box::up_testing
