#include "box/launch/image.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "aws/ssm.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"

namespace gpubox::box {
namespace {

constexpr std::string_view k_ssm_root = "/aws/service/deeplearning/ami/";
constexpr std::string_view k_ssm_leaf = "/latest/ami-id";

bool contains_ci(std::string_view text, std::string_view word) {
  return to_lower(text).find(to_lower(word)) != std::string::npos;
}

bool is_ubuntu(std::string_view image_name) { return contains_ci(image_name, "ubuntu"); }

ImageChoice choice_from(const aws::Image& image, std::string source) {
  ImageChoice c;
  c.ami_id = image.id;
  c.name = image.name;
  c.architecture = image.architecture;
  c.ssh_user = ssh_user_for_image(image.name, image.description);
  c.source = std::move(source);
  c.creation_date = image.creation_date;
  if (!image.root_device_name.empty()) {
    c.root_device_name = image.root_device_name;
  }
  c.root_volume_gib = image.root_volume_gib;
  return c;
}

// SSM values of every DLAMI parameter for `framework` under `arch`, keyed by parameter name.
Result<std::vector<aws::Parameter>> ssm_candidates(aws::AwsClient& client, std::string_view region,
                                                   Framework framework, std::string_view arch) {
  aws::GetParametersByPathInput in;
  in.path = dlami_ssm_path(arch);
  in.recursive = true;
  in.max_results = 10;
  GPUBOX_TRY_ASSIGN(page, aws::get_parameters_by_path(client, region, in));
  std::vector<aws::Parameter> out;
  for (auto& p : page.parameters) {
    if (ssm_name_matches(p.name, framework) && p.value.starts_with("ami-")) {
      out.push_back(std::move(p));
    }
  }
  return out;
}

// Resolve the SSM candidates to images and keep the newest; nullopt when none resolves.
Result<std::optional<ImageChoice>> newest_from_ssm(aws::AwsClient& client, std::string_view region,
                                                   Framework framework, std::string_view arch) {
  GPUBOX_TRY_ASSIGN(params, ssm_candidates(client, region, framework, arch));
  if (params.empty()) {
    return std::optional<ImageChoice>{};
  }
  aws::DescribeImagesInput in;
  std::set<std::string> ids;
  for (const auto& p : params) {
    ids.insert(p.value);
  }
  // By filter, not ImageIds: AWS deregisters old builds while a parameter may still name one,
  // and ImageIds with one unknown id fails the whole call (InvalidAMIID.NotFound); a filter just
  // leaves it out, in the same single round trip.
  in.filters = {{"image-id", std::vector<std::string>(ids.begin(), ids.end())}};
  GPUBOX_TRY_ASSIGN(page, aws::describe_images(client, region, in));
  auto best = newest_image(page.images, framework, arch);
  if (!best) {
    return std::optional<ImageChoice>{};
  }
  std::string param;
  for (const auto& p : params) {
    if (p.value == best->id) {
      param = p.name;
    }
  }
  return std::optional<ImageChoice>{choice_from(*best, "ssm:" + param)};
}

Result<std::optional<ImageChoice>> newest_from_describe(aws::AwsClient& client,
                                                        std::string_view region,
                                                        Framework framework,
                                                        std::string_view arch) {
  aws::DescribeImagesInput in;
  in.owners = {"amazon"};
  in.filters = {{"name", image_name_patterns(framework, arch)},
                {"state", {"available"}},
                {"architecture", {std::string(arch)}}};
  GPUBOX_TRY_ASSIGN(page, aws::describe_images(client, region, in));
  auto best = newest_image(page.images, framework, arch);
  if (!best) {
    return std::optional<ImageChoice>{};
  }
  return std::optional<ImageChoice>{choice_from(*best, "describe-images")};
}

}  // namespace

Result<Framework> parse_framework(std::string_view text) {
  std::string t = to_lower(text);
  if (t == "pytorch") {
    return Framework::pytorch;
  }
  if (t == "tensorflow") {
    return Framework::tensorflow;
  }
  if (t == "base") {
    return Framework::base;
  }
  return fail(ErrorKind::invalid_input, "unknown framework '" + std::string(text) + "'",
              "use --framework pytorch, tensorflow or base");
}

const char* to_string(Framework framework) {
  switch (framework) {
    case Framework::pytorch:
      return "pytorch";
    case Framework::tensorflow:
      return "tensorflow";
    case Framework::base:
      return "base";
  }
  return "base";
}

std::string dlami_ssm_path(std::string_view arch) {
  return std::string(k_ssm_root) + std::string(arch) + "/";
}

bool ssm_name_matches(std::string_view name, Framework framework) {
  if (!name.starts_with(k_ssm_root) || !name.ends_with(k_ssm_leaf)) {
    return false;
  }
  std::string_view rest = name.substr(k_ssm_root.size());
  rest.remove_suffix(k_ssm_leaf.size());
  auto slash = rest.find('/');  // "<arch>/<ami_type>"
  if (slash == std::string_view::npos) {
    return false;
  }
  std::string type = to_lower(rest.substr(slash + 1));
  if (type.find('/') != std::string::npos || type.find("neuron") != std::string::npos ||
      type.find("nvidia") == std::string::npos) {
    return false;
  }
  switch (framework) {
    case Framework::pytorch:
      return type.find("-pytorch-") != std::string::npos;
    case Framework::tensorflow:
      return type.find("-tensorflow-") != std::string::npos;
    case Framework::base:
      return type.starts_with("base-");
  }
  return false;
}

bool image_name_matches(std::string_view image_name, Framework framework) {
  if (!starts_with_ci(image_name, "Deep Learning") || !contains_ci(image_name, "nvidia") ||
      contains_ci(image_name, "neuron")) {
    return false;
  }
  switch (framework) {
    case Framework::pytorch:
      return contains_ci(image_name, "pytorch");
    case Framework::tensorflow:
      return contains_ci(image_name, "tensorflow");
    case Framework::base:
      return contains_ci(image_name, "base") && !contains_ci(image_name, "pytorch") &&
             !contains_ci(image_name, "tensorflow");
  }
  return false;
}

std::vector<std::string> image_name_patterns(Framework framework, std::string_view arch) {
  // The ARM64 framework images spell it differently: "Deep Learning ARM64 AMI OSS Nvidia Driver
  // GPU PyTorch 2.7 (Ubuntu 22.04) 20250701" (the x86_64 ones: "... OSS Nvidia Driver AMI GPU").
  const bool arm = arch == "arm64";
  switch (framework) {
    case Framework::pytorch:
      return {arm ? "Deep Learning ARM64 AMI OSS Nvidia Driver GPU PyTorch *"
                  : "Deep Learning OSS Nvidia Driver AMI GPU PyTorch *"};
    case Framework::tensorflow:
      return {arm ? "Deep Learning ARM64 AMI OSS Nvidia Driver GPU TensorFlow *"
                  : "Deep Learning OSS Nvidia Driver AMI GPU TensorFlow *"};
    case Framework::base:
      return {arm ? "Deep Learning ARM64 Base OSS Nvidia Driver GPU AMI *"
                  : "Deep Learning Base OSS Nvidia Driver GPU AMI *"};
  }
  return {};
}

std::optional<aws::Image> newest_image(std::span<const aws::Image> images, Framework framework,
                                       std::string_view arch) {
  const aws::Image* best = nullptr;
  auto key = [](const aws::Image& i) {
    return std::make_tuple(is_ubuntu(i.name), i.creation_date.value_or(TimePoint{}), i.name);
  };
  for (const aws::Image& image : images) {
    bool usable = (image.state.empty() || image.state == "available") &&
                  image.architecture == arch && image_name_matches(image.name, framework);
    if (usable && (best == nullptr || key(*best) < key(image))) {
      best = &image;
    }
  }
  if (best == nullptr) {
    return std::nullopt;
  }
  return *best;
}

std::string ssh_user_for_image(std::string_view image_name, std::string_view description) {
  for (std::string_view text : {image_name, description}) {
    if (contains_ci(text, "amazon linux") || contains_ci(text, "al2023") ||
        contains_ci(text, "amzn")) {
      return "ec2-user";
    }
    if (contains_ci(text, "ubuntu")) {
      return "ubuntu";
    }
  }
  return "ubuntu";
}

Result<void> check_disk_fits_image(int disk_gb, const ImageChoice& image) {
  if (!image.root_volume_gib || disk_gb >= *image.root_volume_gib) {
    return {};
  }
  Error e;
  e.kind = ErrorKind::invalid_input;
  e.message = fmt::format(
      "--disk {} is smaller than the root snapshot of {} ({}): the disk must be at least {} GB",
      disk_gb, image.ami_id, image.name, *image.root_volume_gib);
  e.hint = fmt::format("pass --disk {} or more", *image.root_volume_gib);
  return fail(std::move(e));
}

Result<ImageChoice> find_image(aws::AwsClient& client, std::string_view region, Framework framework,
                               std::string_view arch) {
  auto from_ssm = newest_from_ssm(client, region, framework, arch);
  if (from_ssm && *from_ssm) {
    return std::move(**from_ssm);
  }
  if (!from_ssm) {
    if (from_ssm.error().kind == ErrorKind::auth && from_ssm.error().aws_code.empty()) {
      return fail(std::move(from_ssm.error()));  // no credentials at all: DescribeImages fails too
    }
    GPUBOX_LOG("SSM lookup of the DLAMI failed, trying DescribeImages: {}",
               from_ssm.error().message);
  }
  GPUBOX_TRY_ASSIGN(described, newest_from_describe(client, region, framework, arch));
  if (described) {
    return std::move(*described);
  }
  return fail(ErrorKind::not_found,
              "no " + std::string(to_string(framework)) + " Deep Learning AMI for " +
                  std::string(arch) + " found in " + std::string(region),
              framework == Framework::tensorflow
                  ? "AWS no longer publishes TensorFlow DLAMIs everywhere; try --framework pytorch"
                  : "pass an image with --image ami-...");
}

Result<ImageChoice> describe_given_image(aws::AwsClient& client, std::string_view region,
                                         std::string_view ami_id) {
  if (!ami_id.starts_with("ami-") || ami_id.size() < 8) {
    return fail(
        ErrorKind::invalid_input,
        "--image must be an AMI id like ami-0123456789abcdef0, not '" + std::string(ami_id) + "'");
  }
  aws::DescribeImagesInput in;
  in.image_ids = {std::string(ami_id)};
  auto page = aws::describe_images(client, region, in);
  if (!page || page->images.empty()) {
    Error e = page ? Error{} : page.error();
    if (page || e.kind == ErrorKind::not_found || e.kind == ErrorKind::invalid_input) {
      e.kind = ErrorKind::invalid_input;
      e.message = "image " + std::string(ami_id) + " does not exist in " + std::string(region);
    }
    return fail(std::move(e));
  }
  return choice_from(page->images.front(), "--image");
}

}  // namespace gpubox::box
