#include "catalog/gpus.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "catalog/csv.hpp"
#include "core/strings.hpp"

namespace gpubox::catalog {
namespace {

struct GpuEntry {
  std::string_view name;     // canonical
  std::string_view aliases;  // space-separated lookup keys (lowercase letters and digits only)
  bool neuron = false;
};

// The canonical name's own key is always accepted; aliases add other common spellings.
constexpr std::array k_gpus = {
    GpuEntry{"T4", "teslat4 nvidiat4"},
    GpuEntry{"T4g", "nvidiat4g"},
    GpuEntry{"A10G", "nvidiaa10g"},
    GpuEntry{"L4", "nvidial4"},
    GpuEntry{"L40S", "nvidial40s"},
    GpuEntry{"A100", "a10040gb a10040g nvidiaa100"},
    GpuEntry{"A100-80GB", "a10080g"},
    GpuEntry{"H100", "h10080gb nvidiah100"},
    GpuEntry{"H200", "h200141gb nvidiah200"},
    GpuEntry{"B200", "nvidiab200"},
    GpuEntry{"B300", "nvidiab300"},
    GpuEntry{"GB200", "nvidiagb200"},
    GpuEntry{"V100", "v10016gb teslav100"},
    GpuEntry{"V100-32GB", "v10032g"},
    GpuEntry{"K80", "teslak80"},
    GpuEntry{"M60", "teslam60"},
    GpuEntry{"Radeon Pro V520", "radeonv520 v520 amdv520"},
    GpuEntry{"Gaudi", "gaudi1 hl205"},
    GpuEntry{"Inferentia", "inferentia1 inf1", true},
    GpuEntry{"Inferentia2", "inf2", true},
    GpuEntry{"Trainium", "trainium1 trn1", true},
    GpuEntry{"Trainium2", "trn2", true},
};

// Case-insensitive, punctuation-free key: "A100-80GB" and "a100:80gb" both give "a10080gb".
std::string lookup_key(std::string_view name) {
  std::string key;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return key;
}

struct KeyEntry {
  std::string key;
  const GpuEntry* entry;
};

// Every lookup key (canonical first, then aliases) in table order; built once.
const std::vector<KeyEntry>& all_keys() {
  static const std::vector<KeyEntry> keys = [] {
    std::vector<KeyEntry> out;
    for (const GpuEntry& e : k_gpus) {
      out.push_back({lookup_key(e.name), &e});
      for (const std::string& alias : split(e.aliases, ' ')) {
        out.push_back({alias, &e});
      }
    }
    return out;
  }();
  return keys;
}

const GpuEntry* find_entry(std::string_view name) {
  std::string key = lookup_key(name);
  for (const KeyEntry& k : all_keys()) {
    if (!key.empty() && k.key == key) {
      return k.entry;
    }
  }
  return nullptr;
}

std::string family_of(std::string_view instance_type) {
  return to_lower(instance_type.substr(0, instance_type.find('.')));
}

// Kepler (K80) and Maxwell (M60) are not supported by current CUDA or any current DLAMI.
// Volta (V100) is missing from every current OSS-driver DLAMI, and PyTorch >= 2.8 CUDA 12.8+
// builds dropped it (aws-reference.md 8.4). p3dn is the same Volta GPU with 32 GiB, so it is
// refused too; its replacement is the L40S (48 GiB) because an A10G (24 GiB) would be a
// memory downgrade from 32 GiB.
const std::string k_volta_reason =
    "V100 (Volta): no current Deep Learning AMI supports it and "
    "PyTorch >= 2.8 (CUDA 12.8+) dropped Volta";
const std::string k_kepler_reason =
    "K80 (Kepler): current CUDA, PyTorch and Deep Learning AMIs do not support Kepler GPUs";
const std::string k_maxwell_reason = "M60 (Maxwell): no current Deep Learning AMI supports it";

}  // namespace

std::optional<std::string> normalize_gpu(std::string_view name) {
  const GpuEntry* e = find_entry(name);
  return e ? std::optional<std::string>(e->name) : std::nullopt;
}

bool is_neuron(std::string_view name) {
  const GpuEntry* e = find_entry(name);
  return e && e->neuron;
}

std::vector<std::string> known_gpus() {
  std::vector<std::string> out;
  out.reserve(k_gpus.size());
  for (const GpuEntry& e : k_gpus) {
    out.emplace_back(e.name);
  }
  return out;
}

std::optional<std::string> suggest_gpu(std::string_view name) {
  std::string key = lookup_key(name);
  if (key.empty()) {
    return std::nullopt;
  }
  // Allow one edit for short names ("T5" -> T4), two for longer ones ("H1000" -> H100).
  // Ties go to the longer shared prefix ("L40" -> L40S rather than L4), then to table order.
  size_t best = std::min<size_t>(2, (key.size() + 1) / 2) + 1;
  size_t best_prefix = 0;
  const GpuEntry* best_entry = nullptr;
  for (const KeyEntry& k : all_keys()) {
    size_t d = edit_distance(key, k.key);
    auto mismatch = std::ranges::mismatch(key, k.key);
    auto prefix = static_cast<size_t>(mismatch.in1 - key.begin());
    if (d < best || (d == best && best_entry && prefix > best_prefix)) {
      best = d;
      best_prefix = prefix;
      best_entry = k.entry;
    }
  }
  return best_entry ? std::optional<std::string>(best_entry->name) : std::nullopt;
}

Result<GpuSpec> parse_gpu_spec(std::string_view spec) {
  std::string_view text = trim(spec);
  std::string_view name = text;
  GpuSpec out;
  size_t colon = text.rfind(':');
  // "a100:80gb" is a name; only an all-numeric suffix is a count.
  if (colon != std::string_view::npos) {
    std::string_view suffix = text.substr(colon + 1);
    if (suffix.find_first_not_of("0123456789.") == std::string_view::npos) {
      auto count = parse_number(suffix);
      bool whole_or_fraction = count && *count > 0 && (*count < 1 || *count == std::floor(*count));
      if (!whole_or_fraction) {
        return fail(ErrorKind::invalid_input, "bad GPU count in \"" + std::string(text) +
                                                  "\": use a whole number, or a fraction below 1");
      }
      out.count = *count;
      name = text.substr(0, colon);
    }
  }
  auto canonical = normalize_gpu(name);
  if (!canonical) {
    auto e = fail(ErrorKind::invalid_input, "unknown GPU \"" + std::string(name) + "\"");
    if (auto suggestion = suggest_gpu(name)) {
      e.error().hint = "did you mean " + *suggestion + "?";
    }
    return e;
  }
  out.name = *canonical;
  return out;
}

std::optional<Unsupported> unsupported_reason(std::string_view instance_type) {
  std::string family = family_of(instance_type);
  if (family == "p2") {
    return Unsupported{"p2 has " + k_kepler_reason, "g4dn.xlarge (T4)"};
  }
  if (family == "p3") {
    return Unsupported{"p3 has " + k_volta_reason, "g5.xlarge (A10G)"};
  }
  if (family == "p3dn") {
    return Unsupported{"p3dn has " + k_volta_reason, "g6e.xlarge (L40S)"};
  }
  if (family == "g3" || family == "g3s") {
    return Unsupported{family + " has " + k_maxwell_reason, "g6.xlarge (L4)"};
  }
  return std::nullopt;
}

std::optional<Unsupported> unsupported_gpu_reason(std::string_view name) {
  auto canonical = normalize_gpu(name);
  if (!canonical) {
    return std::nullopt;
  }
  if (*canonical == "K80") {
    return unsupported_reason("p2.xlarge");
  }
  if (*canonical == "M60") {
    return unsupported_reason("g3.4xlarge");
  }
  if (*canonical == "V100") {
    return unsupported_reason("p3.2xlarge");
  }
  if (*canonical == "V100-32GB") {
    return unsupported_reason("p3dn.24xlarge");
  }
  return std::nullopt;
}

}  // namespace gpubox::catalog
