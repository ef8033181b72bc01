#include "core/error.hpp"

namespace gpubox {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input:
      return "invalid_input";
    case ErrorKind::not_found:
      return "not_found";
    case ErrorKind::auth:
      return "auth";
    case ErrorKind::quota:
      return "quota";
    case ErrorKind::capacity:
      return "capacity";
    case ErrorKind::throttled:
      return "throttled";
    case ErrorKind::network:
      return "network";
    case ErrorKind::remote:
      return "remote";
    case ErrorKind::conflict:
      return "conflict";
    case ErrorKind::state:
      return "state";
    case ErrorKind::internal:
      return "internal";
  }
  return "internal";
}

}  // namespace gpubox
