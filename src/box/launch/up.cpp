#include "box/launch/up.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <system_error>

#include <fmt/format.h>

#include "box/access/caller_ip.hpp"
#include "core/duration.hpp"
#include "core/paths.hpp"
#include "core/strings.hpp"
#include "plan/offers.hpp"

namespace gpubox::box {
namespace {

namespace fs = std::filesystem;

Error invalid(std::string message, std::string hint = {}) {
  Error e;
  e.kind = ErrorKind::invalid_input;
  e.message = std::move(message);
  e.hint = std::move(hint);
  return e;
}

Result<void> validate_key(const UpRequest& req, const fs::path& home, UpInput& in) {
  GPUBOX_TRY_ASSIGN(pub, default_public_key(home, req.key_path));
  if (!pub) {
    return {};
  }
  GPUBOX_TRY_ASSIGN(line, read_public_key(*pub));
  in.public_key_line = line;
  in.public_key_path = *pub;
  fs::path priv = *pub;
  if (priv.extension() == ".pub") {
    priv.replace_extension();
    std::error_code ec;
    if (fs::exists(priv, ec)) {
      in.private_key_path = priv;
    }
  }
  return {};
}

Result<void> validate_hardware(const UpRequest& req, const catalog::Catalog& catalog, UpInput& in) {
  if (!req.gpu.empty() && !req.instance_type.empty()) {
    return fail(invalid("pass either --gpu or --type, not both"));
  }
  if (req.gpu.empty() && req.instance_type.empty()) {
    return fail(invalid("say which GPU to launch",
                        "pass --gpu T4 (or A10G, L4, ...) or --type g4dn.xlarge"));
  }
  if (!req.instance_type.empty()) {
    GPUBOX_TRY(check_supported_type(req.instance_type));
    bool shape = req.instance_type.find('.') != std::string::npos &&
                 std::ranges::all_of(req.instance_type, [](char c) {
                   return std::islower(static_cast<unsigned char>(c)) ||
                          std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-';
                 });
    if (!shape) {
      return fail(invalid("unknown instance type '" + req.instance_type + "'",
                          "instance types look like g5.xlarge; see `gpubox offers`"));
    }
    in.instance_type = req.instance_type;
    return {};
  }
  auto resolved = plan::resolve_gpu(catalog, req.gpu);
  if (!resolved) {
    Error e = resolved.error();
    e.kind = ErrorKind::invalid_input;  // a GPU the catalog does not sell is the user's input
    return fail(std::move(e));
  }
  const catalog::GpuSpec& gpu = *resolved;
  if (auto why = catalog::unsupported_gpu_reason(gpu.name)) {
    return fail(invalid("cannot launch " + gpu.name + ": " + why->reason,
                        "use --gpu " + why->replacement + " instead"));
  }
  in.gpu = gpu;
  return {};
}

}  // namespace

Result<std::string> read_public_key(const fs::path& path) {
  auto text = read_file(path);
  if (!text) {
    return fail(invalid("cannot read the public key " + path.string() + ": " + text.error().message,
                        "pass --key PATH to an OpenSSH public key (.pub)"));
  }
  std::string line(trim(*text));
  if (auto nl = line.find('\n'); nl != std::string::npos) {
    line = std::string(trim(line.substr(0, nl)));
  }
  if (line.find("PRIVATE KEY") != std::string::npos) {
    return fail(invalid(path.string() + " is a private key", "pass the .pub file next to it"));
  }
  auto fields = split(line, ' ');
  // EC2 imports RSA and ED25519 keys only (ImportKeyPair); refuse the others before any AWS call.
  const std::string new_key_hint =
      "make one with `ssh-keygen -t ed25519` and pass --key ~/.ssh/id_ed25519.pub, or leave out "
      "--key and gpubox creates a key pair for the box";
  if (!fields.empty() && fields[0].starts_with("ecdsa-sha2-")) {
    return fail(invalid(
        path.string() + " is an ECDSA key, which EC2 does not import (RSA and ED25519 only)",
        new_key_hint));
  }
  if (!fields.empty() && fields[0].starts_with("sk-")) {
    return fail(invalid(path.string() + " is a FIDO security key (" + fields[0] +
                            "), which EC2 does not import (RSA and ED25519 only)",
                        new_key_hint));
  }
  bool ok = fields.size() >= 2 && (fields[0] == "ssh-ed25519" || fields[0] == "ssh-rsa");
  if (!ok) {
    return fail(invalid(path.string() + " is not an OpenSSH public key",
                        "it should hold one line like 'ssh-ed25519 AAAA... you@host'"));
  }
  return line;
}

Result<std::optional<fs::path>> default_public_key(const fs::path& home,
                                                   const std::string& explicit_path) {
  std::error_code ec;
  if (!explicit_path.empty()) {
    fs::path p = explicit_path;
    if (!fs::is_regular_file(p, ec)) {
      return fail(invalid("key file " + explicit_path + " does not exist",
                          "pass --key PATH to an OpenSSH public key (.pub)"));
    }
    return std::optional<fs::path>{p};
  }
  // The keys EC2 imports, best first; an id_ecdsa or id_*_sk key is passed over.
  for (const char* name : {"id_ed25519.pub", "id_rsa.pub"}) {
    fs::path p = home / ".ssh" / name;
    if (fs::is_regular_file(p, ec)) {
      return std::optional<fs::path>{p};
    }
  }
  return std::optional<fs::path>{};
}

Result<UpInput> validate_up(const UpRequest& req, const catalog::Catalog& catalog,
                            const fs::path& home, const RandomSource& random) {
  UpInput in;
  in.name = req.name.empty() ? generate_name(random) : req.name;
  if (auto ok = validate_name(in.name); !ok) {
    Error e = ok.error();
    e.message = "invalid box name '" + in.name + "': " + e.message;
    return fail(std::move(e));
  }
  if (req.disk_gb < 8 || req.disk_gb > k_max_disk_gb) {
    return fail(invalid(
        fmt::format("invalid --disk {}: the disk must be 8 to {} GB", req.disk_gb, k_max_disk_gb)));
  }
  in.disk_gb = req.disk_gb;
  if (!req.allow_from.empty()) {
    GPUBOX_TRY_ASSIGN(cidr, validate_cidr(req.allow_from));
    in.allow_from = cidr;
  }
  GPUBOX_TRY(validate_hardware(req, catalog, in));
  GPUBOX_TRY_ASSIGN(framework, parse_framework(req.framework));
  in.framework = framework;
  GPUBOX_TRY_ASSIGN(wait, parse_wait_level(req.wait));
  in.wait = wait;
  GPUBOX_TRY_ASSIGN(idle, parse_idle_minutes(req.idle));
  in.idle_minutes = idle;
  GPUBOX_TRY_ASSIGN(max_hours, parse_max_hours(req.max_hours));
  if (req.budget_usd < 0) {
    return fail(invalid("--budget must not be negative"));
  }
  in.max_hours = max_hours;
  in.budget_usd = req.budget_usd;
  if (!req.image.empty() && !req.image.starts_with("ami-")) {
    return fail(invalid("--image must be an AMI id like ami-0123456789abcdef0"));
  }
  in.image = req.image;
  if (!req.subnet.empty() && !req.subnet.starts_with("subnet-")) {
    return fail(invalid("--subnet must be a subnet id like subnet-0123456789abcdef0"));
  }
  if (!req.subnet.empty() && !req.zone.empty()) {
    return fail(invalid("pass either --subnet or --zone: the subnet decides the zone"));
  }
  in.subnet = req.subnet;
  GPUBOX_TRY(validate_key(req, home, in));
  in.ssh_user = req.ssh_user;
  if (!req.volume.empty()) {
    GPUBOX_TRY_ASSIGN(volume, parse_volume_flag(req.volume));
    if (in.wait == WaitLevel::none || in.wait == WaitLevel::running) {
      return fail(invalid("--volume is mounted over ssh once the box answers",
                          "use --wait ssh or --wait ready with --volume"));
    }
    in.volume = std::move(volume);
  }
  in.region_pinned = req.region_pinned;
  in.placement.instance_type = in.instance_type;
  in.placement.gpu = in.gpu;
  in.placement.regions = req.regions;
  in.placement.zone = req.zone;
  in.placement.spot = req.spot;
  return in;
}

}  // namespace gpubox::box
