#pragma once
// Named volumes: data that outlives a box (`gpubox up NAME --volume data:200`). A volume is a gp3,
// encrypted EBS volume tagged gpubox:volume=NAME plus the owner tags, found again by those tags
// (nothing about it is stored locally). It lives in one zone: a box that uses it launches there.
// After launch it is attached as /dev/sdf and, over the managed ssh, onbox/volume.sh mounts it
// at /data, formatting it only when it is verifiably blank. `down` keeps it (unless asked), `gc`
// never deletes it; `gpubox volumes` lists them and `volumes rm` deletes one.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2_instances.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/process.hpp"
#include "core/progress.hpp"
#include "remote/ssh.hpp"

namespace gpubox::box {

// The name of a volume that outlives its box (`up --volume NAME:GiB`); on an instance, the named
// volume that box uses. Such a volume carries no gpubox:box tag (box/tags.hpp): `down` keeps it
// (unless --delete-volumes), `gc` never deletes it.
inline constexpr std::string_view k_tag_volume = "gpubox:volume";
inline constexpr std::string_view k_volume_mount_point = "/data";
inline constexpr std::string_view k_volume_device = "/dev/sdf";  // AttachVolume's device name
constexpr long long k_max_volume_gib = 16384;                    // gp3's limit

// What `--volume NAME[:GiB]` asked for.
struct VolumeRequest {
  std::string name;
  std::optional<long long> size_gib;  // needed only to create it
};

// Parse `--volume` ("data:200" or "data"); the name follows the box-name rules, the size is 1
// to 16384 GiB.
Result<VolumeRequest> parse_volume_flag(std::string_view text);

// Return the Name tag of volume `name` ("gpubox-volume-data"), for the AWS console.
std::string volume_resource_name(std::string_view name);

// Return the tags of a new volume `name`: gpubox:volume, the owner tags and Name.
aws::Tags volume_tags(std::string_view name, std::string_view owner, TimePoint now);

// Return what volume `size_gib` costs per month in `region` (EBS gp3 list price).
double volume_usd_per_month(long long size_gib, std::string_view region);

// Return the volume name of `tags` (gpubox:volume), empty when it is not a named volume.
std::string volume_name_of(const aws::Tags& tags);

// Return the caller's volumes called `name` in `region` (tag gpubox:volume=NAME and the
// gpubox:owner of `owner`; an empty owner accepts any).
Result<std::vector<aws::Volume>> find_volumes(aws::AwsClient& client, std::string_view region,
                                              std::string_view name, std::string_view owner);

// Return the caller's one volume called `name` in `region`, nullopt when there is none; two of
// that name is an error naming both.
Result<std::optional<aws::Volume>> find_volume(aws::AwsClient& client, std::string_view region,
                                               std::string_view name, std::string_view owner);

// How volume calls wait for EC2 (a new volume is "creating", an attachment "attaching").
struct VolumeWait {
  Duration poll = std::chrono::seconds(1);
  Duration timeout = std::chrono::minutes(5);
};

struct VolumeDeps {
  aws::AwsClient& client;
  Clock& clock;
  ProgressSink& progress = null_progress();
  VolumeWait wait = {};
};

// Create volume `name` of `size_gib` in `zone` of `region` (gp3, encrypted, tagged for `owner`)
// and wait until it is available.
Result<aws::Volume> create_named_volume(const VolumeDeps& deps, std::string_view region,
                                        std::string_view zone, std::string_view name,
                                        long long size_gib, std::string_view owner);

// Attach `volume` to `instance_id` as k_volume_device and wait until it is attached; a volume
// already attached to that instance is left as it is. A volume in another zone or attached
// elsewhere is refused with what to do.
Result<aws::Volume> attach_named_volume(const VolumeDeps& deps, std::string_view region,
                                        const aws::Volume& volume, std::string_view instance_id);

// What onbox/volume.sh reports.
struct MountResult {
  std::string device;
  std::string uuid;
  std::string fstype;
  bool formatted = false;  // it was blank and got a new ext4 filesystem
  std::string mount_point;
};

// Return the shell command that runs onbox/volume.sh (sent on stdin) as root: directly when
// the login user is root, else with `sudo -n`.
std::string mount_command(std::string_view volume_id, std::string_view name,
                          std::string_view login_user);

// Parse volume.sh's JSON line.
Result<MountResult> parse_mount_result(std::string_view text);

// Mount volume `volume_id` (named `name`) at /data on `target`, owned by `login_user`.
Result<MountResult> mount_volume(ProcessRunner& runner, const remote::SshTarget& target,
                                 std::string_view volume_id, std::string_view name,
                                 std::string_view login_user);

// One named volume as `gpubox volumes` shows it.
struct VolumeRow {
  std::string name;
  std::string region;
  aws::Volume volume;
  std::string instance_id;  // attached to, empty when available
  std::string box;          // the gpubox:box tag of that instance, when it has one
  double usd_per_month = 0;
};

struct VolumeListing {
  std::vector<VolumeRow> rows;                        // by name, then region
  std::vector<std::pair<std::string, Error>> failed;  // regions that could not be asked
};

// List the caller's named volumes in `regions` (asked in parallel), with the box each is
// attached to.
VolumeListing list_volumes(aws::AwsClient& client, const std::vector<std::string>& regions,
                           std::string_view owner);

// Delete named volume `volume` once it is detached: wait (through `deps.clock`) while it is
// still detaching from a terminated box, refuse while it is attached to a live one.
Result<void> delete_named_volume(const VolumeDeps& deps, std::string_view region,
                                 const aws::Volume& volume);

// Delete the caller's named volume `name_or_id` (a name, or a vol- id) in `region`; refuse while
// it is attached to a box. Return what was deleted.
Result<aws::Volume> remove_volume(const VolumeDeps& deps, std::string_view region,
                                  std::string_view name_or_id, std::string_view owner);

}  // namespace gpubox::box
