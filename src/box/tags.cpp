#include "box/tags.hpp"

namespace gpubox::box {

std::string owner_from_arn(std::string_view arn) {
  // arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION
  constexpr std::string_view k_assumed = ":assumed-role/";
  const auto at = arn.find(k_assumed);
  const auto sts = arn.find(":sts::");
  if (!arn.starts_with("arn:") || at == std::string_view::npos || sts == std::string_view::npos ||
      sts > at) {
    return std::string(arn);
  }
  const std::string_view partition = arn.substr(4, sts - 4);
  const std::string_view account = arn.substr(sts + 6, at - sts - 6);
  std::string_view role = arn.substr(at + k_assumed.size());
  role = role.substr(0, role.find('/'));
  if (partition.empty() || account.empty() || role.empty()) {
    return std::string(arn);
  }
  return "arn:" + std::string(partition) + ":iam::" + std::string(account) + ":role/" +
         std::string(role);
}

bool same_owner(std::string_view tag, std::string_view owner) {
  return !tag.empty() && !owner.empty() && owner_from_arn(tag) == owner_from_arn(owner);
}

}  // namespace gpubox::box
