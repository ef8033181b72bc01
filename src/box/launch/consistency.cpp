#include "box/launch/consistency.hpp"

namespace gpubox::box {

bool is_not_visible_yet(const Error& error) {
  const std::string_view code = error.aws_code;
  return code == "InvalidGroup.NotFound" || code == "InvalidKeyPair.NotFound" ||
         code == "InvalidInstanceID.NotFound" || code == "InvalidGroupId.NotFound" ||
         code == "InvalidSpotInstanceRequestID.NotFound" || code == "InvalidVolume.NotFound";
}

}  // namespace gpubox::box
