#pragma once
// The credential sources that talk to an edge (a process, the EC2 metadata service); the chain
// that orders them is in credentials.cpp.

#include <filesystem>
#include <optional>
#include <string_view>

#include "aws/credentials.hpp"
#include "aws/http.hpp"
#include "aws/settings.hpp"
#include "core/error.hpp"
#include "core/process.hpp"

namespace gpubox::aws {

// Run `command` (a profile's credential_process) and parse its Version 1 JSON output.
Result<Credentials> credentials_from_process(ProcessRunner& runner, std::string_view command,
                                             std::string_view profile);

// Return whether the DMI files in `dmi_dir` say this machine is an EC2 instance.
bool running_on_ec2(const std::filesystem::path& dmi_dir);

// Fetch the instance role's credentials over IMDSv2; nullopt when not on EC2 or when
// AWS_EC2_METADATA_DISABLED=true.
Result<std::optional<Credentials>> credentials_from_instance_metadata(
    HttpClient& http, const EnvLookup& env, const std::filesystem::path& dmi_dir);

}  // namespace gpubox::aws
