#!/usr/bin/env python3
"""gpubox test server: moto 5.2.1 (server mode, in-process) plus what gpubox
needs that moto lacks (listed below).

  python3 gpubox_moto.py [--host 127.0.0.1] [--port 0] [--port-file FILE] [--config FILE]

On top of plain moto:
  * Deep Learning AMIs in every region (DescribeImages, owner amazon, real
    creation dates, region-specific IDs) and the SSM public parameters
    /aws/service/deeplearning/ami/<arch>/<type>/latest/ami-id (moto_config.py).
  * Service Quotas for ServiceCode ec2 incl. spot quotas, per-region values,
    increase requests and their history.
  * A Pricing stub (AWSPriceListService, signing name "pricing").
  * RunInstances ClientToken idempotency (+ IdempotentParameterMismatch), and
    the DescribeInstances filter client-token (moto answers HTTP 500).
  * Placement groups (Create/Describe/DeletePlacementGroup, with tags).
  * moto_realism.py: eventual consistency, persistent spot requests, console
    output with host keys, accounts without a default VPC (on by default).
  * A real account's answers (moto_account.py, moto_services.Quotas), on by default:
    regions not opted into refuse every call (AuthFailure); quotas without an applied
    value in some regions (NoSuchResourceException); QuotaExceededException for too many
    open increase requests; DLAMIs with their root device (/dev/xvda on Amazon Linux) and
    root snapshot size; a deregistered AMI behind a DLAMI parameter. Per test: Service
    Quotas AccessDeniedException, other disabled regions, other unapplied quotas.
  * DeleteSecurityGroup answers DependencyViolation while an instance that is
    not terminated still uses the group, as AWS does (moto deletes it anyway).
  * Test endpoints:
      POST/GET/DELETE /gpubox-test/faults      fault rules (moto_services.Faults)
      GET/DELETE      /gpubox-test/requests    the request log (?action=&service=)
      GET             /gpubox-test/quota-requests, POST .../quota-requests/<id> {"Status": ...}
      POST            /gpubox-test/quotas      [{"region","code","value"}] applied values
      GET             /gpubox-test/config      the effective config
      GET             /gpubox-test/client-tokens
      GET/POST        /gpubox-test/behaviours  AWS behaviours moto hides (moto_realism.py)
      POST            /gpubox-test/console     {"instance_id", "host_keys"} for one instance
      POST            /gpubox-test/spot-interruption {"instance_id", "phase": "stop"|"restart"}
      /gpubox-test/regions, /gpubox-test/quota-behaviour, /gpubox-test/quota-defaults
                      disabled opt-in regions and Service Quotas realism (moto_account.py)
    POST /moto-api/reset also clears all of the above (not the config).
  * moto's recorder (/moto-api/recorder/*) records every AWS request, including
    those answered here, as the raw bytes received.
SIGTERM/SIGINT exit cleanly with status 0.
"""
import argparse
import io
import json
import os
import signal
import socket
import sys
import threading
import time
import uuid
from datetime import datetime
from urllib.parse import parse_qs, urlencode

from werkzeug.datastructures import EnvironHeaders

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moto_config  # noqa: E402
import moto_account  # noqa: E402
from moto_account import OptInRegions, make_dlami  # noqa: E402
from moto_pricing import Pricing  # noqa: E402
from moto_services import (ClientTokens, Faults, Quotas, Reply, Request,  # noqa: E402
                           error_reply, json_reply, XML_CT)
from moto_realism import Realism, filters, matches_tags, tag_set_xml, tag_spec  # noqa: E402

EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"


def load_config(path):
    cfg = moto_config.default_config()
    if path:
        with open(path) as f:
            cfg.update(json.load(f))
    return cfg


def patch_moto(cfg):
    """Add the DLAMIs to moto's AMI backend and the DLAMI SSM parameters."""
    from moto.ec2.models.amis import AmiBackend
    from moto.ssm import models as ssm_models

    orig_load_amis = AmiBackend._load_amis

    def load_amis(self):
        orig_load_amis(self)
        for d in moto_config.dlamis_in(self.region_name, cfg):
            if d.get("deregistered"):
                continue  # the SSM parameter still names it (moto_account.py)
            ami = make_dlami(self, d, moto_config.ami_id(self.region_name, d), moto_config.DLAMI_OWNER,
                             datetime.fromisoformat(d["creation_date"].replace("Z", "+00:00")))
            self.amis[ami.id] = ami

    AmiBackend._load_amis = load_amis

    orig_check = ssm_models.ParameterDict._check_loading_status
    prefix = moto_config.SSM_PREFIX

    def check_loading_status(self, key):
        orig_check(self, key)
        key = str(key or "")
        wanted = key.startswith(prefix) or prefix.startswith(key.rstrip("/") + "/") or key in ("", "/")
        if not wanted or getattr(self, "_gpubox_dlami_loaded", False):
            return
        self._gpubox_dlami_loaded = True
        for path, d in moto_config.latest_ssm(self.region_name, cfg).items():
            stamp = datetime.fromisoformat(d["creation_date"].replace("Z", "+00:00")).timestamp()
            super(ssm_models.ParameterDict, self).__getitem__(path).append(ssm_models.Parameter(
                account_id=self.account_id, name=path, value=moto_config.ami_id(self.region_name, d),
                parameter_type="String", description=None, allowed_pattern=None, keyid=None,
                last_modified_date=stamp, version=1, data_type="aws:ec2:image"))

    ssm_models.ParameterDict._check_loading_status = check_loading_status


def parse_request(environ, body):
    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        _, _, region, service, _ = auth.split(",")[0].split()[1].split("/")
    except (IndexError, ValueError):
        region, service = "us-east-1", ""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {}
        params = params if isinstance(params, dict) else {}
        action = target.split(".")[-1]
    else:
        text = body.decode("utf-8", "replace") if body else environ.get("QUERY_STRING", "")
        params = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
        action = params.get("Action", "")
    headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
    for k in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(k):
            headers[k.replace("_", "-").title()] = environ[k]
    account = environ.get("HTTP_X_MOTO_ACCOUNT_ID") or os.environ.get("MOTO_ACCOUNT_ID", "123456789012")
    return Request(method=environ.get("REQUEST_METHOD", ""), path=environ.get("PATH_INFO", ""),
                   service=service, region=region, action=action, target=target, is_json=bool(target),
                   params=params, body=body, account=account, headers=headers)


def fault_label(rule):
    """What the request log shows for a fired rule."""
    if rule.get("drop"):
        return "drop"
    return rule.get("code") or ("body" if "body" in rule else "delay")


class PlacementGroups:
    """Create/Describe/DeletePlacementGroup (moto 5.2.1 answers HTTP 500), with
    TagSpecification placement-group tags and tag:/tag-key/strategy filters."""

    def __init__(self):
        self.groups = {}
        self.lock = threading.Lock()

    def clear(self):
        with self.lock:
            self.groups.clear()

    @staticmethod
    def item_xml(name, g):
        return (f"<groupName>{name}</groupName><state>available</state><strategy>{g['strategy']}</strategy>"
                f"<groupId>{g['id']}</groupId>{tag_set_xml(g['tags'])}")

    @staticmethod
    def xml(op, inner):
        body = (f'<{op}Response xmlns="{EC2_NS}"><requestId>{uuid.uuid4()}</requestId>{inner}</{op}Response>')
        return Reply(200, [("Content-Type", XML_CT)], body.encode())

    def handle(self, req):
        name, region, p = req.params.get("GroupName"), req.region, req.params
        with self.lock:
            if req.action == "CreatePlacementGroup":
                if (region, name) in self.groups:
                    return error_reply(req, 400, "InvalidPlacementGroup.Duplicate",
                                       f"The placement group '{name}' already exists.")
                self.groups[(region, name)] = {"strategy": p.get("Strategy", "cluster"),
                                               "id": "pg-" + uuid.uuid4().hex[:17],
                                               "tags": tag_spec(p, "placement-group")}
                g = self.groups[(region, name)]
                return self.xml("CreatePlacementGroup",
                                f"<placementGroup>{self.item_xml(name, g)}</placementGroup>")
            if req.action == "DeletePlacementGroup":
                if self.groups.pop((region, name), None) is None:
                    return error_reply(req, 400, "InvalidPlacementGroup.Unknown",
                                       f"The Placement Group '{name}' is unknown.")
                return self.xml("DeletePlacementGroup", "<return>true</return>")
            wanted = [v for k, v in p.items() if k.startswith("GroupName.")]
            missing = [w for w in wanted if (region, w) not in self.groups]
            if missing:
                return error_reply(req, 400, "InvalidPlacementGroup.Unknown",
                                   f"The Placement Group '{missing[0]}' is unknown.")
            flt = filters(p)
            items = "".join(f"<item>{self.item_xml(n, g)}</item>"
                            for (r, n), g in self.groups.items() if r == region and (not wanted or n in wanted)
                            and matches_tags(g["tags"], flt)
                            and all(g["strategy"] in v for k, v in flt.items() if k == "strategy"))
            return self.xml("DescribePlacementGroups", f"<placementGroupSet>{items}</placementGroupSet>")


def instances_using_group(req):
    """The ids of the instances, not terminated, in the group DeleteSecurityGroup names."""
    from moto.ec2.models import ec2_backends

    group_id, name = req.params.get("GroupId"), req.params.get("GroupName")
    backend = ec2_backends[req.account][req.region]
    return [i.id for i in backend.all_instances() if i.state != "terminated"
            and any(g.id == group_id or (name and g.name == name) for g in i.security_groups)]


class RecordingRequest:
    """The minimal request object moto's Recorder._record_request reads."""

    def __init__(self, environ, method):
        host = environ.get("HTTP_HOST", "127.0.0.1")
        qs = environ.get("QUERY_STRING", "")
        self.url = f"http://{host}{environ.get('PATH_INFO', '/')}" + (f"?{qs}" if qs else "")
        self.method = method
        self.headers = EnvironHeaders(environ)


class App:
    """The WSGI middleware in front of moto's own app."""

    def __init__(self, cfg):
        from moto.ec2.models.instance_types import INSTANCE_TYPES
        from moto.moto_api import recorder
        from moto.moto_api._internal.recorder.models import Recorder
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.cfg = cfg
        self.moto_app = DomainDispatcherApplication(create_backend_app)
        self.faults = Faults()
        self.tokens = ClientTokens()
        self.quotas = Quotas(cfg)
        self.pricing = Pricing(cfg, INSTANCE_TYPES)
        self.placement = PlacementGroups()
        self.realism = Realism(self)  # moto_realism.py: AWS behaviours moto hides (issue 9)
        self.regions = OptInRegions(cfg)
        self.log = []
        self.log_lock = threading.Lock()
        # Record every AWS request here (moto would miss those answered by the wrapper).
        self.recorder = recorder
        self.record = lambda req, body: Recorder._record_request(recorder, req, body)
        recorder._record_request = lambda *a, **k: None

    # ---- HTTP plumbing ----------------------------------------------------
    @staticmethod
    def send(start_response, reply):
        headers = [h for h in reply.headers if h[0].lower() != "content-length"]
        headers.append(("Content-Length", str(len(reply.body))))
        if not any(h[0].lower() == "x-amzn-requestid" for h in headers):
            headers.append(("x-amzn-RequestId", str(uuid.uuid4())))
        start_response(f"{reply.status} {'OK' if reply.status < 400 else 'Error'}", headers)
        return [reply.body]

    def forward(self, environ, body):
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"], captured["headers"] = int(status.split()[0]), headers
            return lambda data: None

        it = self.moto_app(environ, start_response)
        try:
            data = b"".join(it)
        finally:
            if hasattr(it, "close"):
                it.close()
        return Reply(captured["status"], list(captured["headers"]), data)

    def reset(self):
        self.faults.clear()
        self.tokens.clear()
        self.quotas.clear()
        self.placement.clear()
        self.realism.clear()
        self.regions.clear()
        with self.log_lock:
            self.log.clear()

    # ---- test endpoints ---------------------------------------------------
    def test_api(self, environ, body):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        data = json.loads(body) if body else None
        if path == "/gpubox-test/faults":
            if method == "POST":
                return json_reply(self.faults.add(data or []))
            if method == "DELETE":
                self.faults.clear()
            return json_reply(self.faults.list())
        if path == "/gpubox-test/requests":
            with self.log_lock:
                if method == "DELETE":
                    self.log.clear()
                items = [e for e in self.log if all(str(e.get(k)) == v for k, v in query.items())]
            return json_reply(items)
        if path == "/gpubox-test/quotas" and method == "POST":
            self.quotas.set_values(data or [])
            return json_reply({"ok": True})
        if path == "/gpubox-test/quota-requests":
            return json_reply(self.quotas.dump())
        if path.startswith("/gpubox-test/quota-requests/") and method == "POST":
            r = self.quotas.update_request(path.rsplit("/", 1)[1], (data or {}).get("Status", "APPROVED"))
            return json_reply(r) if r else json_reply({"error": "no such request"}, 404)
        if path == "/gpubox-test/config":
            return json_reply(self.cfg)
        if path in moto_account.TEST_PATHS:
            return moto_account.test_api(method, path, data, self.quotas, self.regions)
        if path == "/gpubox-test/client-tokens":
            return json_reply(self.tokens.dump())
        if path == "/gpubox-test/behaviours":
            if method == "POST":
                try:
                    return json_reply(self.realism.set(data or {}))
                except KeyError as e:
                    return json_reply({"error": str(e)}, 400)
            return json_reply(self.realism.dump())
        if path == "/gpubox-test/console" and method == "POST":
            return json_reply(self.realism.set_console(data or {}))
        if path == "/gpubox-test/spot-interruption" and method == "POST":
            return json_reply(*self.realism.spot_interruption(data or {}))
        return json_reply({"error": f"unknown test endpoint {method} {path}"}, 404)

    # ---- AWS requests -----------------------------------------------------
    def dispatch(self, environ, req):
        return self.realism.around(environ, req, lambda: self.dispatch_plain(environ, req))

    def dispatch_plain(self, environ, req):
        refused = self.regions.refuse(req) or moto_account.missing_images(req)
        if refused is not None:
            return refused
        if self.pricing.handles(req):
            return self.pricing.handle(req)
        if self.quotas.handles(req):
            return self.quotas.handle(req)
        if not req.is_json and req.service == "ec2":
            if req.action in ("CreatePlacementGroup", "DeletePlacementGroup", "DescribePlacementGroups"):
                return self.placement.handle(req)
            if req.action == "RunInstances":
                return self.tokens.run(req, lambda: self.forward(environ, req.body))
            if req.action == "DeleteSecurityGroup":
                users = instances_using_group(req)
                if users:
                    group = req.params.get("GroupId") or req.params.get("GroupName")
                    return error_reply(req, 400, "DependencyViolation",
                                       f"resource {group} has a dependent object ({', '.join(users)})")
            if req.action == "DescribeInstances":
                rewritten = self.tokens.rewrite_filter(req)
                if rewritten is not None:
                    return self.forward(environ, urlencode(rewritten).encode())
        return self.forward(environ, req.body)

    def apply_fault(self, environ, req, rule):
        """The reply for a fired rule, or None to carry on (a pure delay)."""
        if rule.get("delay_ms"):
            time.sleep(rule["delay_ms"] / 1000.0)
        if rule.get("drop"):
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            raise ConnectionAbortedError("gpubox-test: connection dropped by fault rule")
        if "body" in rule:
            ctype = rule.get("content_type", "text/html; charset=utf-8")
            return Reply(rule.get("status", 500), [("Content-Type", ctype)], rule["body"].encode())
        if rule.get("code"):
            return error_reply(req, rule.get("status", 400), rule["code"], rule.get("message", rule["code"]))
        return None

    def aws(self, environ, start_response, body):
        req = parse_request(environ, body)
        self.record(RecordingRequest(environ, req.method), body)
        entry = {"seq": 0, "time": time.time(), "method": req.method, "path": req.path,
                 "service": req.service, "region": req.region, "action": req.action,
                 "target": req.target, "params": req.params, "headers": req.headers,
                 "status": None, "fault": None}
        with self.log_lock:
            entry["seq"] = len(self.log) + 1
            self.log.append(entry)
        reply = None
        rule = self.faults.take(req)
        if rule is not None:
            entry["fault"] = fault_label(rule)
            if rule.get("drop"):
                entry["status"] = "dropped"
            reply = self.apply_fault(environ, req, rule)
        if reply is None:
            reply = self.dispatch(environ, req)
            # "after" rules act on requests that reached the backend, not on a lagged refusal.
            reached = not any(h[0] == "x-gpubox-realism" for h in reply.headers)
            after = self.faults.take(req, after=True) if reached else None
            if after is not None:
                entry["fault"] = fault_label(after)
                if after.get("drop"):
                    entry["status"] = "dropped"
                reply = self.apply_fault(environ, req, after) or reply
        entry["status"] = reply.status
        return self.send(start_response, reply)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        n = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(n) if n else b""
        environ["wsgi.input"] = io.BytesIO(body)
        if path.startswith("/gpubox-test/"):
            return self.send(start_response, self.test_api(environ, body))
        if path.startswith("/moto-api") or path.startswith("/latest/"):
            if path.rstrip("/") == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
                self.reset()
            return self.send(start_response, self.forward(environ, body))
        return self.aws(environ, start_response, body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--config")
    ap.add_argument("--watch-parent", action="store_true",
                    help="exit when the process that started this one goes away")
    args = ap.parse_args()
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        ap.error("gpubox_moto listens on loopback only")
    cfg = load_config(args.config)
    patch_moto(cfg)
    from werkzeug.serving import make_server

    srv = make_server(args.host, args.port, App(cfg), threaded=True)

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    if args.watch_parent:
        parent = os.getppid()

        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            stop()

        threading.Thread(target=watch, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(srv.server_port))
        os.replace(args.port_file + ".tmp", args.port_file)
    print(f"gpubox moto listening on http://{args.host}:{srv.server_port} pid {os.getpid()}", flush=True)
    srv.serve_forever(poll_interval=0.1)
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
