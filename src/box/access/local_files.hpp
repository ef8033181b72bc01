#pragma once
// Where gpubox keeps its own files inside the data directory.

#include <filesystem>

#include "core/filesystem.hpp"
#include "remote/ssh.hpp"

namespace gpubox::box {

// gpubox's files in its data directory that the lifecycle keeps in step with the store.
struct LocalFiles {
  std::filesystem::path data_dir;
  // How boxes are reached: under an AWS stand-in, the managed SSH config never names the
  // instances' invented addresses (only GPUBOX_SSH_CONNECT, or no entry at all).
  remote::ConnectPolicy connect;
  FileSystem* fs = &disk_file_system();  // where they are written (a fake in tests)
  // Return the managed SSH config (<data>/ssh_config).
  std::filesystem::path ssh_config() const { return data_dir / "ssh_config"; }
  // Return gpubox's known_hosts file (<data>/known_hosts).
  std::filesystem::path known_hosts() const { return data_dir / "known_hosts"; }
};

}  // namespace gpubox::box
