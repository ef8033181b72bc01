#!/usr/bin/env python3
"""Sign randomized requests with botocore's SigV4Auth and print them as JSON lines.

tests/aws/sigv4_botocore_test.cpp runs this and signs every request again with gpubox, expecting a
byte-identical Authorization header. Stdlib and botocore only; nothing touches the network.

Each line: {"method", "url", "headers": [[name, value], ...], "body", "region", "service",
"time" (Unix seconds), "access_key", "secret_key", "token", "authorization", "canonical_request"}.
The URL is what goes on the wire: its path and query are already percent-encoded (RFC 3986).
"""

import argparse
import datetime
import json
import random
import sys
from unittest import mock
from urllib.parse import quote, urlencode

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SERVICES = {  # signing name -> endpoint prefix
    "ec2": "ec2",
    "sts": "sts",
    "ssm": "ssm",
    "servicequotas": "servicequotas",
    "pricing": "api.pricing",
}
JSON_TARGETS = {
    "ssm": "AmazonSSM.GetParameter",
    "servicequotas": "ServiceQuotasV20190624.GetServiceQuota",
    "pricing": "AWSPriceListService.GetProducts",
}
REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1",
           "ap-south-1", "sa-east-1", "ca-central-1", "me-south-1", "cn-north-1", "us-gov-west-1"]
LOCAL_ENDPOINTS = ["http://localhost:4566", "http://127.0.0.1:5000", "http://[::1]:8080",
                   "http://LocalHost:80", "https://127.0.0.1:443", "https://localhost:8443"]
# Reserved, unreserved, unicode (2, 3 and 4 byte UTF-8) and characters that need escaping.
ALPHABET = ("abcXYZ019-_.~ !\"#$%&'()*+,/:;<=>?@[\\]^`{|}" + "éßñ中文ሴ€😀\u00a0")
HEADER_ALPHABET = "abcXYZ019-_.~!\"#$%&'()*+,/:;<=>?@[\\]^`{|}"


class RecordingSigV4Auth(botocore.auth.SigV4Auth):
    """SigV4Auth that keeps the canonical request it signed, to explain a mismatch."""

    signed_canonical_request = ""

    def canonical_request(self, request):
        self.signed_canonical_request = super().canonical_request(request)
        return self.signed_canonical_request


def rand_text(rng, alphabet, low=0, high=12):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def rfc3986(text):
    return quote(text, safe="-_.~")


def rand_query(rng):
    """Return (pairs, wire query) where a pair's value None means a bare key."""
    pairs = []
    for _ in range(rng.randint(0, 6)):
        key = rand_text(rng, ALPHABET, 1, 8)
        value = None if rng.random() < 0.1 else rand_text(rng, ALPHABET)
        pairs.append((key, value))
        if rng.random() < 0.2:  # a repeated key, sorted by value
            pairs.append((key, rand_text(rng, ALPHABET)))
    parts = [rfc3986(k) if v is None else f"{rfc3986(k)}={rfc3986(v)}" for k, v in pairs]
    return pairs, "&".join(parts)


def rand_path(rng):
    if rng.random() < 0.6:
        return "/"
    segments = [rng.choice(["a", "b c", "ሴ", ".", "..", "", "x%2Fy", "~u", "d-e_f"])
                for _ in range(rng.randint(1, 5))]
    path = "/" + "/".join(quote(s, safe="%~") for s in segments)
    return path + ("/" if rng.random() < 0.3 else "")


def rand_case(rng, name):
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)


def rand_spacing(rng, value):
    pad = lambda: rng.choice(["", " ", "  ", "\t", " \t "])
    words = value.split(" ") if rng.random() < 0.5 else [value, rand_text(rng, HEADER_ALPHABET, 1, 5)]
    return pad() + (" " * rng.randint(1, 3)).join(words) + pad()


def rand_body(rng, service, method, headers):
    if method == "GET" and rng.random() < 0.7:
        return b""
    if service in JSON_TARGETS and rng.random() < 0.8:
        headers.append((rand_case(rng, "x-amz-target"), JSON_TARGETS[service]))
        headers.append(("Content-Type", "application/x-amz-json-1.1"))
        doc = {rand_text(rng, ALPHABET, 1, 6): rand_text(rng, ALPHABET) for _ in range(rng.randint(0, 4))}
        return json.dumps(doc, ensure_ascii=rng.random() < 0.5).encode("utf-8")
    headers.append(("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"))
    fields = [("Action", "Describe" + rand_text(rng, "abcXYZ", 1, 6)), ("Version", "2016-11-15")]
    fields += [(rand_text(rng, ALPHABET, 1, 6), rand_text(rng, ALPHABET)) for _ in range(rng.randint(0, 5))]
    return urlencode(fields).encode("utf-8")


def rand_headers(rng, url_host):
    headers = []
    for _ in range(rng.randint(0, 4)):
        name = rand_case(rng, "x-gpubox-" + rand_text(rng, "abcdefgh-", 1, 6))
        headers.append((name, rand_spacing(rng, rand_text(rng, HEADER_ALPHABET, 0, 10))))
        if rng.random() < 0.3:  # the same header again, possibly in another case
            headers.append((rand_case(rng, name), rand_text(rng, HEADER_ALPHABET, 0, 6)))
    extras = [("User-Agent", "gpubox/0.1 test"), ("X-Amz-Date", "20000101T000000Z"),
              ("Authorization", "AWS4-HMAC-SHA256 stale"), ("Connection", "keep-alive"),
              ("Host", url_host), ("X-Amz-Security-Token", "stale-token"),
              ("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"), ("Content-Length", "0"),
              ("My-Multiline", "value1\n  value2\n     value3")]
    headers += [h for h in extras if rng.random() < 0.15]
    rng.shuffle(headers)
    return headers


def make_case(rng):
    service = rng.choice(sorted(SERVICES))
    region = rng.choice(REGIONS)
    if rng.random() < 0.25:
        base = rng.choice(LOCAL_ENDPOINTS)
    else:
        base = f"https://{SERVICES[service]}.{region}.amazonaws.com"
    method = rng.choice(["GET", "POST", "POST"])
    pairs, query = rand_query(rng)
    path = rand_path(rng)
    headers = rand_headers(rng, base.split("://", 1)[1])
    body = rand_body(rng, service, method, headers)
    # Half the cases hand botocore the parameters (it encodes them), half the encoded URL.
    use_params = bool(pairs) and all(v is not None for _, v in pairs) and rng.random() < 0.5
    wire_url = base + path + (f"?{query}" if query else "")
    token = rand_text(rng, "ABCxyz0189+/=", 16, 64) if rng.random() < 0.4 else None
    creds = Credentials("AKIA" + rand_text(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 16),
                        rand_text(rng, "abcdefXYZ0123456789+/", 40, 40), token)
    when = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(
        seconds=rng.randint(0, 35 * 365 * 86400))
    request = AWSRequest(method=method, url=(base + path) if use_params else wire_url,
                         data=body, params=pairs if use_params else None)
    for name, value in headers:
        request.headers[name] = value  # HTTPHeaders appends, so repeats are kept in order
    auth = RecordingSigV4Auth(creds, service, region)
    request.context["timestamp"] = when.strftime(botocore.auth.SIGV4_TIMESTAMP)
    # add_auth re-reads the clock, so pin it to the same instant.
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when.replace(tzinfo=None)):
        auth.add_auth(request)
    return {
        "method": method, "url": wire_url, "headers": headers, "body": body.decode("utf-8"),
        "region": region, "service": service, "time": int(when.timestamp()),
        "access_key": creds.access_key, "secret_key": creds.secret_key, "token": token or "",
        "authorization": request.headers["Authorization"],
        "canonical_request": auth.signed_canonical_request,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for _ in range(args.count):
        sys.stdout.write(json.dumps(make_case(rng)) + "\n")


if __name__ == "__main__":
    main()
