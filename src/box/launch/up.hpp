#pragma once
// `gpubox up`: validate the request, plan it (type, region, zones, image, price, quota), then
// launch, wait, and record the box locally. The command file only parses flags and renders.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.hpp"
#include "box/launch/host_keys.hpp"
#include "box/launch/image.hpp"
#include "box/launch/launch.hpp"
#include "box/launch/placement.hpp"
#include "box/launch/quota.hpp"
#include "box/launch/wait.hpp"
#include "box/names.hpp"
#include "box/onbox/autostop.hpp"
#include "box/volumes/volumes.hpp"
#include "catalog/catalog.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/process.hpp"
#include "core/progress.hpp"
#include "remote/ssh.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

constexpr int k_default_disk_gb = 100;
constexpr int k_max_disk_gb = 16384;

// The flags of `gpubox up`, as given.
struct UpRequest {
  std::string name;                  // empty: generate one
  std::string gpu;                   // --gpu, e.g. "T4:2"
  std::string instance_type;         // --type
  std::vector<std::string> regions;  // one when pinned, else the regions to search (may be empty)
  bool region_pinned = false;
  std::string zone;
  std::string subnet;  // --subnet subnet-...: launch into this subnet's VPC
  bool spot = false;
  int disk_gb = k_default_disk_gb;
  std::string framework = "pytorch";
  std::string image;       // --image ami-...
  std::string allow_from;  // --allow-from CIDR; empty: the caller's /32
  std::string key_path;    // --key PATH (public key); empty: ~/.ssh defaults
  std::string idle = "30m";
  std::string max_hours = "off";  // hours ("8", "1.5"), a duration ("90m") or off
  double budget_usd = 0;
  std::string wait = "ready";
  std::string ssh_user;  // GPUBOX_SSH_USER / --ssh-user: overrides the image's user
  std::string volume;    // --volume NAME[:GiB]: a named volume mounted at /data
};

// A validated request: every value checked, nothing asked of AWS yet.
struct UpInput {
  std::string name;
  std::optional<catalog::GpuSpec> gpu;
  std::optional<std::string> instance_type;
  PlacementRequest placement;
  bool region_pinned = false;
  int disk_gb = k_default_disk_gb;
  Framework framework = Framework::pytorch;
  std::string image;
  std::string subnet;           // empty: the region's default VPC
  std::string allow_from;       // canonical CIDR, or empty for the caller's address
  std::string public_key_line;  // empty: create a key pair
  std::filesystem::path public_key_path;
  std::filesystem::path private_key_path;  // next to the imported public key, when present
  int idle_minutes = 30;
  double max_hours = 0;
  double budget_usd = 0;
  WaitLevel wait = WaitLevel::ready;
  std::string ssh_user;
  std::optional<VolumeRequest> volume;
};

// The named volume of a plan: an existing one decides the region and zone.
struct VolumePlan {
  std::string name;
  long long size_gib = 0;  // the existing volume's size, else the size asked
  bool exists = false;
  std::string volume_id;  // when it exists
  std::string zone;       // when it exists: the only zone the box may launch in
  std::string region;
  double usd_per_month = 0;
};

// Where the launch goes and what it costs.
struct UpPlan {
  std::string name;
  Candidate where;  // region, type, zones to try
  ImageChoice image;
  std::string allow_from;   // CIDR
  bool world_open = false;  // allow_from admits everyone (the user asked)
  std::string key_source;   // "import <path>" or "create"
  int disk_gb = 0;
  bool spot = false;
  int idle_minutes = 0;  // the auto-stop settings, shown before anything is created; 0 = off
  double max_hours = 0;
  std::optional<QuotaCheck> quota;
  std::vector<Candidate> fallbacks;   // further regions, in order, when capacity fails
  std::vector<std::string> warnings;  // e.g. the quota could not be read: EC2 decides
  std::optional<VolumePlan> volume;
};

struct UpDeps {
  aws::AwsClient& client;
  state::BoxStore& store;
  Clock& clock;
  ProcessRunner& runner;
  const catalog::Catalog& catalog;
  std::filesystem::path data_dir;
  remote::ConnectPolicy connect;
  ProgressSink& progress = null_progress();
  WaitPolicy wait;
  QuotaDeps quota = {};  // the quota code cache and vCPU table (both optional)
  HostKeyPolicy host_keys = {};
  FileSystem& files = disk_file_system();  // keys, tokens, known_hosts, the SSH config
  // Set what to tell the person if they interrupt now (what exists, what it costs, what to run).
  std::function<void(const std::string& note)> interrupt_note = {};
  // The caller (owner_from_arn) when known before planning: whose named volume plan_up looks up.
  std::string owner = {};
};

// What `up` did.
struct UpResult {
  UpPlan plan;
  state::Box box;
  bool resumed = false;
  std::vector<std::string> failed_zones;
  WaitLevel reached = WaitLevel::none;
  bool ssh_skipped = false;  // ssh checks skipped: the address is invented by a local stand-in
  std::vector<std::string> warnings;
  std::optional<aws::Volume> volume;  // the named volume, attached
  std::optional<MountResult> mount;   // where it was mounted (not when the ssh checks were skipped)
};

// Read an OpenSSH public key file; return its single "type base64 [comment]" line. ECDSA and
// security-key (sk-) keys are refused: EC2 imports RSA and ED25519 only.
Result<std::string> read_public_key(const std::filesystem::path& path);

// Return the public key to import: `explicit_path`, else ~/.ssh/id_ed25519.pub, else
// ~/.ssh/id_rsa.pub under `home` (EC2 imports only those types); nullopt when there is none (a
// key pair is created).
Result<std::optional<std::filesystem::path>> default_public_key(const std::filesystem::path& home,
                                                                const std::string& explicit_path);

// Check every value of `req` (name, sizes, CIDR, key file, GPU or type, framework, wait level)
// against `catalog`, without calling AWS.
Result<UpInput> validate_up(const UpRequest& req, const catalog::Catalog& catalog,
                            const std::filesystem::path& home, const RandomSource& random);

// Plan `in`: the cheapest place that offers the type, where the quota fits, with its image.
// Read-only: no AWS write calls. `caller_cidr` is the caller's /32 when no --allow-from.
Result<UpPlan> plan_up(UpDeps& deps, const UpInput& in, const std::string& caller_cidr);

// Launch `plan` (failing over to the next zone, then region), record the box and its ledger
// entry, wait as `in.wait` asks, pin host keys and rewrite the managed SSH config.
Result<UpResult> run_up(UpDeps& deps, const UpInput& in, UpPlan plan, const std::string& owner);

// Return the box record for what `launched` made under `plan`.
state::Box box_from_launch(const UpInput& in, const UpPlan& plan, const LaunchResult& launched,
                           TimePoint now);

}  // namespace gpubox::box
