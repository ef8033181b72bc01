#!/usr/bin/env python3
"""Recompute the SigV4 signature of every request in a moto recording with
botocore as the reference implementation (moto.md 3.4, Appendix B).

usage: python3 verify_sig.py RECORDING_FILE SECRET [--access-key AKID] [--quiet]

Prints one OK/BAD line per request and exits 1 if any request is BAD (or if
the recording is empty), 0 otherwise. A request is BAD when it is unsigned,
its signature differs from botocore's, its scope date differs from
X-Amz-Date, it does not sign host and x-amz-date, its X-Amz-Content-Sha256
does not match the body, or (with --access-key) the key ID differs.
"""
import argparse
import base64
import hashlib
import json
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials


class _ExactHeadersAuth(SigV4Auth):
    """SigV4Auth that signs exactly the headers the client listed (as AWS does)."""

    def __init__(self, credentials, service, region, signed):
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request):
        lower = {k.lower(): v for k, v in request.headers.items()}
        out = HTTPHeaders()
        for name in self._signed:
            out[name] = lower.get(name, "")
        return out


def _body(entry):
    if entry.get("body_encoded"):
        return base64.b64decode(entry["body"])
    return (entry.get("body") or "").encode()


def _parse_auth(auth):
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        raise ValueError(f"not a SigV4 Authorization header: {auth[:40]!r}")
    fields = {}
    for part in auth[len("AWS4-HMAC-SHA256 "):].split(","):
        key, _, value = part.strip().partition("=")
        fields[key] = value
    akid, date, region, service, term = fields["Credential"].split("/")
    if term != "aws4_request":
        raise ValueError(f"bad scope terminator {term!r}")
    return akid, date, region, service, fields["SignedHeaders"].split(";"), fields["Signature"]


def check_entry(entry, secret, access_key=None):
    """(ok, summary, problems, canonical request botocore expects) for one recorded request."""
    body = _body(entry)
    headers = entry.get("headers", {})
    lower = {k.lower(): v for k, v in headers.items()}
    summary = f"{entry.get('method')} {entry.get('url')} {body[:70]!r}"
    auth = lower.get("authorization")
    if not auth:
        return False, summary, ["unsigned request (no Authorization header)"], ""
    try:
        akid, date, region, service, signed, sent = _parse_auth(auth)
    except (ValueError, KeyError) as exc:
        return False, summary, [f"malformed Authorization: {exc}"], ""
    summary = f"{service:14} {region:14} {summary}"
    problems = []
    amz_date = lower.get("x-amz-date", "")
    for needed in ("host", "x-amz-date"):
        if needed not in signed:
            problems.append(f"{needed} is not a signed header")
    missing = [h for h in signed if h not in lower and h != "host"]
    if missing:
        problems.append(f"signed headers missing from the request: {missing}")
    if signed != sorted(signed):
        problems.append("SignedHeaders are not sorted")
    if date != amz_date[:8]:
        problems.append(f"scope date {date} != X-Amz-Date {amz_date}")
    if access_key and akid != access_key:
        problems.append(f"access key {akid} != {access_key}")
    sha = lower.get("x-amz-content-sha256")
    if sha and sha != "UNSIGNED-PAYLOAD" and sha != hashlib.sha256(body).hexdigest():
        problems.append("X-Amz-Content-Sha256 does not match the body")
    req = AWSRequest(method=entry["method"], url=entry["url"], data=body,
                     headers={k: v for k, v in headers.items() if k.lower() in signed})
    req.context["timestamp"] = amz_date
    signer = _ExactHeadersAuth(Credentials(akid, secret), service, region, signed)
    canonical = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    if expected != sent:
        problems.append(f"signature {sent} != botocore's {expected}")
    return not problems, summary, problems, canonical


def verify_lines(lines, secret, access_key=None, out=sys.stdout, quiet=False):
    """Check JSONL recording lines; returns (ok count, bad count)."""
    good = bad = 0
    for line in lines:
        if not line.strip():
            continue
        ok, summary, problems, canonical = check_entry(json.loads(line), secret, access_key)
        if ok:
            good += 1
            if not quiet:
                print("OK  ", summary, file=out)
            continue
        bad += 1
        print("BAD ", summary, file=out)
        for p in problems:
            print("     -", p, file=out)
        if canonical:
            print("  canonical request botocore expects:\n" + canonical, file=out)
    return good, bad


def main(argv=None):
    ap = argparse.ArgumentParser(description="Verify SigV4 signatures in a moto recording.")
    ap.add_argument("recording")
    ap.add_argument("secret")
    ap.add_argument("--access-key")
    ap.add_argument("--quiet", action="store_true", help="print BAD lines only")
    args = ap.parse_args(argv)
    with open(args.recording) as f:
        good, bad = verify_lines(f, args.secret, args.access_key, quiet=args.quiet)
    print(f"verify_sig: {good} OK, {bad} BAD")
    if good + bad == 0:
        print("verify_sig: the recording is empty", file=sys.stderr)
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
