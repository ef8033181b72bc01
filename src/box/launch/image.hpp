#pragma once
// The machine image of a new box: the newest AWS Deep Learning AMI (DLAMI) for a framework and a
// CPU architecture, found through AWS's public SSM parameters, with DescribeImages as a fallback.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2_catalog.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"

namespace gpubox::box {

enum class Framework { pytorch, tensorflow, base };

// Parse "pytorch", "tensorflow" or "base" (case-insensitive).
Result<Framework> parse_framework(std::string_view text);

// Return the lowercase name of `framework`.
const char* to_string(Framework framework);

// The image a box is launched from, and how it was found.
struct ImageChoice {
  std::string ami_id;
  std::string name;
  std::string architecture;  // "x86_64" or "arm64"
  std::string ssh_user;      // "ubuntu" or "ec2-user"
  std::string source;        // "ssm:<parameter>", "describe-images" or "--image"
  std::optional<TimePoint> creation_date;
  std::string root_device_name = "/dev/sda1";  // AL2023 images use /dev/xvda
  std::optional<int> root_volume_gib;          // the root snapshot: the smallest disk it fits
};

// Return an Error when a `disk_gb` root disk is smaller than `image`'s root snapshot.
Result<void> check_disk_fits_image(int disk_gb, const ImageChoice& image);

// Return the SSM path that lists the DLAMI parameters for `arch`, with a trailing slash.
std::string dlami_ssm_path(std::string_view arch);

// Return whether SSM parameter `name` is the "latest/ami-id" of a GPU DLAMI for `framework`.
bool ssm_name_matches(std::string_view name, Framework framework);

// Return whether DLAMI `image_name` is a GPU image for `framework`.
bool image_name_matches(std::string_view image_name, Framework framework);

// Return the DescribeImages name patterns for `framework` on `arch`.
std::vector<std::string> image_name_patterns(Framework framework, std::string_view arch);

// Return the newest of `images` that is available, matches `framework` and `arch`; Ubuntu
// images are preferred over others; nullopt when none fits.
std::optional<aws::Image> newest_image(std::span<const aws::Image> images, Framework framework,
                                       std::string_view arch);

// Return the login user of an image called `image_name` ("ec2-user" for Amazon Linux, else
// "ubuntu"), reading `description` too when the name does not say.
std::string ssh_user_for_image(std::string_view image_name, std::string_view description = {});

// Find the newest DLAMI for `framework` and `arch` in `region`: SSM parameters first, then
// DescribeImages (owner amazon, by name, newest CreationDate).
Result<ImageChoice> find_image(aws::AwsClient& client, std::string_view region, Framework framework,
                               std::string_view arch);

// Describe the image `ami_id` that the user named with --image.
Result<ImageChoice> describe_given_image(aws::AwsClient& client, std::string_view region,
                                         std::string_view ami_id);

}  // namespace gpubox::box
