// The ordered mode of FakeHttpClient is what proves call order (down deletes the security group
// only after the instance is terminated), so its own rules are tested here.

#include "fakes/fake_http_client.hpp"

#include <gtest/gtest.h>

namespace gpubox::testing {
namespace {

aws::HttpRequest query(const std::string& body) {
  aws::HttpRequest r;
  r.method = "POST";
  r.url = "https://ec2.us-east-1.amazonaws.com/";
  r.body = body;
  return r;
}

TEST(FakeHttpClientOrdered, AcceptsRequestsInTheExpectedOrderWithTheirParameters) {
  FakeHttpClient http;
  http.expect("TerminateInstances", {{"InstanceId.1", "i-1"}}, 200, "<ok/>");
  http.expect("DeleteSecurityGroup", {{"GroupId", "sg-1"}}, 200, "<ok/>");
  EXPECT_TRUE(http.send(query("Action=TerminateInstances&InstanceId.1=i-1")));
  EXPECT_TRUE(http.send(query("Action=DeleteSecurityGroup&GroupId=sg-1")));
  EXPECT_TRUE(http.verify());
}

TEST(FakeHttpClientOrdered, RefusesARequestThatComesTooEarly) {
  FakeHttpClient http;
  http.expect("TerminateInstances", {}, 200, "<ok/>");
  http.expect("DeleteSecurityGroup", {}, 200, "<ok/>");
  EXPECT_FALSE(http.send(query("Action=DeleteSecurityGroup&GroupId=sg-1")));
  const auto verdict = http.verify();
  EXPECT_FALSE(verdict);
  EXPECT_NE(std::string(verdict.message()).find("expected"), std::string::npos);
}

TEST(FakeHttpClientOrdered, RefusesTheRightCallWithOtherParameters) {
  FakeHttpClient http;
  http.expect("DeleteSecurityGroup", {{"GroupId", "sg-1"}}, 200, "<ok/>");
  EXPECT_FALSE(http.send(query("Action=DeleteSecurityGroup&GroupId=sg-2")));
  EXPECT_FALSE(http.verify());
}

TEST(FakeHttpClientOrdered, ReportsAnExpectationNeverUsed) {
  FakeHttpClient http;
  http.expect("TerminateInstances", {}, 200, "<ok/>");
  http.expect("DeleteVolume", {}, 200, "<ok/>");
  EXPECT_TRUE(http.send(query("Action=TerminateInstances")));
  const auto verdict = http.verify();
  EXPECT_FALSE(verdict);
  EXPECT_NE(std::string(verdict.message()).find("never used"), std::string::npos);
}

TEST(FakeHttpClientOrdered, CallsOfOneStepMayArriveInAnyOrderButNotBeforeTheStepBefore) {
  FakeHttpClient http;
  http.expect("TerminateInstances", {}, 200, "<ok/>");
  http.expect_together("DeleteKeyPair", {}, 200, "<ok/>");
  http.expect("DeleteSecurityGroup", {}, 200, "<ok/>");
  EXPECT_TRUE(http.send(query("Action=DeleteKeyPair")));       // the step's second call first
  EXPECT_TRUE(http.send(query("Action=TerminateInstances")));  // then its first
  EXPECT_TRUE(http.send(query("Action=DeleteSecurityGroup")));
  EXPECT_TRUE(http.verify());

  FakeHttpClient early;
  early.expect("TerminateInstances", {}, 200, "<ok/>");
  early.expect_together("DeleteKeyPair", {}, 200, "<ok/>");
  early.expect("DeleteSecurityGroup", {}, 200, "<ok/>");
  EXPECT_TRUE(early.send(query("Action=TerminateInstances")));
  EXPECT_FALSE(early.send(query("Action=DeleteSecurityGroup")));  // DeleteKeyPair is still due
  EXPECT_FALSE(early.verify());
}

TEST(FakeHttpClientOrdered, RepeatedCallsOfAStepGetTheirRepliesInOrder) {
  FakeHttpClient http;
  http.expect("DeleteSecurityGroup", {}, 400, "<DependencyViolation/>");
  http.expect_together("DeleteSecurityGroup", {}, 200, "<ok/>");
  auto first = http.send(query("Action=DeleteSecurityGroup"));
  auto second = http.send(query("Action=DeleteSecurityGroup"));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 400);
  EXPECT_EQ(second->status, 200);
  EXPECT_TRUE(http.verify());
}

}  // namespace
}  // namespace gpubox::testing
