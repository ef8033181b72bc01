#include "box/launch/quota.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "aws/xml.hpp"
#include "core/paths.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_http_client.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::box {
namespace {

using testing::FakeClock;
using testing::FakeHttpClient;

struct Harness {
  Harness() {
    settings.region = "us-east-1";
    client = std::make_unique<aws::AwsClient>(aws::ClientDeps{http, clock, creds, settings},
                                              [] { return 0.0; });
  }
  FakeHttpClient http;
  FakeClock clock;
  aws::StaticCredentialProvider creds{aws::Credentials{"AKID", "SECRET", "", {}, "test"}};
  aws::Settings settings;
  std::unique_ptr<aws::AwsClient> client;
};

std::string quota_json(const std::string& code, const std::string& name, double value) {
  return fmt::format(R"({{"QuotaCode":"{}","QuotaName":"{}","Value":{},"ServiceCode":"ec2"}})",
                     code, name, value);
}

std::string list_quotas(double g_on_demand, double g_spot) {
  return R"({"Quotas":[)" +
         quota_json("L-1216C47A",
                    "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", 5) +
         "," + quota_json("L-DB2E81BA", "Running On-Demand G and VT instances", g_on_demand) + "," +
         quota_json("L-3819A6DF", "All G and VT Spot Instance Requests", g_spot) + "]}";
}

// A DescribeInstances reply with one instance per (type, lifecycle) pair.
std::string instances_xml(const std::vector<std::pair<std::string, std::string>>& instances) {
  std::string items;
  int n = 0;
  for (const auto& [type, lifecycle] : instances) {
    items += fmt::format(
        "<item><reservationId>r-{0}</reservationId><instancesSet><item><instanceId>i-{0}"
        "</instanceId><instanceType>{1}</instanceType><instanceState><code>16</code><name>running"
        "</name></instanceState>{2}</item></instancesSet></item>",
        n++, type,
        lifecycle.empty() ? "" : "<instanceLifecycle>" + lifecycle + "</instanceLifecycle>");
  }
  return "<DescribeInstancesResponse><reservationSet>" + items +
         "</reservationSet></DescribeInstancesResponse>";
}

TEST(QuotaNames, FamiliesMapToTheDocumentedQuotaNames) {
  EXPECT_EQ(quota_name_for("g4dn.xlarge", false), "Running On-Demand G and VT instances");
  EXPECT_EQ(quota_name_for("g6e.xlarge", true), "All G and VT Spot Instance Requests");
  EXPECT_EQ(quota_name_for("vt1.3xlarge", true), "All G and VT Spot Instance Requests");
  EXPECT_EQ(quota_name_for("p4d.24xlarge", false), "Running On-Demand P instances");
  EXPECT_EQ(quota_name_for("p5.48xlarge", false), "Running On-Demand P instances");
  EXPECT_EQ(quota_name_for("p4d.24xlarge", true), "All P4, P3 and P2 Spot Instance Requests");
  EXPECT_EQ(quota_name_for("p5en.48xlarge", true), "All P5 Spot Instance Requests");
  EXPECT_EQ(quota_name_for("inf2.xlarge", false), "Running On-Demand Inf instances");
  EXPECT_EQ(quota_name_for("trn1.2xlarge", false), "Running On-Demand Trn instances");
  EXPECT_EQ(quota_name_for("trn1.2xlarge", true), "All Trn Spot Instance Requests");
  EXPECT_TRUE(quota_name_matches("Running On-Demand Trainium instances",
                                 "Running On-Demand Trn instances"));
  EXPECT_EQ(quota_name_for("dl1.24xlarge", true), "All DL Spot Instance Requests");
  EXPECT_EQ(quota_name_for("m5.large", false),
            "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances");
  EXPECT_EQ(quota_name_for("d3en.xlarge", true),
            "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests");
  EXPECT_FALSE(quota_name_for("mac1.metal", false));
  EXPECT_TRUE(quota_name_matches("All P Spot Instance Requests",
                                 "All P4, P3 and P2 Spot Instance Requests"));
  EXPECT_FALSE(quota_name_matches("All P5 Spot Instance Requests",
                                  "All P4, P3 and P2 Spot Instance Requests"));
}

TEST(QuotaCheck, CountsOnlyInstancesUnderTheSameQuotaAndMarket) {
  Harness h;
  h.http.respond("ListServiceQuotas", 200, list_quotas(16, 8));
  // 4 (g4dn.xlarge) + 8 (g5.2xlarge) on-demand G; the spot g4dn and the m5 do not count.
  h.http.respond(
      "DescribeInstances", 200,
      instances_xml(
          {{"g4dn.xlarge", ""}, {"g5.2xlarge", ""}, {"g4dn.xlarge", "spot"}, {"m5.large", ""}}));
  h.http.respond("DescribeInstanceTypes", 200,
                 "<DescribeInstanceTypesResponse><instanceTypeSet><item><instanceType>g5.2xlarge"
                 "</instanceType><vCpuInfo><defaultVCpus>8</defaultVCpus></vCpuInfo></item>"
                 "</instanceTypeSet></DescribeInstanceTypesResponse>");
  QuotaDeps deps;
  deps.vcpus_of = [](std::string_view t) -> std::optional<int> {
    return t == "m5.large" ? std::optional<int>(2) : std::nullopt;
  };
  auto c = check_quota(*h.client, deps, "us-east-1", "g4dn.xlarge", 4, false, 1);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->quota_code, "L-DB2E81BA");
  EXPECT_DOUBLE_EQ(c->quota_vcpus, 16);
  EXPECT_EQ(c->used_vcpus, 12);
  EXPECT_EQ(c->needed_vcpus, 4);
  EXPECT_TRUE(c->fits);
  EXPECT_TRUE(h.http.unused().empty());
}

TEST(QuotaCheck, RegionQuotasShareOneListingAndReportBothMarkets) {
  Harness h;
  h.http.respond("ListServiceQuotas", 200, list_quotas(0, 8));
  h.http.respond("DescribeInstances", 200, instances_xml({{"g4dn.xlarge", "spot"}}));
  auto r = check_region_quotas(*h.client, QuotaDeps{}, "eu-west-1", "g4dn.xlarge", 4, 1);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->on_demand->fits);
  EXPECT_EQ(r->on_demand->used_vcpus, 0);
  EXPECT_EQ(r->spot->quota_code, "L-3819A6DF");
  EXPECT_EQ(r->spot->used_vcpus, 4);
  EXPECT_TRUE(r->spot->fits);
  EXPECT_EQ(h.http.requests().size(), 2u);
  EXPECT_EQ(quota_request_command(*r->on_demand, 2),
            "gpubox quota request --type g4dn.xlarge --region eu-west-1 --count 2");
  EXPECT_EQ(quota_request_command(*r->spot),
            "gpubox quota request --type g4dn.xlarge --region eu-west-1 --count 1 --spot");
}

TEST(QuotaCheck, CachedCodesSkipTheListingUntilTheTtlExpires) {
  testing::ScopedTempDir dir;
  Harness h;
  QuotaCodeCache cache(dir.path() / "quota_codes.json", h.clock, std::chrono::hours(1));
  QuotaDeps deps{&cache, {}};
  h.http.respond("ListServiceQuotas", 200, list_quotas(8, 8));
  h.http.respond("DescribeInstances", 200, instances_xml({}));
  ASSERT_TRUE(check_quota(*h.client, deps, "us-east-1", "g5.xlarge", 4, false));
  // A second cache object reads the file the first one wrote.
  QuotaCodeCache reread(dir.path() / "quota_codes.json", h.clock, std::chrono::hours(1));
  EXPECT_EQ(reread.code_for("us-east-1", "Running On-Demand G and VT instances"), "L-DB2E81BA");
  EXPECT_FALSE(reread.code_for("us-west-2", "Running On-Demand G and VT instances"));
  h.http.respond(
      "GetServiceQuota", 200,
      R"({"Quota":)" + quota_json("L-DB2E81BA", "Running On-Demand G and VT instances", 32) + "}");
  h.http.respond("DescribeInstances", 200, instances_xml({}));
  auto c = check_quota(*h.client, deps, "us-east-1", "g5.xlarge", 4, false);
  ASSERT_TRUE(c);
  EXPECT_DOUBLE_EQ(c->quota_vcpus, 32);
  h.clock.advance(std::chrono::hours(2));
  EXPECT_FALSE(cache.code_for("us-east-1", "Running On-Demand G and VT instances"));
  EXPECT_TRUE(h.http.unused().empty());
}

TEST(QuotaCheck, FailingRegionCarriesItsErrorWhileOthersAnswer) {
  Harness h;
  h.http.add({"", "servicequotas.eu-west-1.amazonaws.com", "ListServiceQuotas"},
             aws::HttpResponse{403, {}, R"({"__type":"AccessDeniedException","message":"no"})"});
  h.http.add({"", "servicequotas.us-east-1.amazonaws.com", "ListServiceQuotas"},
             aws::HttpResponse{200, {}, list_quotas(8, 0)});
  h.http.add({"", "ec2.us-east-1.amazonaws.com", "DescribeInstances"},
             aws::HttpResponse{200, {}, instances_xml({})});
  auto rows =
      check_quotas_in_regions(*h.client, QuotaDeps{}, {"eu-west-1", "us-east-1"}, "g4dn.xlarge", 4);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].region, "eu-west-1");
  ASSERT_TRUE(rows[0].error);
  EXPECT_EQ(rows[0].error->aws_code, "AccessDeniedException");
  ASSERT_FALSE(rows[1].error);
  EXPECT_TRUE(rows[1].on_demand->fits);
  EXPECT_FALSE(rows[1].spot->fits);
}

TEST(QuotaCheck, ARegionWithoutAppliedValuesUsesTheAwsDefaults) {
  testing::ScopedTempDir dir;
  Harness h;
  QuotaCodeCache cache(dir.path() / "quota_codes.json", h.clock);
  QuotaDeps deps{&cache, {}};
  h.http.respond("ListServiceQuotas", 400,
                 R"({"__type":"NoSuchResourceException","message":"no applied quotas"})");
  h.http.respond("ListAWSDefaultServiceQuotas", 200, list_quotas(16, 0));
  h.http.respond("DescribeInstances", 200, instances_xml({}));
  auto r = check_region_quotas(*h.client, deps, "ca-central-1", "g4dn.xlarge", 4, 1);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->on_demand->from_default);
  EXPECT_DOUBLE_EQ(r->on_demand->quota_vcpus, 16);
  EXPECT_TRUE(r->on_demand->fits);
  EXPECT_TRUE(r->spot->from_default);
  EXPECT_FALSE(r->spot->fits);
  // Next time the cached codes are asked for one by one; still no applied value, so the default.
  h.http.respond("GetServiceQuota", 400,
                 R"({"__type":"NoSuchResourceException","message":"no applied quota"})");
  h.http.respond(
      "GetAWSDefaultServiceQuota", 200,
      R"({"Quota":)" + quota_json("L-DB2E81BA", "Running On-Demand G and VT instances", 16) + "}");
  h.http.respond("DescribeInstances", 200, instances_xml({}));
  auto c = check_quota(*h.client, deps, "ca-central-1", "g4dn.xlarge", 4, false);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->from_default);
  EXPECT_EQ(c->quota_code, "L-DB2E81BA");
  EXPECT_TRUE(h.http.unused().empty());
}

TEST(QuotaCheck, AQuotaMissingFromTheAppliedListComesFromTheDefaults) {
  Harness h;
  h.http.respond(
      "ListServiceQuotas", 200,
      R"({"Quotas":[)" + quota_json("L-3819A6DF", "All G and VT Spot Instance Requests", 8) + "]}");
  h.http.respond("ListAWSDefaultServiceQuotas", 200, list_quotas(0, 0));
  h.http.respond("DescribeInstances", 200, instances_xml({}));
  auto r = check_region_quotas(*h.client, QuotaDeps{}, "eu-west-2", "g4dn.xlarge", 4, 1);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->on_demand->from_default);
  EXPECT_FALSE(r->on_demand->fits);
  EXPECT_FALSE(r->spot->from_default);
  EXPECT_DOUBLE_EQ(r->spot->quota_vcpus, 8);
}

TEST(QuotaCheck, AccessDeniedNamesTheMissingPermissions) {
  Harness h;
  h.http.respond("ListServiceQuotas", 400,
                 R"({"__type":"AccessDeniedException","message":"not authorized"})");
  h.http.respond("DescribeInstances", 200, instances_xml({}));
  auto r = check_quota(*h.client, QuotaDeps{}, "us-east-1", "g4dn.xlarge", 4, false);
  ASSERT_FALSE(r);
  EXPECT_TRUE(is_quota_access_denied(r.error()));
  EXPECT_NE(r.error().message.find("servicequotas:GetServiceQuota"), std::string::npos)
      << r.error().message;
  const QuotaCheck unknown = unknown_quota_check("us-east-1", "g4dn.xlarge", false, 4);
  EXPECT_TRUE(unknown.unknown);
  EXPECT_TRUE(unknown.fits);
  EXPECT_EQ(unknown.quota_name, "Running On-Demand G and VT instances");
  EXPECT_EQ(quota_request_command(unknown),
            "gpubox quota request --type g4dn.xlarge --region us-east-1 --count 1");
}

TEST(QuotaRequest, TooManyOpenRequestsGetTheirOwnMessage) {
  Harness h;
  h.http.respond("ListServiceQuotas", 200, list_quotas(0, 0));
  h.http.respond("DescribeInstances", 200, instances_xml({}));
  h.http.respond("RequestServiceQuotaIncrease", 400,
                 R"({"__type":"QuotaExceededException","message":"You have exceeded your quota"})");
  auto r = request_quota_increase(*h.client, QuotaDeps{}, "us-east-1", "g4dn.xlarge", 4, false, 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::quota);
  EXPECT_NE(r.error().message.find("too many open quota increase requests in us-east-1"),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().hint.find("gpubox quota requests"), std::string::npos);
}

TEST(QuotaRequest, AsksForCurrentUsePlusTheNewInstances) {
  Harness h;
  h.http.respond("ListServiceQuotas", 200, list_quotas(8, 0));
  h.http.respond("DescribeInstances", 200, instances_xml({{"g4dn.2xlarge", ""}}));
  h.http.respond("DescribeInstanceTypes", 200,
                 "<DescribeInstanceTypesResponse><instanceTypeSet><item><instanceType>g4dn.2xlarge"
                 "</instanceType><vCpuInfo><defaultVCpus>8</defaultVCpus></vCpuInfo></item>"
                 "</instanceTypeSet></DescribeInstanceTypesResponse>");
  h.http.respond("RequestServiceQuotaIncrease", 200,
                 R"({"RequestedQuota":{"Id":"req-1","CaseId":"case-9","Status":"PENDING",)"
                 R"("QuotaCode":"L-DB2E81BA","DesiredValue":16.0}})");
  auto r = request_quota_increase(*h.client, QuotaDeps{}, "us-east-1", "g4dn.xlarge", 4, false, 2);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_DOUBLE_EQ(r->desired_vcpus, 16);  // 8 in use + 2 x 4
  ASSERT_TRUE(r->request);
  EXPECT_EQ(r->request->case_id, "case-9");
  auto body = nlohmann::json::parse(h.http.requests().back().body);
  EXPECT_EQ(body["QuotaCode"], "L-DB2E81BA");
  EXPECT_DOUBLE_EQ(body["DesiredValue"].get<double>(), 16.0);
}

TEST(QuotaRequest, ReportsAnOpenRequestInsteadOfFailing) {
  Harness h;
  h.http.respond("ListServiceQuotas", 200, list_quotas(0, 0));
  h.http.respond("DescribeInstances", 200, instances_xml({}));
  h.http.respond("RequestServiceQuotaIncrease", 400,
                 R"({"__type":"ResourceAlreadyExistsException","message":"open"})");
  h.http.respond("ListRequestedServiceQuotaChangeHistory", 200,
                 R"({"RequestedQuotas":[)"
                 R"({"Id":"old","QuotaCode":"L-DB2E81BA","Status":"DENIED","Created":100},)"
                 R"({"Id":"open","QuotaCode":"L-DB2E81BA","Status":"PENDING","Created":200}]})");
  auto r = request_quota_increase(*h.client, QuotaDeps{}, "us-east-1", "g4dn.xlarge", 4, false, 1);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->already_open);
  ASSERT_TRUE(r->request);
  EXPECT_EQ(r->request->id, "open");
}

TEST(QuotaRequest, SendsNothingWhenTheQuotaAlreadyFits) {
  Harness h;
  h.http.respond("ListServiceQuotas", 200, list_quotas(64, 0));
  h.http.respond("DescribeInstances", 200, instances_xml({}));
  auto r = request_quota_increase(*h.client, QuotaDeps{}, "us-east-1", "g4dn.xlarge", 4, false, 1);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->already_enough);
  EXPECT_FALSE(r->request);
  EXPECT_EQ(h.http.requests().size(), 2u);
}

TEST(QuotaRequest, HistoryIsNewestFirst) {
  Harness h;
  h.http.respond("ListRequestedServiceQuotaChangeHistory", 200,
                 R"({"RequestedQuotas":[{"Id":"a","Created":100},{"Id":"b","Created":300},)"
                 R"({"Id":"c","Created":200}]})");
  auto r = quota_request_history(*h.client, "us-east-1");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].id, "b");
  EXPECT_EQ((*r)[1].id, "c");
  EXPECT_EQ((*r)[2].id, "a");
}

TEST(ResolveQuotaType, TakesVcpusFromTheCatalogThenFromAws) {
  Harness h;
  auto cat = catalog::load_embedded();
  ASSERT_TRUE(cat) << cat.error().message;
  auto known = resolve_quota_type(*h.client, *cat, "us-east-1", "g4dn.xlarge", "");
  ASSERT_TRUE(known) << known.error().message;
  EXPECT_EQ(known->instance_type, "g4dn.xlarge");
  EXPECT_EQ(known->vcpus, 4);
  EXPECT_TRUE(h.http.requests().empty());
  h.http.respond("DescribeInstanceTypes", 200,
                 "<DescribeInstanceTypesResponse><instanceTypeSet><item><instanceType>t3.micro"
                 "</instanceType><vCpuInfo><defaultVCpus>2</defaultVCpus></vCpuInfo>"
                 "<memoryInfo><sizeInMiB>1024</sizeInMiB></memoryInfo></item></instanceTypeSet>"
                 "</DescribeInstanceTypesResponse>");
  auto asked = resolve_quota_type(*h.client, *cat, "us-east-1", "t3.micro", "");
  ASSERT_TRUE(asked) << asked.error().message;
  EXPECT_EQ(asked->vcpus, 2);
  EXPECT_NE(h.http.requests().at(0).body.find("InstanceType.1=t3.micro"), std::string::npos);
}

TEST(ResolveQuotaType, AGpuPicksTheCheapestTypeWithItAndNothingIsAnError) {
  Harness h;
  auto cat = catalog::load_embedded();
  ASSERT_TRUE(cat);
  auto t4 = resolve_quota_type(*h.client, *cat, "us-east-1", "", "T4");
  ASSERT_TRUE(t4) << t4.error().message;
  EXPECT_TRUE(t4->instance_type.starts_with("g4dn.")) << t4->instance_type;
  EXPECT_GT(t4->vcpus, 0);
  auto none = resolve_quota_type(*h.client, *cat, "us-east-1", "", "");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, ErrorKind::invalid_input);
  h.http.respond(
      "DescribeInstanceTypes", 200,
      "<DescribeInstanceTypesResponse><instanceTypeSet/></DescribeInstanceTypesResponse>");
  auto unknown = resolve_quota_type(*h.client, *cat, "us-east-1", "x9.huge", "");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "unknown instance type x9.huge");
}

}  // namespace
}  // namespace gpubox::box
