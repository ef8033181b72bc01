"""The pieces of the gpubox moto wrapper that moto 5.2.1 lacks, as plain
objects that take a parsed request and return a Reply (no HTTP here):
fault rules, EC2 Service Quotas and ClientToken idempotency (the Pricing stub
is in moto_pricing.py).
"""
import fnmatch
import hashlib
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

JSON_CT = "application/x-amz-json-1.1"
XML_CT = "text/xml;charset=UTF-8"


@dataclass
class Request:
    """One parsed AWS request."""
    method: str
    path: str
    service: str        # credential-scope service ("ec2", "servicequotas", "pricing", ...)
    region: str
    action: str
    target: str         # X-Amz-Target or ""
    is_json: bool
    params: dict        # form fields (first value) or the JSON body
    body: bytes
    account: str = "123456789012"
    headers: dict = field(default_factory=dict)


@dataclass
class Reply:
    """One response: status, extra headers and body bytes."""
    status: int
    headers: list
    body: bytes


def json_reply(obj, status=200):
    return Reply(status, [("Content-Type", JSON_CT)], json.dumps(obj).encode())


def error_reply(req, status, code, message):
    """An error in the wire shape of the request's protocol."""
    if req.is_json:
        body = json.dumps({"__type": code, "message": message, "Message": message})
        return Reply(status, [("Content-Type", JSON_CT), ("x-amzn-ErrorType", code)], body.encode())
    rid = str(uuid.uuid4())
    if req.service in ("sts", "iam"):
        body = (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
                f"<RequestId>{rid}</RequestId></ErrorResponse>")
    else:
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{escape(code)}</Code>'
                f"<Message>{escape(message)}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>")
    return Reply(status, [("Content-Type", XML_CT)], body.encode())


def page(items, params, default_max=100):
    """(page of items, next token or None) from MaxResults/NextToken."""
    start = int(params.get("NextToken") or 0)
    size = int(params.get("MaxResults") or default_max)
    chunk = items[start:start + size]
    nxt = str(start + size) if start + size < len(items) else None
    return chunk, nxt


class Faults:
    """Fault rules: the first matching rule with remaining > 0 fires.

    Rule keys: action (name, list or "*"), service, region, match {param: glob},
    code, message, status, remaining, drop, delay_ms, body, content_type,
    after (true: let the request reach the backend first, then fail/drop).
    """

    def __init__(self):
        self.rules = []
        self.lock = threading.Lock()

    def add(self, rules):
        with self.lock:
            for r in rules if isinstance(rules, list) else [rules]:
                r = dict(r)
                r.setdefault("fired", 0)
                self.rules.append(r)
            return list(self.rules)

    def clear(self):
        with self.lock:
            self.rules.clear()

    def list(self):
        with self.lock:
            return [dict(r) for r in self.rules]

    @staticmethod
    def _matches(rule, req, after):
        if bool(rule.get("after")) != after:
            return False
        action = rule.get("action", "*")
        actions = action if isinstance(action, list) else [action]
        if "*" not in actions and req.action not in actions:
            return False
        if rule.get("service") and rule["service"] != req.service:
            return False
        if rule.get("region") and rule["region"] != req.region:
            return False
        for k, pattern in rule.get("match", {}).items():
            if k not in req.params or not fnmatch.fnmatchcase(str(req.params[k]), str(pattern)):
                return False
        return "remaining" not in rule or rule["remaining"] > 0

    def take(self, req, after=False):
        """The rule that fires for this request (consumed), or None."""
        with self.lock:
            for rule in self.rules:
                if self._matches(rule, req, after):
                    if "remaining" in rule:
                        rule["remaining"] -= 1
                    rule["fired"] += 1
                    return dict(rule)
        return None


class ClientTokens:
    """RunInstances ClientToken idempotency: (account, region, token) -> first reply."""

    IGNORED = ("ClientToken", "Version", "Action")

    def __init__(self):
        self.entries = {}
        self.locks = {}
        self.lock = threading.Lock()

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.locks.clear()

    @classmethod
    def fingerprint(cls, params):
        # AWS: changing only the Region or Availability Zone is not a mismatch.
        kept = {k: v for k, v in params.items()
                if k not in cls.IGNORED and not k.startswith("Placement.AvailabilityZone")}
        return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()

    def key_lock(self, key):
        with self.lock:
            return self.locks.setdefault(key, threading.Lock())

    def run(self, req, forward):
        """Answer a RunInstances call, replaying the first reply for a known token."""
        token = req.params.get("ClientToken")
        if not token:
            return forward()
        if len(token) > 64:
            return error_reply(req, 400, "InvalidParameterValue",
                               "Value for parameter ClientToken is invalid: longer than 64 characters.")
        key = (req.account, req.region, token)
        fp = self.fingerprint(req.params)
        with self.key_lock(key):
            known = self.entries.get(key)
            if known is not None:
                if known["fingerprint"] != fp:
                    return error_reply(req, 400, "IdempotentParameterMismatch",
                                       "Arguments on this idempotent request are inconsistent with "
                                       "arguments used in previous request(s).")
                known["replays"] += 1
                return Reply(known["reply"].status, list(known["reply"].headers), known["reply"].body)
            reply = forward()
            if reply.status == 200:
                ids = re.findall(r"<instanceId>(i-[0-9a-f]+)</instanceId>", reply.body.decode("utf-8", "replace"))
                self.entries[key] = {"fingerprint": fp, "reply": reply, "replays": 0, "instances": ids}
            return reply

    def instances(self, account, region, tokens):
        """Instance IDs launched with any of these tokens (for the client-token filter)."""
        with self.lock:
            return [i for t in tokens for i in self.entries.get((account, region, t), {}).get("instances", [])]

    def rewrite_filter(self, req):
        """DescribeInstances params with Filter client-token (moto: HTTP 500) turned into
        an instance-id filter, or None when the request has no such filter."""
        names = [k for k, v in req.params.items()
                 if re.fullmatch(r"Filter\.\d+\.Name", k) and v == "client-token"]
        if not names:
            return None
        params = dict(req.params)
        for name_key in names:
            prefix = name_key[:-len("Name")]
            tokens = [v for k, v in params.items() if k.startswith(prefix + "Value.")]
            for k in [k for k in params if k.startswith(prefix + "Value.")]:
                del params[k]
            ids = self.instances(req.account, req.region, tokens) or ["i-00000000000000000"]
            params[name_key] = "instance-id"
            params.update({f"{prefix}Value.{n}": i for n, i in enumerate(ids, 1)})
        return params

    def dump(self):
        with self.lock:
            return [{"account": a, "region": r, "token": t, "replays": e["replays"], "instances": e["instances"]}
                    for (a, r, t), e in self.entries.items()]


class Quotas:
    """Service Quotas for ServiceCode ec2, answered from the config."""

    SERVICE_NAME = "Amazon Elastic Compute Cloud (Amazon EC2)"
    OPEN = ("PENDING", "CASE_OPENED")

    def __init__(self, cfg):
        self.cfg = cfg
        self.runtime = {}     # (region, code) -> applied value set by tests or approvals
        self.defaults = {}    # (region, code) -> AWS default value set by tests
        self.requests = []    # RequestedQuota records, newest last
        self.lock = threading.Lock()
        self.behaviour = {}
        self.clear()

    def clear(self):
        with self.lock:
            self.runtime.clear()
            self.defaults.clear()
            self.requests.clear()
            # Per-test switches (POST /gpubox-test/quota-behaviour), back to the config's defaults.
            self.behaviour = {
                "unapplied": dict(self.cfg.get("ec2_quota_unapplied") or {}),
                "access_denied": [],  # Service Quotas operations answering AccessDeniedException
                "max_open_requests": int(self.cfg.get("max_open_quota_requests", 10)),
            }

    # ---- AWS realism: unapplied quotas, access denied, too many open requests ----------
    def set_behaviour(self, data):
        """Test hook: {"unapplied": {region: "all"|[codes]}, "access_denied": true|[ops],
        "max_open_requests": n}; keys not given keep their value."""
        with self.lock:
            for k, v in (data or {}).items():
                if k == "access_denied" and v is True:
                    v = ["*"]
                elif k == "access_denied" and not v:
                    v = []
                self.behaviour[k] = v
            return dict(self.behaviour)

    def unapplied(self, region, code=None):
        """Whether `code` (or, with None, every quota) has no applied value in `region`.
        A value set by a test or an approved request is applied."""
        how = self.behaviour["unapplied"].get(region)
        if how is None:
            return False
        if code is not None and (region, code) in self.runtime:
            return False
        if how == "all":
            return True
        return code is not None and code in how

    def denied(self, op):
        ops = self.behaviour["access_denied"]
        return "*" in ops or op in ops

    def applied(self, region, code):
        if (region, code) in self.runtime:
            return self.runtime[(region, code)]
        region_over = self.cfg.get("ec2_quota_overrides", {}).get(region, {})
        return float(region_over.get(code, self.cfg["ec2_quotas"][code]["value"]))

    def set_values(self, items):
        with self.lock:
            for it in items if isinstance(items, list) else [items]:
                self.runtime[(it["region"], it["code"])] = float(it["value"])

    def default_value(self, region, code):
        if (region, code) in self.defaults:
            return self.defaults[(region, code)]
        return float(self.cfg["ec2_quotas"][code]["default"])

    def set_defaults(self, items):
        with self.lock:
            for it in items if isinstance(items, list) else [items]:
                self.defaults[(it["region"], it["code"])] = float(it["value"])

    def quota(self, region, code, account, default=False):
        q = self.cfg["ec2_quotas"][code]
        value = self.default_value(region, code) if default else self.applied(region, code)
        return {
            "ServiceCode": "ec2", "ServiceName": self.SERVICE_NAME,
            "QuotaArn": f"arn:aws:servicequotas:{region}:{account}:ec2/{code}",
            "QuotaCode": code, "QuotaName": q["name"], "Value": value, "Unit": "None",
            "Adjustable": q.get("adjustable", True), "GlobalQuota": False,
            "UsageMetric": {
                "MetricNamespace": "AWS/Usage", "MetricName": "ResourceCount",
                "MetricDimensions": {"Class": q.get("class", "Standard/OnDemand"), "Resource": "vCPU",
                                     "Service": "EC2", "Type": "Resource"},
                "MetricStatisticRecommendation": "Maximum"},
            "QuotaAppliedAtLevel": "ACCOUNT",
        }

    def handles(self, req):
        """Whether this request is ours (ec2 quotas, or request history)."""
        if not req.target.startswith("ServiceQuotasV20190624."):
            return False
        if req.action in ("ListRequestedServiceQuotaChangeHistory", "GetRequestedServiceQuotaChange"):
            return req.params.get("ServiceCode") in (None, "ec2")
        return req.params.get("ServiceCode") == "ec2"

    def handle(self, req):
        p, region, op = req.params, req.region, req.action
        code = p.get("QuotaCode")
        if self.denied(op):
            # A least-privilege IAM user without servicequotas:* (the message names the action).
            return error_reply(req, 400, "AccessDeniedException",
                               f"User: arn:aws:iam::{req.account}:user/least-privilege is not "
                               f"authorized to perform: servicequotas:{op} because no "
                               "identity-based policy allows the servicequotas:" + op + " action")
        needs_code = ("GetServiceQuota", "GetAWSDefaultServiceQuota", "RequestServiceQuotaIncrease",
                      "ListRequestedServiceQuotaChangeHistoryByQuota")
        if op in needs_code and code not in self.cfg["ec2_quotas"]:
            return error_reply(req, 400, "NoSuchResourceException",
                               f"The request failed because the specified quota {code} does not exist.")
        if op == "GetServiceQuota" and self.unapplied(region, code):
            # AWS: a quota that was never changed in a region has no applied value there.
            return error_reply(req, 400, "NoSuchResourceException",
                               "The request failed because the specified service does not exist.")
        if (op == "ListServiceQuotas" and self.behaviour["unapplied"].get(region) == "all"
                and not any(r == region for r, _ in self.runtime)):
            return error_reply(req, 400, "NoSuchResourceException",
                               "The request failed because the specified service does not exist.")
        if op in ("GetServiceQuota", "GetAWSDefaultServiceQuota"):
            return json_reply({"Quota": self.quota(region, code, req.account, op != "GetServiceQuota")})
        if op in ("ListServiceQuotas", "ListAWSDefaultServiceQuotas"):
            codes = [c for c in self.cfg["ec2_quotas"] if not code or c == code]
            if op == "ListServiceQuotas":
                codes = [c for c in codes if not self.unapplied(region, c)]
            items = [self.quota(region, c, req.account, op != "ListServiceQuotas") for c in codes]
            chunk, nxt = page(items, p)
            return json_reply({"Quotas": chunk, **({"NextToken": nxt} if nxt else {})})
        if op == "RequestServiceQuotaIncrease":
            return self.request_increase(req)
        if op in ("ListRequestedServiceQuotaChangeHistory", "ListRequestedServiceQuotaChangeHistoryByQuota"):
            with self.lock:
                items = [r for r in self.requests if r["_region"] == region
                         and (not code or r["QuotaCode"] == code)
                         and (not p.get("Status") or r["Status"] == p["Status"])]
            items = [self.public(r) for r in reversed(items)]
            chunk, nxt = page(items, p)
            return json_reply({"RequestedQuotas": chunk, **({"NextToken": nxt} if nxt else {})})
        if op == "GetRequestedServiceQuotaChange":
            found = self.find(p.get("RequestId"))
            if found is None:
                return error_reply(req, 400, "NoSuchResourceException",
                                   f"The request {p.get('RequestId')} does not exist.")
            return json_reply({"RequestedQuota": self.public(found)})
        return error_reply(req, 400, "IllegalArgumentException", f"gpubox stub does not implement {op}")

    @staticmethod
    def public(r):
        return {k: v for k, v in r.items() if not k.startswith("_")}

    def find(self, request_id):
        with self.lock:
            return next((r for r in self.requests if r["Id"] == request_id), None)

    def request_increase(self, req):
        code, region = req.params["QuotaCode"], req.region
        desired = float(req.params.get("DesiredValue", 0))
        current = self.default_value(region, code) if self.unapplied(region, code) else self.applied(region, code)
        if desired <= current:
            return error_reply(req, 400, "IllegalArgumentException",
                               "The requested value is less than or equal to the current value.")
        with self.lock:
            if any(r["_region"] == region and r["QuotaCode"] == code and r["Status"] in self.OPEN
                   for r in self.requests):
                return error_reply(req, 400, "ResourceAlreadyExistsException",
                                   "A request for this quota is already open.")
            open_here = sum(1 for r in self.requests if r["_region"] == region and r["Status"] in self.OPEN)
            if open_here >= int(self.behaviour["max_open_requests"]):
                return error_reply(req, 400, "QuotaExceededException",
                                   "You have exceeded your service quota. To perform the requested "
                                   "action, remove some of the relevant resources, or use Service "
                                   "Quotas to request a service quota increase.")
            now = time.time()
            r = {"Id": uuid.uuid4().hex, "CaseId": "", "ServiceCode": "ec2",
                 "ServiceName": self.SERVICE_NAME, "QuotaCode": code,
                 "QuotaName": self.cfg["ec2_quotas"][code]["name"], "DesiredValue": desired,
                 "Status": "PENDING", "Created": now, "LastUpdated": now,
                 "Requester": f"arn:aws:iam::{req.account}:user/moto",
                 "QuotaArn": f"arn:aws:servicequotas:{region}:{req.account}:ec2/{code}",
                 "GlobalQuota": False, "Unit": "None", "QuotaRequestedAtLevel": "ACCOUNT",
                 "_region": region}
            self.requests.append(r)
        return json_reply({"RequestedQuota": self.public(r)})

    def update_request(self, request_id, status):
        """Test hook: move a request to a new status; APPROVED applies the value."""
        with self.lock:
            r = next((x for x in self.requests if x["Id"] == request_id), None)
            if r is None:
                return None
            r["Status"], r["LastUpdated"] = status, time.time()
            if status == "APPROVED":
                self.runtime[(r["_region"], r["QuotaCode"])] = r["DesiredValue"]
            return dict(r)

    def dump(self):
        with self.lock:
            return [dict(r) for r in self.requests]
