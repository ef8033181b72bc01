"""onbox/volume.sh mounts a gpubox volume, formatting it only when it is verifiably blank.

The "device" is a regular file image (mkfs.ext4, blkid and debugfs work on files), the fstab and
the mount point are temp paths, mount is a fake that records its arguments, and mkfs.ext4 is
wrapped by a recorder: nothing here mounts, formats or edits anything of the real machine.
Proven: a blank image is formatted once; a second run, and an image that already holds a
filesystem, are never reformatted (a file written in between survives, read back with debugfs);
fstab gets one line by UUID with nofail; data blkid does not know and partition tables are
refused; a device that never appears is an error.
"""
import json
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import unittest

ONBOX = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "onbox"))
SCRIPT = os.path.join(ONBOX, "volume.sh")
TOOLS = ("mkfs.ext4", "blkid", "debugfs")


def write_exec(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@unittest.skipUnless(all(shutil.which(t) or os.path.exists("/usr/sbin/" + t) for t in TOOLS),
                     "needs e2fsprogs (mkfs.ext4, debugfs) and blkid")
class VolumeScriptTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gpubox-volume-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.image = os.path.join(self.tmp, "disk.img")
        with open(self.image, "wb") as f:
            f.truncate(32 * 1024 * 1024)  # a new EBS volume reads as zeros
        self.fstab = os.path.join(self.tmp, "fstab")
        with open(self.fstab, "w") as f:
            f.write("LABEL=cloudimg-rootfs / ext4 discard,errors=remount-ro 0 1\n")
        self.mount_point = os.path.join(self.tmp, "data")
        self.mkfs_log = os.path.join(self.tmp, "mkfs.calls")
        self.mount_log = os.path.join(self.tmp, "mount.calls")
        self.mkfs = os.path.join(self.tmp, "mkfs-recorder")
        write_exec(self.mkfs, f'#!/bin/sh\necho "$*" >>"{self.mkfs_log}"\nexec /usr/sbin/mkfs.ext4 "$@"\n')
        self.mount = os.path.join(self.tmp, "mount-recorder")
        write_exec(self.mount, f'#!/bin/sh\necho "$*" >>"{self.mount_log}"\n')

    def run_script(self, *extra, device=None, owner="root"):
        env = dict(os.environ,
                   GPUBOX_VOLUME_DEVICE=device or self.image,
                   GPUBOX_VOLUME_FSTAB=self.fstab,
                   GPUBOX_VOLUME_MOUNT_POINT=self.mount_point,
                   GPUBOX_VOLUME_MOUNT_COMMAND=self.mount,
                   GPUBOX_VOLUME_MKFS=self.mkfs,
                   GPUBOX_VOLUME_WAIT_SECONDS="1")
        return subprocess.run(["bash", SCRIPT, "--volume-id", "vol-0123456789abcdef0", "--mount",
                               "/data", "--owner", owner, "--label", "data", *extra],
                              env=env, capture_output=True, text=True, timeout=60)

    def lines(self, path):
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return f.read().splitlines()

    def blkid(self, tag):
        return subprocess.run(["blkid", "-p", "-o", "value", "-s", tag, self.image],
                              capture_output=True, text=True).stdout.strip()

    def debugfs(self, request, write=False):
        argv = ["debugfs"] + (["-w"] if write else []) + ["-R", request, self.image]
        return subprocess.run(argv, capture_output=True, text=True, check=True).stdout

    def test_a_blank_volume_is_formatted_once_and_never_again(self):
        r = self.run_script()
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertTrue(out["formatted"])
        self.assertEqual(out["fstype"], "ext4")
        self.assertEqual(out["mount"], self.mount_point)
        uuid = self.blkid("UUID")
        self.assertEqual(out["uuid"], uuid)
        self.assertEqual(self.blkid("LABEL"), "data")
        self.assertEqual(len(self.lines(self.mkfs_log)), 1)
        self.assertTrue(self.lines(self.mkfs_log)[0].endswith(self.image))
        # The data written on the box between two runs (checkpoints) must survive the second.
        payload = os.path.join(self.tmp, "checkpoint.pt")
        with open(payload, "w") as f:
            f.write("epoch 7\n")
        self.debugfs(f"write {payload} checkpoint.pt", write=True)
        r = self.run_script()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(json.loads(r.stdout)["formatted"])
        self.assertEqual(len(self.lines(self.mkfs_log)), 1)  # mkfs ran once, in the first run
        self.assertEqual(self.blkid("UUID"), uuid)
        self.assertEqual(self.debugfs("cat /checkpoint.pt"), "epoch 7\n")
        fstab = self.lines(self.fstab)
        self.assertEqual(fstab, ["LABEL=cloudimg-rootfs / ext4 discard,errors=remount-ro 0 1",
                                 f"UUID={uuid} {self.mount_point} ext4 defaults,nofail,x-gpubox 0 2"])
        self.assertEqual(self.lines(self.mount_log), [f"{self.image} {self.mount_point}"] * 2)

    def test_a_volume_with_a_filesystem_is_mounted_as_it_is(self):
        subprocess.run(["/usr/sbin/mkfs.ext4", "-q", "-L", "mine", self.image], check=True)
        uuid = self.blkid("UUID")
        marker = os.path.join(self.tmp, "keep.txt")
        with open(marker, "w") as f:
            f.write("keep me\n")
        self.debugfs(f"write {marker} keep.txt", write=True)
        r = self.run_script()
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertFalse(out["formatted"])
        self.assertEqual(out["uuid"], uuid)
        self.assertEqual(self.lines(self.mkfs_log), [])
        self.assertEqual(self.blkid("LABEL"), "mine")
        self.assertEqual(self.debugfs("cat /keep.txt"), "keep me\n")

    def test_a_stale_gpubox_line_for_the_mount_point_is_replaced_and_others_kept(self):
        with open(self.fstab, "a") as f:
            f.write(f"UUID=1111-old {self.mount_point} ext4 defaults,nofail,x-gpubox 0 2\n")
            f.write("/dev/nvme1n1 /scratch xfs defaults 0 2\n")
        r = self.run_script()
        self.assertEqual(r.returncode, 0, r.stderr)
        uuid = json.loads(r.stdout)["uuid"]
        self.assertEqual(self.lines(self.fstab),
                         ["LABEL=cloudimg-rootfs / ext4 discard,errors=remount-ro 0 1",
                          "/dev/nvme1n1 /scratch xfs defaults 0 2",
                          f"UUID={uuid} {self.mount_point} ext4 defaults,nofail,x-gpubox 0 2"])

    def test_data_blkid_does_not_know_is_never_formatted(self):
        with open(self.image, "r+b") as f:
            f.seek(4096)
            f.write(b"precious bytes of an unknown format")
        r = self.run_script()
        self.assertEqual(r.returncode, 1)
        self.assertIn("not blank", r.stderr)
        self.assertEqual(self.lines(self.mkfs_log), [])
        self.assertEqual(self.lines(self.mount_log), [])
        self.assertEqual(len(self.lines(self.fstab)), 1)
        with open(self.image, "rb") as f:
            f.seek(4096)
            self.assertEqual(f.read(35), b"precious bytes of an unknown format")

    def test_a_partition_table_is_never_formatted(self):
        with open(self.image, "r+b") as f:  # an MBR with one Linux partition from sector 2048
            f.seek(446)
            f.write(bytes([0, 0, 0, 0, 0x83, 0, 0, 0]) + (2048).to_bytes(4, "little") +
                    (4096).to_bytes(4, "little"))
            f.seek(510)
            f.write(b"\x55\xaa")
        self.assertEqual(self.blkid("PTTYPE"), "dos")
        r = self.run_script()
        self.assertEqual(r.returncode, 1)
        self.assertIn("partition table", r.stderr)
        self.assertEqual(self.lines(self.mkfs_log), [])
        self.assertEqual(self.lines(self.mount_log), [])

    def test_a_device_that_never_appears_is_an_error(self):
        r = self.run_script(device=os.path.join(self.tmp, "missing"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("did not appear", r.stderr)
        self.assertEqual(self.lines(self.mkfs_log), [])

    def test_the_new_filesystem_is_given_to_the_login_user(self):
        nobody = pwd.getpwnam("nobody")
        if os.geteuid() != 0:
            self.skipTest("chown to another user needs root")
        r = self.run_script(owner="nobody")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.stat(self.mount_point).st_uid, nobody.pw_uid)


if __name__ == "__main__":
    unittest.main()
