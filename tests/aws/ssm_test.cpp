#include "aws/ssm.hpp"

#include <gtest/gtest.h>

#include "aws/aws_fixtures.hpp"
#include "aws/xml.hpp"
#include "core/iso8601.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_http_client.hpp"

namespace gpubox::aws {
namespace {

using testing::aws_json_fixture;

TEST(Ssm, BuildersWriteTypedJson) {
  EXPECT_EQ(build_get_parameter({"/a/b", true}),
            (nlohmann::json{{"Name", "/a/b"}, {"WithDecryption", true}}));
  GetParametersByPathInput in;
  in.path = "/aws/service/deeplearning/ami/x86_64/";
  in.recursive = true;
  in.max_results = 10;
  in.next_token = "3";
  const nlohmann::json body = build_get_parameters_by_path(in);
  EXPECT_EQ(body,
            (nlohmann::json{
                {"Path", in.path}, {"Recursive", true}, {"MaxResults", 10}, {"NextToken", "3"}}));
  EXPECT_TRUE(body["MaxResults"].is_number_integer());
}

TEST(Ssm, ParsesGetParameter) {
  auto p = parse_get_parameter(aws_json_fixture("ssm/get_parameter.json"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->value, "ami-0ed094fb1304fd857");
  EXPECT_EQ(p->type, "String");
  EXPECT_EQ(p->version, 161);
  ASSERT_TRUE(p->last_modified.has_value());
  EXPECT_EQ(format_iso8601(*p->last_modified).substr(0, 4), "2026");
  EXPECT_FALSE(parse_get_parameter(nlohmann::json::object()));
}

TEST(Ssm, ParsesPagesAndEmptyPaths) {
  auto page = parse_get_parameters_by_path(aws_json_fixture("ssm/get_parameters_by_path.json"));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->parameters.size(), 2u);
  EXPECT_EQ(page->next_token, "2");
  EXPECT_TRUE(page->parameters[0].name.ends_with("/latest/ami-id"));
  auto empty =
      parse_get_parameters_by_path(aws_json_fixture("ssm/get_parameters_by_path_empty.json"));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->parameters.empty());
  EXPECT_TRUE(empty->next_token.empty());
}

TEST(Ssm, GetParametersByPathFollowsNextToken) {
  testing::FakeHttpClient http;
  testing::FakeClock clock;
  StaticCredentialProvider creds(Credentials{"AKID", "secret", "", {}, "test"});
  Settings settings;
  AwsClient client(ClientDeps{http, clock, creds, settings}, [] { return 0.5; });
  http.respond("GetParametersByPath", 200,
               aws_json_fixture("ssm/get_parameters_by_path.json").dump());
  http.respond("GetParametersByPath", 200,
               R"({"Parameters":[{"Name":"/x/latest/ami-id","Value":"ami-3"}]})");
  auto all = get_parameters_by_path(client, "us-east-1", {"/x/", true, std::nullopt, 2, ""});
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->parameters.size(), 3u);
  EXPECT_EQ(all->parameters[2].value, "ami-3");
  EXPECT_TRUE(all->next_token.empty());
  const auto requests = http.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(requests[1].body).value("NextToken", ""), "2");
  EXPECT_FALSE(nlohmann::json::parse(requests[0].body).contains("NextToken"));
}

}  // namespace
}  // namespace gpubox::aws
