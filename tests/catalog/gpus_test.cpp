#include "catalog/gpus.hpp"

#include <gtest/gtest.h>

namespace gpubox::catalog {
namespace {

TEST(GpuNames, NormalizesCaseAndCommonAliases) {
  EXPECT_EQ(normalize_gpu("a10g"), "A10G");
  EXPECT_EQ(normalize_gpu("A10G"), "A10G");
  EXPECT_EQ(normalize_gpu("h100"), "H100");
  EXPECT_EQ(normalize_gpu("H200"), "H200");
  EXPECT_EQ(normalize_gpu("l4"), "L4");
  EXPECT_EQ(normalize_gpu("l40s"), "L40S");
  EXPECT_EQ(normalize_gpu("t4"), "T4");
  EXPECT_EQ(normalize_gpu("t4g"), "T4g");
  EXPECT_EQ(normalize_gpu("v100"), "V100");
  EXPECT_EQ(normalize_gpu("k80"), "K80");
  EXPECT_EQ(normalize_gpu("b200"), "B200");
  EXPECT_EQ(normalize_gpu("Tesla T4"), "T4");
  EXPECT_EQ(normalize_gpu("radeon v520"), "Radeon Pro V520");
  EXPECT_EQ(normalize_gpu("inf2"), "Inferentia2");
}

TEST(GpuNames, MemoryVariantsAreDistinctGpus) {
  EXPECT_EQ(normalize_gpu("a100-80gb"), "A100-80GB");
  EXPECT_EQ(normalize_gpu("a100:80gb"), "A100-80GB");
  EXPECT_EQ(normalize_gpu("A100"), "A100");
  EXPECT_EQ(normalize_gpu("a100-40gb"), "A100");
  EXPECT_EQ(normalize_gpu("v100-32gb"), "V100-32GB");
}

TEST(GpuNames, UnknownNamesAreNotNormalized) {
  EXPECT_FALSE(normalize_gpu("T5").has_value());
  EXPECT_FALSE(normalize_gpu("").has_value());
  EXPECT_FALSE(normalize_gpu("--").has_value());
}

TEST(GpuNames, NeuronDevicesAreNotGpus) {
  EXPECT_TRUE(is_neuron("Trainium2"));
  EXPECT_TRUE(is_neuron("inf1"));
  EXPECT_FALSE(is_neuron("T4"));
  auto names = known_gpus();
  EXPECT_NE(std::find(names.begin(), names.end(), "L40S"), names.end());
}

TEST(GpuSpecParse, ReadsNameAndCount) {
  auto t4 = parse_gpu_spec("T4:2");
  ASSERT_TRUE(t4.has_value());
  EXPECT_EQ(t4->name, "T4");
  EXPECT_EQ(t4->count, 2);
  auto one = parse_gpu_spec(" l4 ");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->name, "L4");
  EXPECT_EQ(one->count, 1);
  auto slice = parse_gpu_spec("L4:0.25");
  ASSERT_TRUE(slice.has_value());
  EXPECT_DOUBLE_EQ(slice->count, 0.25);
}

TEST(GpuSpecParse, MemorySuffixIsPartOfTheName) {
  auto a = parse_gpu_spec("a100:80gb");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->name, "A100-80GB");
  EXPECT_EQ(a->count, 1);
  auto b = parse_gpu_spec("A100-80GB:8");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->name, "A100-80GB");
  EXPECT_EQ(b->count, 8);
}

TEST(GpuSpecParse, RejectsBadCountsAndUnknownNames) {
  for (const char* bad : {"T4:0", "T4:1.5", "T4:", "T4:2.0.1"}) {
    auto r = parse_gpu_spec(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::invalid_input);
  }
  auto unknown = parse_gpu_spec("T5:2");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("unknown GPU \"T5\""), std::string::npos);
  EXPECT_EQ(unknown.error().hint, "did you mean T4?");
}

TEST(GpuSuggest, FindsTheClosestName) {
  EXPECT_EQ(suggest_gpu("T5"), "T4");
  EXPECT_EQ(suggest_gpu("h1000"), "H100");
  EXPECT_EQ(suggest_gpu("a10"), "A10G");
  EXPECT_EQ(suggest_gpu("L40"), "L40S");
  EXPECT_FALSE(suggest_gpu("quantum-annealer").has_value());
  EXPECT_FALSE(suggest_gpu("").has_value());
}

TEST(UnsupportedFamilies, RefusesKeplerVoltaAndMaxwellWithAReplacement) {
  auto p2 = unsupported_reason("p2.xlarge");
  ASSERT_TRUE(p2.has_value());
  EXPECT_NE(p2->reason.find("K80"), std::string::npos);
  EXPECT_EQ(p2->replacement, "g4dn.xlarge (T4)");
  auto p3 = unsupported_reason("p3.16xlarge");
  ASSERT_TRUE(p3.has_value());
  EXPECT_NE(p3->reason.find("V100"), std::string::npos);
  EXPECT_EQ(p3->replacement, "g5.xlarge (A10G)");
  auto p3dn = unsupported_reason("p3dn.24xlarge");
  ASSERT_TRUE(p3dn.has_value());
  EXPECT_EQ(p3dn->replacement, "g6e.xlarge (L40S)");
  EXPECT_EQ(unsupported_reason("g3s.xlarge")->replacement, "g6.xlarge (L4)");
  EXPECT_EQ(unsupported_reason("G3.4XLARGE")->replacement, "g6.xlarge (L4)");
}

TEST(UnsupportedFamilies, CurrentFamiliesAreAllowed) {
  for (const char* ok : {"g4dn.xlarge", "g5.xlarge", "g6.xlarge", "g6e.xlarge", "p4d.24xlarge",
                         "p5.48xlarge", "p5en.48xlarge", "p6-b200.48xlarge", "g5g.xlarge"}) {
    EXPECT_FALSE(unsupported_reason(ok).has_value()) << ok;
  }
}

TEST(UnsupportedFamilies, GpuNamesMapToTheirFamily) {
  EXPECT_EQ(unsupported_gpu_reason("k80")->replacement, "g4dn.xlarge (T4)");
  EXPECT_EQ(unsupported_gpu_reason("V100")->replacement, "g5.xlarge (A10G)");
  EXPECT_EQ(unsupported_gpu_reason("v100-32gb")->replacement, "g6e.xlarge (L40S)");
  EXPECT_FALSE(unsupported_gpu_reason("T4").has_value());
}

}  // namespace
}  // namespace gpubox::catalog
