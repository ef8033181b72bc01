#pragma once
// GPU (and AWS Neuron accelerator) names: canonical spellings, aliases, "GPU[:N]" specs,
// "did you mean" suggestions, and the instance families gpubox refuses to launch.
// Canonical names follow the SkyPilot catalog's AcceleratorName ("A10G", "A100-80GB").

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gpubox::catalog {

// A parsed `--gpu` value: canonical name plus the minimum count (fractional for g6f slices).
struct GpuSpec {
  std::string name;  // canonical, "T4"
  double count = 1;  // "T4:2" -> 2; "L4:0.25" -> 0.25
};

// Why gpubox refuses an instance type, and what to launch instead.
struct Unsupported {
  std::string reason;       // one line, e.g. "p3 (V100, Volta) is not supported by current ..."
  std::string replacement;  // e.g. "g5.xlarge (A10G)"
};

// Return the canonical name of `name` (case-insensitive, aliases accepted), or nullopt.
std::optional<std::string> normalize_gpu(std::string_view name);

// Return whether canonical `name` is an AWS Neuron device (Inferentia, Trainium), not a GPU.
bool is_neuron(std::string_view name);

// Return every canonical accelerator name gpubox knows, in table order.
std::vector<std::string> known_gpus();

// Parse "T4", "t4:2", "a100:80gb", "A100-80GB:8"; unknown names fail with a suggestion hint.
Result<GpuSpec> parse_gpu_spec(std::string_view spec);

// Return the known name closest to `name` by edit distance, or nullopt when nothing is close.
std::optional<std::string> suggest_gpu(std::string_view name);

// Return why `instance_type` is refused (p2, p3, p3dn, g3, g3s families), or nullopt.
std::optional<Unsupported> unsupported_reason(std::string_view instance_type);

// Return why canonical GPU `name` is refused (K80, M60, V100, V100-32GB), or nullopt.
std::optional<Unsupported> unsupported_gpu_reason(std::string_view name);

}  // namespace gpubox::catalog
