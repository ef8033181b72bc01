// gpubox's signer against botocore: the golden vectors of aws-reference.md §1.6 (botocore 1.43.11
// outputs), and a differential run over randomized requests that botocore signs live
// (tests/support/botocore_sign.py).
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aws/sigv4.hpp"

namespace gpubox::aws {
namespace {

using namespace std::chrono_literals;

constexpr int k_differential_cases = 400;
constexpr std::string_view k_form = "application/x-www-form-urlencoded; charset=utf-8";
constexpr std::string_view k_json = "application/x-amz-json-1.1";

Credentials example_credentials(std::string token = "") {
  Credentials creds;
  creds.access_key_id = "AKIDEXAMPLE";
  creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  creds.session_token = std::move(token);
  return creds;
}

SigningParams example_params(std::string region, std::string service) {
  SigningParams params;
  params.region = std::move(region);
  params.service = std::move(service);
  params.time = std::chrono::sys_days{std::chrono::year(2015) / 8 / 30} + 12h + 36min;
  return params;
}

std::string signature_of(const SigningResult& result) { return result.signature; }

// A query-protocol POST (EC2, STS) as botocore sends it: form body, Content-Type, host from URL.
SigningResult sign_form(const std::string& url, const std::string& body, const std::string& region,
                        const std::string& service, const std::string& token = "") {
  HttpRequest request{"POST", url, {{"Content-Type", std::string(k_form)}}, body};
  return sign(request, example_credentials(token), example_params(region, service));
}

// A JSON 1.1 POST (SSM, Service Quotas, Pricing): X-Amz-Target names the operation.
SigningResult sign_json(const std::string& url, const std::string& target, const std::string& body,
                        const std::string& service) {
  HttpRequest request{
      "POST", url, {{"X-Amz-Target", target}, {"Content-Type", std::string(k_json)}}, body};
  return sign(request, example_credentials(), example_params("us-east-1", service));
}

TEST(Sigv4Botocore, Ec2GetQueryGoldenVector) {
  HttpRequest request{"GET",
                      "https://ec2.us-east-1.amazonaws.com/"
                      "?Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3AName"
                      "&Filter.1.Value.1=a%20b%2A",
                      {},
                      ""};
  const SigningResult result =
      sign(request, example_credentials(), example_params("us-east-1", "ec2"));
  EXPECT_EQ(result.canonical_request,
            "GET\n/\nAction=DescribeInstances&Filter.1.Name=tag%3AName&Filter.1.Value.1=a%20b%2A"
            "&Version=2016-11-15\nhost:ec2.us-east-1.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(result.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/ec2/aws4_request\n"
            "ced39c6c671b3ca5212cdef849058a5a8a28282c589d2c7cb77e523cc23e3253");
  EXPECT_EQ(result.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=39e5271aabd55e15c6532c97ca07db63a2bc8b573dd9824425739200497fb5e2");
}

TEST(Sigv4Botocore, SsmJsonGoldenVector) {
  const SigningResult result = sign_json(
      "https://ssm.us-east-1.amazonaws.com/", "AmazonSSM.GetParameter",
      R"({"Name": "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id"})",
      "ssm");
  EXPECT_EQ(result.canonical_request,
            "POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:ssm.us-east-1.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\nx-amz-target:AmazonSSM.GetParameter\n\n"
            "content-type;host;x-amz-date;x-amz-target\n"
            "2b3dca8339b1eeac2916b8ad8c721006899f6ed2073f9809c7ef724460f9e7eb");
  EXPECT_TRUE(result.string_to_sign.ends_with(
      "c4d6c9e50d1dcbacb89b3f67ddbc7c2ce11409f5454564697fb7dba665c6596c"));
  EXPECT_EQ(result.signature, "28d74263c2fb2241d3d386b8741a1cb45686832c5b1ba7e848fe05a217645d15");
}

TEST(Sigv4Botocore, StsWithSessionTokenGoldenVector) {
  const SigningResult result = sign_form("https://sts.us-east-1.amazonaws.com/",
                                         "Action=GetCallerIdentity&Version=2011-06-15", "us-east-1",
                                         "sts", "FQoGZXIvYXdzEXAMPLETOKEN");
  EXPECT_EQ(result.canonical_request,
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\n"
            "host:sts.us-east-1.amazonaws.com\nx-amz-date:20150830T123600Z\n"
            "x-amz-security-token:FQoGZXIvYXdzEXAMPLETOKEN\n\n"
            "content-type;host;x-amz-date;x-amz-security-token\n"
            "ab821ae955788b0e33ebd34c208442ccfc2d406e2edc5e7a39bd6458fbb4f843");
  EXPECT_EQ(result.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
            "Signature=03a83c9fb767bcf05d67f60e6a25b718d99c7169aa0e2fa95105758998c4d3dd");
}

TEST(Sigv4Botocore, Ec2ClientRequestGoldenVectors) {
  const std::string ec2 = "https://ec2.us-east-1.amazonaws.com/";
  EXPECT_EQ(
      signature_of(sign_form(ec2, "Action=DescribeRegions&Version=2016-11-15", "us-east-1", "ec2")),
      "0961b80cfe2d492b65901a9220582465d0ed2094d2964a79fe0e9fdd612541ab");
  EXPECT_EQ(
      signature_of(sign_form(
          "https://ec2.us-west-2.amazonaws.com/",
          "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-0123456789abcdef0&Filter.1."
          "Name=instance-state-name&Filter.1.Value.1=pending&Filter.1.Value.2=running&Filter.2."
          "Name=tag%3Agpubox&Filter.2.Value.1=true",
          "us-west-2", "ec2")),
      "5bfa288d3ddb5bcc30eee204d14d94f710a2bc3093dec85f04863d3c0cddb986");
  EXPECT_EQ(
      signature_of(sign_form(
          ec2,
          "Action=RunInstances&Version=2016-11-15&ImageId=ami-0123456789abcdef0&InstanceType=g5."
          "xlarge&MinCount=1&MaxCount=1&KeyName=gpubox&SecurityGroupId.1=sg-0123456789abcdef0&"
          "SubnetId=subnet-0123456789abcdef0&ClientToken=gpubox-7f3c2a10-0000-4000-8000-"
          "000000000001&DryRun=true&InstanceInitiatedShutdownBehavior=terminate&"
          "BlockDeviceMapping.1.DeviceName=%2Fdev%2Fsda1&BlockDeviceMapping.1.Ebs.VolumeSize=200&"
          "BlockDeviceMapping.1.Ebs.VolumeType=gp3&BlockDeviceMapping.1.Ebs.DeleteOnTermination="
          "true&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name&"
          "TagSpecification.1.Tag.1.Value=gpubox-1&TagSpecification.1.Tag.2.Key=gpubox&"
          "TagSpecification.1.Tag.2.Value=true&TagSpecification.2.ResourceType=volume&"
          "TagSpecification.2.Tag.1.Key=gpubox&TagSpecification.2.Tag.1.Value=true&"
          "MetadataOptions.HttpTokens=required&MetadataOptions.HttpEndpoint=enabled&"
          "MetadataOptions.HttpPutResponseHopLimit=2&InstanceMarketOptions.MarketType=spot&"
          "InstanceMarketOptions.SpotOptions.SpotInstanceType=one-time&InstanceMarketOptions."
          "SpotOptions.InstanceInterruptionBehavior=terminate&UserData="
          "IyEvYmluL2Jhc2gKZWNobyBoaQo%3D",
          "us-east-1", "ec2")),
      "11e811aa5e2f135841c6f6addad04f49fefd5dc612065ecaf51d48eae950c711");
}

TEST(Sigv4Botocore, MoreEc2ClientRequestGoldenVectors) {
  const std::string ec2 = "https://ec2.us-east-1.amazonaws.com/";
  const std::pair<std::string, std::string> cases[] = {
      {"Action=TerminateInstances&Version=2016-11-15&InstanceId.1=i-0123456789abcdef0&"
       "InstanceId.2=i-0fedcba9876543210",
       "c87b8002d7036eb0f8e9d2b7666aedfbef657cf63dd94fec9974fd771d0d8e3f"},
      {"Action=DescribeSpotPriceHistory&Version=2016-11-15&InstanceType.1=g5.xlarge&"
       "InstanceType.2=g6.xlarge&ProductDescription.1=Linux%2FUNIX&StartTime=2015-08-30T12%3A00%"
       "3A00Z&MaxResults=100",
       "41c8f96c68fb1391aef0386d75072663d143c4d6f99fe38253f445894352b912"},
      {"Action=DescribeImages&Version=2016-11-15&Owner.1=amazon&Filter.1.Name=name&Filter.1."
       "Value.1=Deep+Learning+OSS+Nvidia+Driver+AMI+GPU+PyTorch%2A&Filter.2.Name=state&Filter.2."
       "Value.1=available",
       "c1a950da0bafa4adca11f1ea35dfdef7aa7fff5232ef50d3857050e749011f2f"},
      {"Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-0123456789abcdef0&"
       "IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22&"
       "IpPermissions.1.IpRanges.1.CidrIp=203.0.113.7%2F32&IpPermissions.1.IpRanges.1."
       "Description=gpubox+ssh",
       "a0e7326d409562587710147a6328f8765e9c0ed299d0017847a48969164c9b36"},
      {"Action=CreateTags&Version=2016-11-15&ResourceId.1=i-0123456789abcdef0&Tag.1.Key=Name&"
       "Tag.1.Value=x+y",
       "cc90fd3263174b5fef2ae5f6a65c87de979d53ad2c5041f62c23ffc6d0681be7"},
      {"Action=DescribeInstanceTypeOfferings&Version=2016-11-15&LocationType=availability-zone&"
       "Filter.1.Name=instance-type&Filter.1.Value.1=p5.48xlarge",
       "1c8fb01a0e8b4a04d42e03a76cc182ecb51e244f9cb1e475d8026826f4657717"},
  };
  for (const auto& [body, signature] : cases) {
    SCOPED_TRACE(body.substr(0, body.find('&')));
    EXPECT_EQ(signature_of(sign_form(ec2, body, "us-east-1", "ec2")), signature);
  }
}

TEST(Sigv4Botocore, ServiceQuotasAndPricingGoldenVectors) {
  const std::string quotas = "https://servicequotas.us-east-1.amazonaws.com/";
  const SigningResult get_quota =
      sign_json(quotas, "ServiceQuotasV20190624.GetServiceQuota",
                R"({"ServiceCode": "ec2", "QuotaCode": "L-DB2E81BA"})", "servicequotas");
  EXPECT_EQ(
      get_quota.authorization,
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/servicequotas/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
      "Signature=dc641d4d9854a203b852dd10fbbc1ac7bb1279b4afcd1ebcd6de304505ed3732");
  EXPECT_EQ(signature_of(sign_json(
                quotas, "ServiceQuotasV20190624.RequestServiceQuotaIncrease",
                R"({"ServiceCode": "ec2", "QuotaCode": "L-DB2E81BA", "DesiredValue": 32.0})",
                "servicequotas")),
            "0014dced61801ee7288fa76b726679b9f80d1109dcac25b7f33a9eea7936efbf");
  // The Pricing host is api.pricing.*, but its signing name is "pricing".
  const SigningResult pricing = sign_json(
      "https://api.pricing.us-east-1.amazonaws.com/", "AWSPriceListService.GetProducts",
      R"({"ServiceCode": "AmazonEC2", "Filters": [{"Type": "TERM_MATCH", "Field": "instanceType", "Value": "g5.xlarge"}, {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"}, {"Type": "TERM_MATCH", "Field": "operatingSystem", "Value": "Linux"}, {"Type": "TERM_MATCH", "Field": "tenancy", "Value": "Shared"}, {"Type": "TERM_MATCH", "Field": "preInstalledSw", "Value": "NA"}, {"Type": "TERM_MATCH", "Field": "capacitystatus", "Value": "Used"}], "MaxResults": 10})",
      "pricing");
  EXPECT_EQ(pricing.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/pricing/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
            "Signature=5f51db7bc9a734c3261a2149e20b4445cafa29424aba154fdaa8b0f65e64d081");
}

// Run the generator and return its JSON lines; fails the test when it cannot run.
std::vector<nlohmann::json> botocore_cases(int seed, int count) {
  const std::string command = "python3 '" + std::string(GPUBOX_SOURCE_DIR) +
                              "/tests/support/botocore_sign.py' --seed " + std::to_string(seed) +
                              " --count " + std::to_string(count);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::vector<nlohmann::json> cases;
  if (!pipe) {
    ADD_FAILURE() << "cannot run: " << command;
    return cases;
  }
  std::string line;
  for (int c = std::fgetc(pipe.get()); c != EOF; c = std::fgetc(pipe.get())) {
    if (c != '\n') {
      line += static_cast<char>(c);
      continue;
    }
    cases.push_back(nlohmann::json::parse(line));
    line.clear();
  }
  EXPECT_EQ(pclose(pipe.release()), 0) << command;
  return cases;
}

HttpRequest request_from(const nlohmann::json& c) {
  HttpRequest request;
  request.method = c["method"];
  request.url = c["url"];
  for (const auto& header : c["headers"]) {
    request.headers.emplace_back(header[0], header[1]);
  }
  request.body = c["body"];
  return request;
}

TEST(Sigv4Botocore, AuthorizationIsByteIdenticalToBotocoreOnRandomRequests) {
  const std::vector<nlohmann::json> cases = botocore_cases(20150830, k_differential_cases);
  ASSERT_EQ(cases.size(), static_cast<size_t>(k_differential_cases));
  int matched = 0;
  for (const auto& c : cases) {
    HttpRequest request = request_from(c);
    Credentials creds;
    creds.access_key_id = c["access_key"];
    creds.secret_access_key = c["secret_key"];
    creds.session_token = c["token"];
    SigningParams params;
    params.region = c["region"];
    params.service = c["service"];
    params.time =
        std::chrono::system_clock::time_point(std::chrono::seconds(c["time"].get<long>()));
    const SigningResult result = sign(request, creds, params);
    EXPECT_EQ(result.canonical_request, c["canonical_request"].get<std::string>()) << c.dump();
    EXPECT_EQ(result.authorization, c["authorization"].get<std::string>()) << c.dump();
    matched += result.authorization == c["authorization"].get<std::string>() ? 1 : 0;
  }
  EXPECT_EQ(matched, k_differential_cases);
}

}  // namespace
}  // namespace gpubox::aws
