"""AWS behaviours that moto 5.2.1 hides (issue 9), added by the gpubox test server.

Each one is on by default and switchable per test through
POST /gpubox-test/behaviours {"name": value, ...} (GET shows them; a moto
reset restores DEFAULTS):

  consistency_notfound   int   Eventual consistency: how many times a resource
                               gpubox just created (security group, key pair,
                               instance) answers *.NotFound to a request that
                               names it by id (AuthorizeSecurityGroupIngress,
                               RunInstances, DescribeInstances/-SecurityGroups/
                               -KeyPairs by id, CreateTags, GetConsoleOutput).
                               Only resources created with gpubox's User-Agent
                               lag, so a test's own boto3 set-up is unaffected.
  spot_relaunch          bool  Persistent spot requests: RunInstances with
                               InstanceMarketOptions makes a spot request (its
                               id on the instance, tags from TagSpecification
                               spot-instances-request); terminating the
                               instance of a persistent request that is not
                               cancelled reopens it and launches a replacement
                               at once, as EC2 does. Cancelling never
                               terminates the instance.
                               POST /gpubox-test/spot-interruption
                               {"instance_id", "phase": "stop"|"restart"}:
                               what EC2 does to the instance of a persistent
                               request that stops on interruption: "stop"
                               stops it and disables the request
                               (instance-stopped-no-capacity); "restart",
                               once capacity is back, starts the same
                               instance again and makes the request active
                               (fulfilled). Only for such requests.
  console_after_calls    int   GetConsoleOutput answers boot noise only for
                               this many calls per instance, then adds the
                               Ubuntu cloud-init block ("ec2:" fingerprint
                               lines, then BEGIN/END SSH HOST KEY KEYS).
  console_keys           bool  False: the key block never appears.
  console_host_keys      list  "<type> <base64>" lines to print (a test
                               sshd's real key); None: made-up keys per
                               instance. Per instance: POST
                               /gpubox-test/console {"instance_id", "host_keys"}.
  default_vpc            bool  False: an account without a default VPC
                               (CreateSecurityGroup without VpcId and
                               RunInstances without a subnet answer
                               VPCIdNotSpecified).
  no_default_subnet_zones list Zones of the default VPC without a default
                               subnet (RunInstances there: MissingInput).
  volume_transitions     int   EBS volumes take time: a volume gpubox creates
                               is "creating" (in the CreateVolume reply and
                               this many DescribeVolumes after it) before
                               "available", and a new attachment "attaching"
                               for this many DescribeVolumes before
                               "attached". Always on: AttachVolume of a
                               volume in another zone than the instance
                               answers InvalidVolume.ZoneMismatch, of a volume
                               that is attached (or still creating)
                               VolumeInUse / IncorrectState, to an instance
                               neither running nor stopped IncorrectState
                               (moto attaches anything anywhere).
"""
import base64
import copy
import hashlib
import os
import re
import threading
import time
import uuid
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from moto_services import Reply, XML_CT, error_reply

EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"

DEFAULTS = {
    "consistency_notfound": 1,
    "spot_relaunch": True,
    "console_after_calls": 1,
    "console_keys": True,
    "console_host_keys": None,
    "default_vpc": True,
    "no_default_subnet_zones": [],
    "volume_transitions": 1,
}

NOT_FOUND = {
    "group": ("InvalidGroup.NotFound", "The security group '{}' does not exist"),
    "key": ("InvalidKeyPair.NotFound", "The key pair '{}' does not exist"),
    "instance": ("InvalidInstanceID.NotFound", "The instance ID '{}' does not exist"),
    "volume": ("InvalidVolume.NotFound", "The volume '{}' does not exist."),
}

# Volumes still "creating": id -> DescribeVolumes answers left (read by the patched
# Volume.status); attachments still "attaching": volume id -> answers left.
CREATING = {}
ATTACHING = {}


def patch_volume_status():
    """Make moto's Volume.status say "creating" while the volume is in CREATING, once."""
    from moto.ec2.models.elastic_block_store import Volume
    if getattr(Volume, "_gpubox_patched", False):
        return
    plain = Volume.status

    def status(self):
        return "creating" if self.id in CREATING else plain.fget(self)

    Volume.status = property(status)
    Volume._gpubox_patched = True


def ec2_xml(op, inner):
    body = f'<{op}Response xmlns="{EC2_NS}"><requestId>{uuid.uuid4()}</requestId>{inner}</{op}Response>'
    return Reply(200, [("Content-Type", XML_CT)], body.encode())


def indexed(params, prefix):
    """Values of params prefix.1, prefix.2, ... (e.g. InstanceId.N)."""
    pat = re.compile(re.escape(prefix) + r"\.(\d+)$")
    found = sorted((int(m.group(1)), v) for k, v in params.items() if (m := pat.match(k)))
    return [v for _, v in found]


def filters(params):
    """{name: [values]} from Filter.N.Name / Filter.N.Value.M."""
    out = {}
    for k, v in params.items():
        m = re.fullmatch(r"Filter\.(\d+)\.Name", k)
        if m:
            out[v] = indexed(params, f"Filter.{m.group(1)}.Value")
    return out


def tag_spec(params, resource_type):
    """Tags of TagSpecification.N with this ResourceType."""
    tags = {}
    for k, v in params.items():
        m = re.fullmatch(r"TagSpecification\.(\d+)\.ResourceType", k)
        if m and v == resource_type:
            n = m.group(1)
            j = 1
            while f"TagSpecification.{n}.Tag.{j}.Key" in params:
                tags[params[f"TagSpecification.{n}.Tag.{j}.Key"]] = params.get(
                    f"TagSpecification.{n}.Tag.{j}.Value", "")
                j += 1
    return tags


def tag_set_xml(tags):
    return "<tagSet>" + "".join(f"<item><key>{escape(k)}</key><value>{escape(v)}</value></item>"
                                for k, v in tags.items()) + "</tagSet>"


def matches_tags(tags, flt):
    for name, values in flt.items():
        if name.startswith("tag:") and tags.get(name[4:]) not in values:
            return False
        if name == "tag-key" and not any(v in tags for v in values):
            return False
    return True


def is_gpubox(req):
    return req.headers.get("User-Agent", "").startswith("gpubox/")


def made_up_host_keys(instance_id):
    """Structurally valid ed25519 and ecdsa public keys, stable per instance."""
    seed = hashlib.sha256(instance_id.encode()).digest()

    def blob(*parts):
        return b"".join(len(p).to_bytes(4, "big") + p for p in parts)

    ed = blob(b"ssh-ed25519", seed)
    point = b"\x04" + hashlib.sha512(seed).digest()[:64]
    ec = blob(b"ecdsa-sha2-nistp256", b"nistp256", point)
    return [f"ecdsa-sha2-nistp256 {base64.b64encode(ec).decode()}",
            f"ssh-ed25519 {base64.b64encode(ed).decode()}"]


def fingerprint_line(key_line, host):
    kind, b64 = key_line.split()[:2]
    digest = base64.b64encode(hashlib.sha256(base64.b64decode(b64)).digest()).decode().rstrip("=")
    label = {"ssh-ed25519": "ED25519", "ssh-rsa": "RSA"}.get(kind, "ECDSA")
    bits = {"ssh-ed25519": 256, "ssh-rsa": 3072}.get(kind, 256)
    return f"{bits} SHA256:{digest} root@{host} ({label})"


BOOT_NOISE = """[    0.000000] Linux version 6.8.0-1015-aws (buildd@lcy02-amd64-051) (x86_64-linux-gnu-gcc-13)
[    0.000000] Command line: BOOT_IMAGE=/vmlinuz-6.8.0-1015-aws root=PARTUUID=1 ro console=tty1 console=ttyS0
[    2.104512] EXT4-fs (nvme0n1p1): mounted filesystem with ordered data mode.
[    5.733101] cloud-init[512]: Cloud-init v. 24.1.3-0ubuntu3.3 running 'init-local' at {t}. Up 5.60 seconds.
[    8.002331] cloud-init[601]: Cloud-init v. 24.1.3-0ubuntu3.3 running 'init' at {t}. Up 7.94 seconds.
[    8.120004] cloud-init[601]: ci-info: ++++++++++++++++++++++++Net device info+++++++++++++++++++++++
"""


class Realism:
    """The behaviours above; `around` wraps the wrapper's own dispatch."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.RLock()
        patch_volume_status()
        self.clear()

    def clear(self):
        with getattr(self, "lock", threading.RLock()):
            self.settings = copy.deepcopy(DEFAULTS)
            self.lag = {}           # (kind, id) -> NotFound answers left
            self.spot = {}          # sir id -> request dict
            self.console = {}       # instance id -> {"calls": n, "keys": [...]}
            self.prepared = set()   # (account, region) whose VPCs were adjusted
            CREATING.clear()
            ATTACHING.clear()

    def set(self, data):
        with self.lock:
            unknown = [k for k in data if k not in DEFAULTS]
            if unknown:
                raise KeyError(f"unknown behaviour(s): {unknown}")
            self.settings.update(data)
            self.prepared.clear()
            return dict(self.settings)

    def set_console(self, data):
        with self.lock:
            self.console.setdefault(data["instance_id"], {"calls": 0})["keys"] = data["host_keys"]
            return {"ok": True}

    def dump(self):
        with self.lock:
            return {"settings": dict(self.settings), "lag": [list(k) + [v] for k, v in self.lag.items()],
                    "spot_requests": [{k: v for k, v in r.items() if k != "body"}
                                      for r in self.spot.values()]}

    # ---- moto backends ----------------------------------------------------
    @staticmethod
    def backend(account, region):
        from moto.ec2.models import ec2_backends
        return ec2_backends[account][region]

    def prepare_region(self, req):
        """Apply default_vpc / no_default_subnet_zones to moto's VPCs of this region, once."""
        key = (req.account, req.region)
        if key in self.prepared:
            return
        self.prepared.add(key)
        s = self.settings
        if s["default_vpc"] and not s["no_default_subnet_zones"]:
            return
        be = self.backend(req.account, req.region)
        for vpc in list(be.vpcs.values()):
            if not vpc.is_default:
                continue
            for zone_subnets in be.subnets.values():
                for sn in zone_subnets.values():
                    if sn.vpc_id == vpc.id and (not s["default_vpc"] or
                                                sn.availability_zone in s["no_default_subnet_zones"]):
                        sn.default_for_az = False
            if not s["default_vpc"]:
                vpc.is_default = False

    def default_vpc(self, req):
        be = self.backend(req.account, req.region)
        return next((v for v in be.vpcs.values() if v.is_default), None)

    def default_subnet(self, req, zone):
        be = self.backend(req.account, req.region)
        vpc = self.default_vpc(req)
        for sn in be.subnets.get(zone, {}).values():
            if vpc is not None and sn.vpc_id == vpc.id and sn.default_for_az:
                return sn
        return None

    # ---- the hook -----------------------------------------------------------
    def around(self, environ, req, dispatch):
        """Answer `req`, calling `dispatch()` for the wrapper's and moto's own answer."""
        if req.is_json or req.service != "ec2":
            return dispatch()
        with self.lock:
            self.prepare_region(req)
            early = self.before(req)
        if early is not None:
            return early
        if req.action == "DescribeSpotInstanceRequests":
            return self.describe_spot(req)
        if req.action == "CancelSpotInstanceRequests":
            return self.cancel_spot(req)
        if req.action == "GetConsoleOutput":
            return self.console_output(req)
        reply = dispatch()
        if reply.status == 200:
            reply = self.after(environ, req, reply)
        return reply

    # ---- eventual consistency and missing default VPCs -----------------------
    def referenced(self, req):
        p, a = req.params, req.action
        refs = []
        if a == "AuthorizeSecurityGroupIngress" and p.get("GroupId"):
            refs.append(("group", p["GroupId"]))
        if a == "DescribeSecurityGroups":
            refs += [("group", g) for g in indexed(p, "GroupId")]
        if a == "RunInstances":
            refs += [("group", g) for g in indexed(p, "SecurityGroupId")]
            if p.get("KeyName"):
                refs.append(("key", p["KeyName"]))
        if a == "DescribeKeyPairs":
            refs += [("key", k) for k in indexed(p, "KeyName")]
        if a in ("DescribeInstances", "DescribeInstanceStatus"):
            refs += [("instance", i) for i in indexed(p, "InstanceId")]
        if a == "GetConsoleOutput" and p.get("InstanceId"):
            refs.append(("instance", p["InstanceId"]))
        if a == "CreateTags":
            refs += [("instance", i) for i in indexed(p, "ResourceId") if i.startswith("i-")]
        if a == "DescribeVolumes":
            refs += [("volume", v) for v in indexed(p, "VolumeId")]
        if a == "AttachVolume" and p.get("VolumeId"):
            refs.append(("volume", p["VolumeId"]))
        return refs

    def before(self, req):
        for ref in self.referenced(req):
            if self.lag.get(ref, 0) > 0:
                self.lag[ref] -= 1
                code, message = NOT_FOUND[ref[0]]
                reply = error_reply(req, 400, code, message.format(ref[1]))
                reply.headers.append(("x-gpubox-realism", "not-visible-yet"))  # never reached moto
                return reply
        p, a = req.params, req.action
        if a == "AttachVolume":
            refused = self.attach_refused(req)
            if refused is not None:
                return refused
        if a == "CreateSecurityGroup" and not p.get("VpcId") and self.default_vpc(req) is None:
            return error_reply(req, 400, "VPCIdNotSpecified", "No default VPC for this user")
        if a == "RunInstances" and not p.get("SubnetId") and not p.get("NetworkInterface.1.SubnetId"):
            if self.default_vpc(req) is None:
                return error_reply(req, 400, "VPCIdNotSpecified",
                                   "No default VPC for this user. GroupName is only supported for "
                                   "EC2-Classic and default VPC.")
            zone = p.get("Placement.AvailabilityZone")
            if zone and self.default_subnet(req, zone) is None:
                return error_reply(req, 400, "MissingInput",
                                   f"No default subnet for availability zone: '{zone}'.")
        return None

    def attach_refused(self, req):
        """AWS's refusals of AttachVolume that moto does not make."""
        be = self.backend(req.account, req.region)
        vid, iid = req.params.get("VolumeId", ""), req.params.get("InstanceId", "")
        vol = be.volumes.get(vid)
        try:
            inst = be.get_instance(iid)
        except Exception:  # noqa: BLE001 - moto's own NotFound answers below
            inst = None
        if vol is None or inst is None:
            return None
        if vid in CREATING:
            return error_reply(req, 400, "IncorrectState", f"vol '{vid}' is in 'creating' state.")
        if vol.attachment is not None:
            return error_reply(req, 400, "VolumeInUse", f"{vid} is already attached to an instance")
        zone = getattr(inst.placement, "zone", inst.placement)
        if vol.zone is not None and vol.zone.name != zone:
            return error_reply(req, 400, "InvalidVolume.ZoneMismatch",
                               f"The volume '{vid}' is not in the same availability zone as instance '{iid}'")
        if inst.state not in ("running", "stopped"):
            return error_reply(req, 400, "IncorrectState", f"Instance '{iid}' is not 'running'.")
        return None

    def volume_times(self, req, reply):
        """Start and advance the creating / attaching phases (volume_transitions)."""
        n = int(self.settings["volume_transitions"] or 0)
        text = reply.body.decode("utf-8", "replace")
        if req.action == "CreateVolume" and n > 0 and is_gpubox(req):
            vid = re.search(r"<volumeId>(vol-[0-9a-f]+)</volumeId>", text)
            if vid:
                CREATING[vid.group(1)] = n
                text = text.replace("<status>available</status>", "<status>creating</status>", 1)
                return Reply(reply.status, reply.headers, text.encode())
        if req.action == "AttachVolume" and n > 0:
            vol = self.backend(req.account, req.region).volumes.get(req.params.get("VolumeId", ""))
            if vol is not None and vol.attachment is not None:
                vol.attachment.status = "attaching"
                ATTACHING[vol.id] = n
        if req.action == "DescribeVolumes":
            be = self.backend(req.account, req.region)
            for vid in set(re.findall(r"<volumeId>(vol-[0-9a-f]+)</volumeId>", text)):
                for table in (CREATING, ATTACHING):
                    if vid in table:
                        table[vid] -= 1
                        if table[vid] <= 0:
                            del table[vid]
                            vol = be.volumes.get(vid)
                            if table is ATTACHING and vol is not None and vol.attachment is not None:
                                vol.attachment.status = "attached"
        return reply

    def remember_created(self, req, reply):
        n = int(self.settings["consistency_notfound"] or 0)
        if n <= 0 or not is_gpubox(req):
            return
        text = reply.body.decode("utf-8", "replace")
        new = []
        if req.action == "CreateSecurityGroup":
            new += [("group", g) for g in re.findall(r"<groupId>(sg-[0-9a-f]+)</groupId>", text)]
        if req.action in ("CreateKeyPair", "ImportKeyPair") and req.params.get("KeyName"):
            new.append(("key", req.params["KeyName"]))
        if req.action == "RunInstances":
            new += [("instance", i) for i in re.findall(r"<instanceId>(i-[0-9a-f]+)</instanceId>", text)]
        if req.action == "CreateVolume":
            new += [("volume", v) for v in re.findall(r"<volumeId>(vol-[0-9a-f]+)</volumeId>", text)[:1]]
        for ref in new:
            self.lag.setdefault(ref, n)  # a replayed RunInstances reply does not lag again

    def nic_groups(self, req, reply):
        """AWS lists the primary network interface's groups as the instance's; moto does not."""
        groups = indexed(req.params, "NetworkInterface.1.SecurityGroupId")
        if not groups:
            return
        be = self.backend(req.account, req.region)
        for iid in re.findall(r"<instanceId>(i-[0-9a-f]+)</instanceId>", reply.body.decode("utf-8", "replace")):
            inst = be.get_instance(iid)
            if not inst.security_groups:
                inst.security_groups = [be.get_security_group_from_id(g) for g in groups]

    def after(self, environ, req, reply):
        with self.lock:
            if req.action == "RunInstances":
                self.nic_groups(req, reply)
            self.remember_created(req, reply)
            if req.action in ("CreateVolume", "AttachVolume", "DescribeVolumes"):
                reply = self.volume_times(req, reply)
            if req.action == "RunInstances" and req.params.get("InstanceMarketOptions.MarketType") == "spot":
                reply = self.spot_launched(environ, req, reply)
            if req.action == "TerminateInstances":
                self.spot_terminated(environ, req)
        return reply

    # ---- persistent spot requests ---------------------------------------------
    def spot_launched(self, environ, req, reply, request=None):
        text = reply.body.decode("utf-8", "replace")
        ids = re.findall(r"<instanceId>(i-[0-9a-f]+)</instanceId>", text)
        be = self.backend(req.account, req.region)
        p = req.params
        for iid in ids:
            r = request or next((x for x in self.spot.values() if x.get("instance_id") == iid), None)
            if r is not None and r.get("instance_id") == iid:
                pass  # a ClientToken replay: the request exists already
            elif r is None:
                r = {"id": "sir-" + uuid.uuid4().hex[:8], "account": req.account, "region": req.region,
                     "type": p.get("InstanceMarketOptions.SpotOptions.SpotInstanceType", "one-time"),
                     "behavior": p.get("InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior",
                                       "terminate"),
                     "tags": tag_spec(p, "spot-instances-request"),
                     "created": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                     "image": p.get("ImageId", ""), "instance_type": p.get("InstanceType", ""),
                     "params": {k: v for k, v in p.items() if k != "ClientToken"},
                     "environ": {k: v for k, v in environ.items() if isinstance(v, str)},
                     "launches": 0}
                self.spot[r["id"]] = r
            if r.get("instance_id") != iid:
                r.update(state="active", status="fulfilled", instance_id=iid)
                r["launches"] += 1
                inst = be.get_instance(iid)
                inst.spot_instance_request_id = r["id"]
                r["zone"] = inst.placement
            text = text.replace(f"<instanceId>{iid}</instanceId>",
                                f"<instanceId>{iid}</instanceId><spotInstanceRequestId>{r['id']}"
                                f"</spotInstanceRequestId><instanceLifecycle>spot</instanceLifecycle>", 1)
        return Reply(reply.status, reply.headers, text.encode())

    def spot_terminated(self, environ, req):
        for iid in indexed(req.params, "InstanceId"):
            for r in list(self.spot.values()):
                if r["instance_id"] != iid or r["state"] != "active":
                    continue
                if r["type"] == "persistent":
                    # Reopened; without spot_relaunch it waits open (as when EC2 has no capacity).
                    r.update(state="open", status="instance-terminated-by-user", instance_id="")
                    if self.settings["spot_relaunch"]:
                        self.relaunch(r)
                else:
                    r.update(state="closed", status="instance-terminated-by-user")

    def relaunch(self, r):
        """EC2 fulfils the reopened persistent request with a new instance."""
        env = dict(r["environ"])
        body = urlencode(r["params"]).encode()
        env["REQUEST_METHOD"] = "POST"
        env["PATH_INFO"] = "/"
        env["QUERY_STRING"] = ""
        env["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        reply = self.app.forward(env, body)
        if reply.status != 200:
            r["status"] = "launch-failed"
            return

        class Req:  # the fields spot_launched reads
            pass
        fake = Req()
        fake.account, fake.region, fake.params = r["account"], r["region"], r["params"]
        self.spot_launched(env, fake, reply, request=r)

    def spot_interruption(self, data):
        """A spot interruption of a persistent request that stops (see the module's docstring)."""
        with self.lock:
            iid, phase = data.get("instance_id", ""), data.get("phase")
            r = next((x for x in self.spot.values() if x.get("instance_id") == iid), None)
            if r is None or r["type"] != "persistent" or r["behavior"] != "stop":
                return {"error": f"{iid} is no instance of a persistent spot request that stops"}, 400
            be = self.backend(r["account"], r["region"])
            if phase == "stop" and r["state"] == "active":
                be.stop_instances([iid])
                r.update(state="disabled", status="instance-stopped-no-capacity")
            elif phase == "restart" and r["state"] == "disabled":
                be.start_instances([iid])
                r.update(state="active", status="fulfilled")
            else:
                return {"error": f"cannot {phase} the request in state {r['state']}"}, 400
            return {"request": r["id"], "state": r["state"], "status": r["status"]}, 200

    def spot_matches(self, r, req):
        ids = indexed(req.params, "SpotInstanceRequestId")
        if ids and r["id"] not in ids:
            return False
        for name, values in filters(req.params).items():
            if name == "instance-id" and r.get("instance_id") not in values:
                return False
            if name == "state" and r["state"] not in values:
                return False
            if name == "spot-instance-request-id" and r["id"] not in values:
                return False
        return matches_tags(r["tags"], filters(req.params))

    def spot_xml(self, r):
        inst = f"<instanceId>{r['instance_id']}</instanceId>" if r.get("instance_id") else ""
        return (f"<item><spotInstanceRequestId>{r['id']}</spotInstanceRequestId>"
                f"<type>{r['type']}</type><state>{r['state']}</state>"
                f"<status><code>{r['status']}</code><message>{r['status']}</message>"
                f"<updateTime>{r['created']}</updateTime></status>"
                f"<launchSpecification><imageId>{r['image']}</imageId>"
                f"<instanceType>{r['instance_type']}</instanceType></launchSpecification>"
                f"{inst}<createTime>{r['created']}</createTime>"
                f"<productDescription>Linux/UNIX</productDescription>"
                f"<launchedAvailabilityZone>{r.get('zone', '')}</launchedAvailabilityZone>"
                f"<instanceInterruptionBehavior>{r['behavior']}</instanceInterruptionBehavior>"
                f"{tag_set_xml(r['tags'])}</item>")

    def describe_spot(self, req):
        with self.lock:
            mine = [r for r in self.spot.values() if (r["account"], r["region"]) == (req.account, req.region)]
            wanted = indexed(req.params, "SpotInstanceRequestId")
            missing = [w for w in wanted if w not in {r["id"] for r in mine}]
            if missing:
                return error_reply(req, 400, "InvalidSpotInstanceRequestID.NotFound",
                                   f"The spot instance request ID '{missing[0]}' does not exist")
            items = "".join(self.spot_xml(r) for r in mine if self.spot_matches(r, req))
        return ec2_xml("DescribeSpotInstanceRequests", f"<spotInstanceRequestSet>{items}</spotInstanceRequestSet>")

    def cancel_spot(self, req):
        with self.lock:
            ids = indexed(req.params, "SpotInstanceRequestId")
            known = {r["id"]: r for r in self.spot.values() if (r["account"], r["region"]) == (req.account, req.region)}
            missing = [i for i in ids if i not in known]
            if missing:
                return error_reply(req, 400, "InvalidSpotInstanceRequestID.NotFound",
                                   f"The spot instance request ID '{missing[0]}' does not exist")
            be = self.backend(req.account, req.region)
            items = ""
            for i in ids:
                r = known[i]
                if r["state"] in ("active", "open", "disabled"):
                    live = False
                    if r.get("instance_id"):
                        try:
                            live = be.get_instance(r["instance_id"]).state not in ("terminated", "shutting-down")
                        except Exception:  # noqa: BLE001 - moto raises its own NotFound
                            live = False
                    r.update(state="cancelled",
                             status="request-canceled-and-instance-running" if live else "canceled-before-fulfillment")
                items += (f"<item><spotInstanceRequestId>{i}</spotInstanceRequestId>"
                          f"<state>{r['state']}</state></item>")
        return ec2_xml("CancelSpotInstanceRequests",
                       f"<spotInstanceRequestSet>{items}</spotInstanceRequestSet>")

    # ---- console output ---------------------------------------------------------
    def console_output(self, req):
        iid = req.params.get("InstanceId", "")
        be = self.backend(req.account, req.region)
        try:
            inst = be.get_instance(iid)
        except Exception:  # noqa: BLE001 - moto's InvalidInstanceIdError
            return error_reply(req, 400, "InvalidInstanceID.NotFound", f"The instance ID '{iid}' does not exist")
        with self.lock:
            entry = self.console.setdefault(iid, {"calls": 0})
            entry["calls"] += 1
            calls = entry["calls"]
            keys = entry.get("keys") or self.settings["console_host_keys"] or made_up_host_keys(iid)
            after = int(self.settings["console_after_calls"] or 0)
            show_keys = self.settings["console_keys"] and calls > after
        stamp = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        if calls == 1 and after > 0:
            # Right after boot, EC2 has nothing buffered yet: no <output> at all.
            return ec2_xml("GetConsoleOutput", f"<instanceId>{iid}</instanceId>"
                           f"<timestamp>{time.strftime('%Y-%m-%dT%H:%M:%S.000Z', time.gmtime())}</timestamp>")
        text = BOOT_NOISE.format(t=stamp)
        host = "ip-" + (inst.private_ip or "172.31.0.10").replace(".", "-")
        if show_keys:
            text += "ec2: \nec2: #############################################################\n"
            text += "ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----\n"
            text += "".join(f"ec2: {fingerprint_line(k, host)}\n" for k in keys)
            text += "ec2: -----END SSH HOST KEY FINGERPRINTS-----\n"
            text += "ec2: #############################################################\n"
            text += "-----BEGIN SSH HOST KEY KEYS-----\n"
            text += "".join(f"{' '.join(k.split()[:2])} root@{host}\n" for k in keys)
            text += "-----END SSH HOST KEY KEYS-----\n"
            text += (f"[   41.772112] cloud-init[1190]: Cloud-init v. 24.1.3-0ubuntu3.3 finished at {stamp}. "
                     "Datasource DataSourceEc2Local.  Up 41.70 seconds\n")
        out = base64.b64encode(text.encode()[-65536:]).decode()
        return ec2_xml("GetConsoleOutput", f"<instanceId>{iid}</instanceId>"
                       f"<timestamp>{time.strftime('%Y-%m-%dT%H:%M:%S.000Z', time.gmtime())}</timestamp>"
                       f"<output>{out}</output>")


def self_test():
    """python3 moto_realism.py: the pure helpers."""
    assert tag_spec({"TagSpecification.1.ResourceType": "spot-instances-request",
                     "TagSpecification.1.Tag.1.Key": "a", "TagSpecification.1.Tag.1.Value": "b"},
                    "spot-instances-request") == {"a": "b"}
    keys = made_up_host_keys("i-1")
    assert keys[1].startswith("ssh-ed25519 ") and fingerprint_line(keys[1], "h").endswith("(ED25519)")
    print("ok")


if __name__ == "__main__":
    if os.environ.get("MOTO_REALISM_SELF_TEST"):
        self_test()
