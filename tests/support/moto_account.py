"""What a real AWS account answers that moto does not, for the gpubox moto wrapper
(gpubox_moto.py): regions the account has not opted into, DLAMIs with their real root
devices and root snapshot sizes, DescribeImages failing whole when one id does not exist, and the per-test switches of the Service Quotas realism that
lives in moto_services.Quotas (unapplied quotas, access denied, too many open requests).

Test endpoints (gpubox_moto.App routes every path in TEST_PATHS here):
  POST /gpubox-test/regions          {"disabled": {region: "AuthFailure"|"OptInRequired"}}
                                     replaces the disabled regions; {} restores the default
  GET  /gpubox-test/regions          the disabled regions now
  POST /gpubox-test/quota-behaviour  {"unapplied": {region: "all"|[codes]},
                                      "access_denied": true|false|[operations],
                                      "max_open_requests": n}
  POST /gpubox-test/quota-defaults   [{"region", "code", "value"}] GetAWSDefaultServiceQuota values
All of it returns to the defaults on POST /moto-api/reset.
"""
import threading

from moto_services import error_reply, json_reply

TEST_PATHS = ("/gpubox-test/regions", "/gpubox-test/quota-behaviour", "/gpubox-test/quota-defaults")

DEFAULT_ROOT_DEVICE = "/dev/sda1"
DEFAULT_ROOT_GIB = 75


def moto_not_opted_in():
    """The regions moto's DescribeRegions reports as "not-opted-in"."""
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend
    return sorted(r.name for r in RegionsAndZonesBackend.regions if r.opt_in_status == "not-opted-in")


class OptInRegions:
    """Calls to a region the account has not enabled fail as AWS fails them."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.lock = threading.Lock()
        self.disabled = {}
        self.clear()

    def default(self):
        configured = self.cfg.get("disabled_regions")
        if configured is None:
            return {r: "AuthFailure" for r in moto_not_opted_in()}
        return dict(configured)

    def clear(self):
        with self.lock:
            self.disabled = self.default()

    def set(self, data):
        with self.lock:
            data = data or {}
            self.disabled = dict(data["disabled"]) if "disabled" in data else self.default()
            return dict(self.disabled)

    def refuse(self, req):
        """The reply AWS gives for `req` in a disabled region, or None."""
        with self.lock:
            code = self.disabled.get(req.region)
        if code is None or not req.service or req.service in ("iam", "pricing"):
            return None
        if req.service == "sts" and req.action in ("GetCallerIdentity", "AssumeRole"):
            # STS answers from a disabled region's endpoint as from a bad key.
            return error_reply(req, 403, "InvalidClientTokenId",
                               "The security token included in the request is invalid.")
        if code == "OptInRequired":
            return error_reply(req, 403, "OptInRequired",
                               "You are not subscribed to this service. Please go to "
                               "http://aws.amazon.com to subscribe.")
        if req.is_json:
            return error_reply(req, 400, "UnrecognizedClientException",
                               "The security token included in the request is invalid.")
        return error_reply(req, 401, "AuthFailure",
                           "AWS was not able to validate the provided access credentials")


_DLAMI_CLASS = None


def dlami_class():
    """moto's Ami with the block device mapping of a real DLAMI (its root snapshot size)."""
    global _DLAMI_CLASS
    if _DLAMI_CLASS is None:
        from moto.ec2.models.amis import Ami

        class DlamiImage(Ami):
            __module__ = "moto.ec2.models.amis"  # moto's backend metaclass reads the service from it

            @property
            def block_device_mappings(self):
                return [{"DeviceName": self.root_device_name,
                         "Ebs": {"SnapshotId": self.ebs_snapshot.id, "VolumeSize": self.root_gib,
                                 "DeleteOnTermination": True, "VolumeType": "gp3",
                                 "Encrypted": False}}]

        _DLAMI_CLASS = DlamiImage
    return _DLAMI_CLASS


def make_dlami(backend, dlami, ami_id, owner, creation_date):
    """A moto Ami for one DLAMI entry, with its root device name and root snapshot size."""
    ami = dlami_class()(backend, ami_id=ami_id, name=dlami["name"],
                        description=dlami.get("description", dlami["name"]), owner_id=owner,
                        owner_alias="amazon", public=True, virtualization_type="hvm",
                        architecture=dlami["architecture"], hypervisor="xen",
                        root_device_type="ebs",
                        root_device_name=dlami.get("root_device", DEFAULT_ROOT_DEVICE),
                        creation_date=creation_date)
    ami.root_gib = int(dlami.get("root_gib", DEFAULT_ROOT_GIB))
    return ami


def missing_images(req):
    """EC2's answer to DescribeImages naming an image that does not exist (deregistered), or None.
    AWS fails the whole call with InvalidAMIID.NotFound; moto answers with the images it has."""
    if req.service != "ec2" or req.is_json or req.action != "DescribeImages":
        return None
    wanted = [v for k, v in req.params.items() if k.startswith("ImageId.")]
    if not wanted:
        return None
    from moto.ec2.models import ec2_backends
    backend = ec2_backends[req.account][req.region]
    missing = [i for i in wanted if i.startswith("ami-") and i not in backend.amis]
    if not missing:
        return None
    return error_reply(req, 400, "InvalidAMIID.NotFound",
                       f"The image id '[{', '.join(missing)}]' does not exist")


def test_api(method, path, data, quotas, regions):
    """Answer one of TEST_PATHS."""
    if path == "/gpubox-test/regions":
        if method == "POST":
            return json_reply(regions.set(data))
        with regions.lock:
            return json_reply(dict(regions.disabled))
    if path == "/gpubox-test/quota-behaviour" and method == "POST":
        return json_reply(quotas.set_behaviour(data))
    if path == "/gpubox-test/quota-defaults" and method == "POST":
        quotas.set_defaults(data or [])
        return json_reply({"ok": True})
    return json_reply({"error": f"unknown test endpoint {method} {path}"}, 404)
