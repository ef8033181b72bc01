#include "catalog/catalog.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "catalog/catalog_data.hpp"
#include "core/crypto.hpp"
#include "core/strings.hpp"
#include "fakes/temp_dir.hpp"

namespace gpubox::catalog {
namespace {

const std::string k_fixtures = std::string(GPUBOX_SOURCE_DIR) + "/tests/fixtures/catalog/";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Catalog fixture_catalog() {
  auto c = parse_catalog(read_text(k_fixtures + "instances.csv"),
                         read_text(k_fixtures + "coverage.csv"), "instances.csv");
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
  return c ? *c : Catalog{};
}

TEST(CatalogParse, ReadsSpecsOfEveryTypeSortedByName) {
  Catalog c = fixture_catalog();
  ASSERT_EQ(c.types.size(), 10u);
  EXPECT_TRUE(std::is_sorted(c.types.begin(), c.types.end(), [](const auto& a, const auto& b) {
    return a.instance_type < b.instance_type;
  }));
  const InstanceSpec* g5 = c.find_type("g5.xlarge");
  ASSERT_NE(g5, nullptr);
  EXPECT_EQ(g5->gpu, "A10G");
  EXPECT_EQ(g5->gpu_count, 1);
  EXPECT_EQ(g5->gpu_memory_gib, 24);
  EXPECT_EQ(g5->vcpus, 4);
  EXPECT_EQ(g5->memory_gib, 16);
  EXPECT_EQ(g5->arch, "x86_64");
  EXPECT_EQ(c.find_type("g5.3xlarge"), nullptr);
}

TEST(CatalogParse, KeepsFractionalGpuCounts) {
  Catalog c = fixture_catalog();
  ASSERT_NE(c.find_type("g6f.2xlarge"), nullptr);
  EXPECT_DOUBLE_EQ(c.find_type("g6f.2xlarge")->gpu_count, 0.25);
  EXPECT_DOUBLE_EQ(c.find_type("g6f.2xlarge")->gpu_memory_gib, 5.59);
}

TEST(CatalogParse, KeepsCheapestRegularZoneSpotPricePerRegion) {
  Catalog c = fixture_catalog();
  const RegionPrice* p = c.find_price("g4dn.xlarge", "us-east-1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->on_demand_usd, 0.526);
  EXPECT_EQ(p->spot_usd, 0.20);  // the Local Zone's 0.05 needs an opt-in, so use1-az2 wins
  EXPECT_EQ(p->spot_zone_id, "use1-az2");
  EXPECT_EQ(p->zone_ids, (std::vector<std::string>{"use1-atl2-az1", "use1-az1", "use1-az2"}));
}

TEST(CatalogParse, MissingAndUselessPricesAreEmpty) {
  Catalog c = fixture_catalog();
  ASSERT_NE(c.find_price("g5.2xlarge", "us-east-1"), nullptr);
  EXPECT_FALSE(c.find_price("g5.2xlarge", "us-east-1")->spot_usd.has_value());
  const RegionPrice* p5e = c.find_price("p5e.48xlarge", "us-east-1");
  ASSERT_NE(p5e, nullptr);
  EXPECT_FALSE(p5e->on_demand_usd.has_value());
  EXPECT_EQ(p5e->spot_usd, 40.0);
  const RegionPrice* equal = c.find_price("g4dn.2xlarge", "eu-west-1");  // spot == on-demand
  ASSERT_NE(equal, nullptr);
  EXPECT_FALSE(equal->spot_usd.has_value());
  EXPECT_TRUE(equal->spot_zone_id.empty());
}

TEST(CatalogParse, ReadsSnapshotHeaderAndCoverage) {
  Catalog c = fixture_catalog();
  EXPECT_EQ(c.snapshot.generated_at, "2025-10-01T00:00:00Z");
  EXPECT_EQ(c.snapshot.source, "gpubox test fixture");
  EXPECT_FALSE(c.find_type("g4dn.2xlarge")->complete);
  EXPECT_TRUE(c.find_type("g4dn.xlarge")->complete);
  EXPECT_EQ(c.find_type("g5g.xlarge")->arch, "arm64");
  EXPECT_EQ(c.regions(), (std::vector<std::string>{"eu-west-1", "us-east-1", "us-west-2"}));
}

TEST(CatalogParse, InfersArchWithoutCoverage) {
  auto c = load_file(k_fixtures + "instances.csv");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->find_type("g5g.xlarge")->arch, "arm64");
  EXPECT_EQ(c->find_type("g4dn.xlarge")->arch, "x86_64");
  EXPECT_EQ(c->snapshot.origin, k_fixtures + "instances.csv");
}

TEST(CatalogParse, MalformedLineErrorNamesFileAndLine) {
  auto c = load_file(k_fixtures + "malformed.csv");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(c.error().message.find("malformed.csv:4: expected 10 fields, got 9"), std::string::npos)
      << c.error().message;
}

TEST(CatalogParse, RejectsBadNumbersMissingColumnsAndConflictingSpecs) {
  const std::string header =
      "instance_type,accelerator,accelerator_count,gpu_memory_gib,vcpus,memory_gib,region,zone,"
      "on_demand_usd_per_hour,spot_usd_per_hour\n";
  auto bad_price =
      parse_catalog(header + "g5.xlarge,A10G,1,24,4,16,us-east-1,use1-az1,1.0x,\n", {}, "t.csv");
  ASSERT_FALSE(bad_price.has_value());
  EXPECT_NE(bad_price.error().message.find("t.csv:2: on_demand_usd_per_hour"), std::string::npos);
  auto no_zone = parse_catalog(
      "instance_type,accelerator,accelerator_count,gpu_memory_gib,vcpus,memory_gib,"
      "region,on_demand_usd_per_hour,spot_usd_per_hour\n",
      {}, "t.csv");
  ASSERT_FALSE(no_zone.has_value());
  EXPECT_NE(no_zone.error().message.find("t.csv:1: missing column zone"), std::string::npos);
  auto conflict = parse_catalog(header +
                                    "g5.xlarge,A10G,1,24,4,16,us-east-1,use1-az1,1,\n"
                                    "g5.xlarge,A10G,1,24,8,16,us-west-2,usw2-az1,1,\n",
                                {}, "t.csv");
  ASSERT_FALSE(conflict.has_value());
  EXPECT_NE(conflict.error().message.find("t.csv:3:"), std::string::npos);
}

TEST(CatalogParse, CanonicalizesAcceleratorNamesAndMergesSplitRegions) {
  auto c = parse_catalog(
      "# generated_at: 2025-10-01\n"
      "region,zone,instance_type,accelerator,accelerator_count,gpu_memory_gib,vcpus,memory_gib,"
      "on_demand_usd_per_hour,spot_usd_per_hour,arch\n"
      "us-east-1,use1-az1,g5.xlarge,a10g,1,24,4,16,1.006,0.5,x86_64\n"
      "us-west-2,usw2-az1,g5.xlarge,a10g,1,24,4,16,1.006,0.4,x86_64\n"
      "us-east-1,use1-az2,g5.xlarge,a10g,1,24,4,16,1.006,0.3,x86_64\n"
      "us-east-1,use1-az1,x9.large,NewChip,1,8,2,4,0.1,,x86_64\n",
      {}, "t.csv");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->find_type("g5.xlarge")->gpu, "A10G");
  EXPECT_EQ(c->find_type("x9.large")->gpu, "NewChip");
  ASSERT_EQ(c->prices.size(), 3u);
  EXPECT_EQ(c->find_price("g5.xlarge", "us-east-1")->zone_ids.size(), 2u);
  EXPECT_EQ(c->find_price("g5.xlarge", "us-east-1")->spot_zone_id, "use1-az2");
  EXPECT_EQ(c->snapshot.generated_at, "2025-10-01");
}

TEST(CatalogLoad, MissingFileIsNotFound) {
  auto c = load_file(k_fixtures + "does-not-exist.csv");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().kind, ErrorKind::not_found);
}

TEST(CatalogLoad, NewestPrefersADatedCachedCatalogNotOlderThanTheEmbeddedOne) {
  Catalog embedded;
  embedded.snapshot.generated_at = "2025-09";
  Catalog cached;
  cached.snapshot.generated_at = "2025-09-20T08:00:00Z";
  EXPECT_EQ(&newest(embedded, std::nullopt), &embedded);
  std::optional<Catalog> newer = cached;
  EXPECT_EQ(&newest(embedded, newer), &*newer);
  std::optional<Catalog> older = cached;
  older->snapshot.generated_at = "2025-08-01T00:00:00Z";
  EXPECT_EQ(&newest(embedded, older), &embedded);
  std::optional<Catalog> undated = cached;
  undated->snapshot.generated_at.clear();
  EXPECT_EQ(&newest(embedded, undated), &embedded);
}

TEST(CatalogLoad, RefreshedFileRoundTripsThroughTheTempDir) {
  testing::ScopedTempDir dir;
  auto path = dir.write("catalog/aws.csv", read_text(k_fixtures + "instances.csv"));
  auto c = load_file(path.string());
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->types.size(), 10u);
  EXPECT_EQ(c->snapshot.generated_at, "2025-10-01T00:00:00Z");
}

TEST(CatalogEmbedded, HasTheDocumentedTypesRowsAndRegions) {
  auto c = load_embedded();
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->types.size(), 55u);
  size_t zone_rows =
      std::accumulate(c->prices.begin(), c->prices.end(), size_t{0},
                      [](size_t n, const RegionPrice& p) { return n + p.zone_ids.size(); });
  EXPECT_EQ(zone_rows, 1380u);
  EXPECT_EQ(c->regions().size(), 24u);
  auto complete =
      std::count_if(c->types.begin(), c->types.end(), [](const auto& t) { return t.complete; });
  EXPECT_EQ(complete, 47);
  EXPECT_EQ(c->snapshot.generated_at, "2025-09");
  EXPECT_EQ(c->snapshot.origin, "embedded");
  EXPECT_NE(c->snapshot.attribution.find("skypilot-catalog"), std::string::npos);
  EXPECT_NE(price_footer(c->snapshot).find("2025-09"), std::string::npos);
}

TEST(CatalogEmbedded, PerTypeCountsMatchTheCoverageFile) {
  auto c = load_embedded();
  ASSERT_TRUE(c.has_value());
  std::map<std::string, std::pair<size_t, std::set<std::string>>> seen;
  for (const RegionPrice& p : c->prices) {
    seen[p.instance_type].first += p.zone_ids.size();
    seen[p.instance_type].second.insert(p.region);
  }
  std::istringstream coverage(
      read_text(std::string(GPUBOX_SOURCE_DIR) + "/data/catalog/aws-gpu-coverage.csv"));
  std::string line;
  std::getline(coverage, line);
  size_t checked = 0;
  while (std::getline(coverage, line)) {
    auto f = split(line, ',');  // instance_type,accelerator,arch,coverage,rows,regions
    ASSERT_EQ(f.size(), 6u);
    ASSERT_NE(c->find_type(f[0]), nullptr) << f[0];
    EXPECT_EQ(c->find_type(f[0])->arch, f[2]);
    EXPECT_EQ(seen[f[0]].first, std::stoul(f[4])) << f[0];
    EXPECT_EQ(seen[f[0]].second.size(), std::stoul(f[5])) << f[0];
    ++checked;
  }
  EXPECT_EQ(checked, 55u);
}

TEST(CatalogEmbedded, IsTheDataFolderCopyOfTheRecordedSnapshot) {
  std::string embedded;
  for (std::string_view chunk : embedded_instances_csv_chunks()) {
    embedded += chunk;
  }
  const std::string dir = std::string(GPUBOX_SOURCE_DIR) + "/data/catalog/";
  EXPECT_EQ(embedded, read_text(dir + "aws-gpu-instances.csv"));
  // NOTICE.md records the SHA-256 of each file as it was copied; the copies must not drift.
  const std::string notice = read_text(dir + "NOTICE.md");
  for (const char* name : {"aws-gpu-instances.csv", "aws-gpu-coverage.csv"}) {
    const std::string line = sha256_hex(read_text(dir + name)) + "  " + name;
    EXPECT_NE(notice.find(line), std::string::npos) << "NOTICE.md lacks: " << line;
  }
}

TEST(CatalogEmbedded, AppliesTheNoSpotMarketAndLocalZoneRules) {
  auto c = load_embedded();
  ASSERT_TRUE(c.has_value());
  // p5.48xlarge us-east-1: two zones list spot == on-demand, a Local Zone is cheapest; the
  // cheapest regular zone is what gpubox shows.
  const RegionPrice* p5 = c->find_price("p5.48xlarge", "us-east-1");
  ASSERT_NE(p5, nullptr);
  ASSERT_TRUE(p5->spot_usd.has_value());
  EXPECT_FALSE(is_local_zone(p5->spot_zone_id));
  EXPECT_LT(*p5->spot_usd, *p5->on_demand_usd);
  auto no_on_demand = std::count_if(c->prices.begin(), c->prices.end(),
                                    [](const RegionPrice& p) { return !p.on_demand_usd; });
  EXPECT_EQ(no_on_demand, 11);  // p5e.48xlarge in 6 regions, trn1.32xlarge in 3, trn2.* in 2
  for (const RegionPrice& p : c->prices) {
    if (p.spot_usd && p.on_demand_usd) {
      EXPECT_LT(*p.spot_usd, k_no_spot_ratio * *p.on_demand_usd)
          << p.instance_type << " " << p.region;
    }
  }
}

TEST(CatalogFooter, NamesTheSourceNeverAPath) {
  SnapshotInfo embedded;
  embedded.generated_at = "2025-09";
  embedded.source = "the SkyPilot catalog v8, embedded in gpubox";
  embedded.origin = "embedded";
  EXPECT_NE(price_footer(embedded).find("(the SkyPilot catalog v8, embedded in gpubox)"),
            std::string::npos);
  SnapshotInfo refreshed;
  refreshed.generated_at = "2026-12-01T00:00:00Z";
  refreshed.origin = "/home/me/.local/share/gpubox/catalog.csv";
  const std::string footer = price_footer(refreshed);
  EXPECT_EQ(footer.find("/home/me"), std::string::npos) << footer;
  EXPECT_NE(footer.find("gpubox catalog refresh"), std::string::npos) << footer;
}

}  // namespace
}  // namespace gpubox::catalog
