#include "box/launch/image.hpp"

#include <gtest/gtest.h>

#include "aws/credentials.hpp"
#include "box/up_fixtures.hpp"
#include "core/iso8601.hpp"

namespace gpubox::box {
namespace {

using up_testing::AwsHarness;
using up_testing::image_item;
using up_testing::images_xml;

aws::Image image(std::string id, std::string name, std::string arch, std::string created) {
  aws::Image i;
  i.id = std::move(id);
  i.name = std::move(name);
  i.architecture = std::move(arch);
  i.state = "available";
  i.creation_date = parse_iso8601(created);
  return i;
}

const char* k_pt27 = "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.7 (Ubuntu 22.04) 20250701";
const char* k_pt28 = "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.8 (Ubuntu 24.04) 20250820";
const char* k_base = "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20250715";
const char* k_al =
    "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.9 (Amazon Linux 2023) 20250901";

TEST(ImageChoice, NewestMatchingFrameworkAndArchWins) {
  std::vector<aws::Image> images{
      image("ami-old", k_pt27, "x86_64", "2025-07-01T07:00:00Z"),
      image("ami-new", k_pt28, "x86_64", "2025-08-20T07:00:00Z"),
      image("ami-base", k_base, "x86_64", "2025-09-15T09:30:00Z"),
      image("ami-arm", k_pt28, "arm64", "2025-10-01T00:00:00Z"),
  };
  auto pt = newest_image(images, Framework::pytorch, "x86_64");
  ASSERT_TRUE(pt);
  EXPECT_EQ(pt->id, "ami-new");
  auto base = newest_image(images, Framework::base, "x86_64");
  ASSERT_TRUE(base);
  EXPECT_EQ(base->id, "ami-base");
  auto arm = newest_image(images, Framework::pytorch, "arm64");
  ASSERT_TRUE(arm);
  EXPECT_EQ(arm->id, "ami-arm");
  EXPECT_FALSE(newest_image(images, Framework::tensorflow, "x86_64"));
}

TEST(ImageChoice, UbuntuIsPreferredOverANewerAmazonLinuxImage) {
  std::vector<aws::Image> images{image("ami-ubuntu", k_pt28, "x86_64", "2025-08-20T07:00:00Z"),
                                 image("ami-al", k_al, "x86_64", "2025-09-01T07:00:00Z")};
  EXPECT_EQ(newest_image(images, Framework::pytorch, "x86_64")->id, "ami-ubuntu");
  EXPECT_EQ(ssh_user_for_image(k_al), "ec2-user");
  EXPECT_EQ(ssh_user_for_image(k_pt28), "ubuntu");
}

TEST(ImageChoice, SsmNamesAreMatchedByFramework) {
  const std::string pt =
      "/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.7-ubuntu-22.04/latest/"
      "ami-id";
  const std::string base =
      "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id";
  EXPECT_TRUE(ssm_name_matches(pt, Framework::pytorch));
  EXPECT_FALSE(ssm_name_matches(pt, Framework::base));
  EXPECT_TRUE(ssm_name_matches(base, Framework::base));
  EXPECT_FALSE(ssm_name_matches(base, Framework::tensorflow));
  EXPECT_FALSE(ssm_name_matches(
      "/aws/service/deeplearning/ami/x86_64/base-neuron-ubuntu-22.04/latest/ami-id",
      Framework::base));
  EXPECT_FALSE(ssm_name_matches(pt.substr(0, pt.size() - 7), Framework::pytorch));
}

TEST(ImageChoice, FindImageListsSsmByPathAndResolvesTheNewest) {
  AwsHarness h;
  h.http.respond("GetParametersByPath", 200,
                 R"({"Parameters":[
        {"Name":"/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.7-ubuntu-22.04/latest/ami-id","Value":"ami-027","Type":"String"},
        {"Name":"/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.8-ubuntu-24.04/latest/ami-id","Value":"ami-028","Type":"String"},
        {"Name":"/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id","Value":"ami-base","Type":"String"}]})");
  h.http.respond("DescribeImages", 200,
                 images_xml(image_item("ami-027", k_pt27, "x86_64", "2025-07-01T07:00:00.000Z") +
                            image_item("ami-028", k_pt28, "x86_64", "2025-08-20T07:00:00.000Z")));
  auto got = find_image(*h.client, "us-east-1", Framework::pytorch, "x86_64");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->ami_id, "ami-028");
  EXPECT_EQ(got->ssh_user, "ubuntu");
  EXPECT_TRUE(got->source.find("pytorch-2.8") != std::string::npos) << got->source;
  auto ssm = h.bodies("GetParametersByPath");
  ASSERT_EQ(ssm.size(), 1u);
  EXPECT_NE(ssm[0].find("\"/aws/service/deeplearning/ami/x86_64/\""), std::string::npos);
  EXPECT_NE(ssm[0].find("\"Recursive\":true"), std::string::npos) << ssm[0];
  auto described = h.bodies("DescribeImages");
  ASSERT_EQ(described.size(), 1u);
  EXPECT_NE(described[0].find("Filter.1.Name=image-id"), std::string::npos) << described[0];
  EXPECT_NE(described[0].find("=ami-027"), std::string::npos);
  EXPECT_EQ(described[0].find("ami-base"), std::string::npos);
}

TEST(ImageChoice, FallsBackToDescribeImagesWhenSsmHasNothing) {
  AwsHarness h;
  h.http.respond("GetParametersByPath", 200, R"({"Parameters":[]})");
  h.http.respond("DescribeImages", 200,
                 images_xml(image_item("ami-a", k_base, "x86_64", "2025-06-10T08:12:00.000Z") +
                            image_item("ami-b", k_base, "x86_64", "2025-07-15T09:30:00.000Z")));
  auto got = find_image(*h.client, "us-east-1", Framework::base, "x86_64");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->ami_id, "ami-b");
  EXPECT_EQ(got->source, "describe-images");
  auto body = h.bodies("DescribeImages").at(0);
  EXPECT_NE(body.find("Owner.1=amazon"), std::string::npos) << body;
}

TEST(ImageChoice, NoImageAnywhereIsNotFound) {
  AwsHarness h;
  h.http.respond("GetParametersByPath", 400,
                 R"({"__type":"AccessDeniedException","message":"denied"})");
  h.http.respond("DescribeImages", 200, images_xml(""));
  auto got = find_image(*h.client, "us-east-1", Framework::tensorflow, "x86_64");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::not_found);
  EXPECT_NE(got.error().message.find("tensorflow"), std::string::npos);
}

TEST(ImageChoice, ADeregisteredImageBehindAParameterIsSkipped) {
  // The 2.9 parameter names an image AWS deregistered: asked by filter, DescribeImages leaves it
  // out instead of failing the call (as ImageIds would, with InvalidAMIID.NotFound).
  AwsHarness h;
  h.http.respond("GetParametersByPath", 200,
                 R"({"Parameters":[
        {"Name":"/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.7-ubuntu-22.04/latest/ami-id","Value":"ami-027","Type":"String"},
        {"Name":"/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.9-ubuntu-24.04/latest/ami-id","Value":"ami-0dead","Type":"String"}]})");
  h.http.respond("DescribeImages", 200,
                 images_xml(image_item("ami-027", k_pt27, "x86_64", "2025-07-01T07:00:00.000Z")));
  auto got = find_image(*h.client, "us-east-1", Framework::pytorch, "x86_64");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->ami_id, "ami-027");
  EXPECT_NE(got->source.find("pytorch-2.7"), std::string::npos) << got->source;
  auto described = h.bodies("DescribeImages");
  ASSERT_EQ(described.size(), 1u);
  EXPECT_EQ(described[0].find("ImageId."), std::string::npos) << described[0];
  EXPECT_NE(described[0].find("=ami-0dead"), std::string::npos) << described[0];
}

TEST(ImageChoice, Arm64NamesAreSpelledTheArm64Way) {
  EXPECT_EQ(image_name_patterns(Framework::pytorch, "arm64"),
            std::vector<std::string>{"Deep Learning ARM64 AMI OSS Nvidia Driver GPU PyTorch *"});
  EXPECT_EQ(image_name_patterns(Framework::pytorch, "x86_64"),
            std::vector<std::string>{"Deep Learning OSS Nvidia Driver AMI GPU PyTorch *"});
  EXPECT_TRUE(image_name_matches(
      "Deep Learning ARM64 AMI OSS Nvidia Driver GPU PyTorch 2.7 (Ubuntu 22.04) 20250701",
      Framework::pytorch));
}

TEST(ImageChoice, TheRootDeviceAndSnapshotComeFromTheImage) {
  AwsHarness h;
  h.http.respond(
      "DescribeImages", 200,
      images_xml("<item><imageId>ami-0a1b2c3d</imageId><name>" + std::string(k_al) +
                 "</name><architecture>x86_64</architecture><imageState>available"
                 "</imageState><rootDeviceName>/dev/xvda</rootDeviceName>"
                 "<blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs>"
                 "<volumeSize>80</volumeSize></ebs></item></blockDeviceMapping></item>"));
  auto got = describe_given_image(*h.client, "us-east-1", "ami-0a1b2c3d");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->root_device_name, "/dev/xvda");
  EXPECT_EQ(got->root_volume_gib, 80);
  EXPECT_EQ(got->ssh_user, "ec2-user");
  EXPECT_TRUE(check_disk_fits_image(80, *got));
  auto small = check_disk_fits_image(40, *got);
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(small.error().message.find("at least 80 GB"), std::string::npos)
      << small.error().message;
  EXPECT_EQ(small.error().hint, "pass --disk 80 or more");
}

}  // namespace
}  // namespace gpubox::box
