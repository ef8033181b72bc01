#!/usr/bin/env python3
"""Check gpubox's AWS requests against botocore's service models.

  python3 tests/support/check_model.py REQUESTS.json [--expect-each-to-fail]

REQUESTS.json is {"requests": [{"service": "ec2", "operation": "RunInstances",
"params": [["ImageId", "ami-1"], ...]}, {"service": "ssm", "operation": "GetParameter",
"body": {...}}]}. moto ignores parameters it does not know, so a misspelt wire name passes moto and
fails on AWS; this checker catches it. For the ec2 and query protocols each wire name is mapped
back through the operation's input shape (ec2: queryName, else capitalized locationName, else the
member name; lists as Name.N; query: locationName or member name, lists as Name.member.N;
structures as Parent.Member). Every name must resolve, scalar values must match their type
(integers, true/false booleans, enums, ISO-8601 timestamps, base64 blobs, min/max), and required
members must be present at every structure reached. JSON bodies are checked by member name and
JSON type. Exit 0 when every request is valid (or, with --expect-each-to-fail, when every request
has at least one problem); print "checked N operations (M distinct)".
"""
import base64
import binascii
import json
import re
import sys

from botocore.loaders import Loader

LOADER = Loader()
MODELS = {}
ISO8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
INTEGER = re.compile(r"^-?\d+$")


def model(service):
    if service not in MODELS:
        MODELS[service] = LOADER.load_service_model(service, "service-2")
    return MODELS[service]


def wire_name(protocol, member_name, member):
    if protocol == "ec2":
        if "queryName" in member:
            return member["queryName"]
        if "locationName" in member:
            loc = member["locationName"]
            return loc[0].upper() + loc[1:]
        return member_name
    return member.get("locationName", member_name)


def check_scalar(shape, value, where, errors):
    kind = shape["type"]
    if kind in ("integer", "long"):
        if not INTEGER.match(value):
            errors.append(f"{where}: '{value}' is not an integer")
            return
        n = int(value)
        if "min" in shape and n < shape["min"] or "max" in shape and n > shape["max"]:
            errors.append(f"{where}: {n} outside [{shape.get('min')}, {shape.get('max')}]")
    elif kind in ("double", "float"):
        try:
            float(value)
        except ValueError:
            errors.append(f"{where}: '{value}' is not a number")
    elif kind == "boolean":
        if value not in ("true", "false"):
            errors.append(f"{where}: '{value}' is not true/false")
    elif kind == "timestamp":
        if not ISO8601.match(value):
            errors.append(f"{where}: '{value}' is not an ISO-8601 UTC timestamp")
    elif kind == "blob":
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            errors.append(f"{where}: blob is not base64")
    elif kind == "string":
        if "enum" in shape and value not in shape["enum"]:
            errors.append(f"{where}: '{value}' not in enum {shape['enum'][:8]}...")
        if "min" in shape and len(value) < shape["min"]:
            errors.append(f"{where}: shorter than {shape['min']}")
    else:
        errors.append(f"{where}: unexpected scalar type {kind}")


class QueryWalker:
    """Resolve flattened query/ec2 wire names against an input shape."""

    def __init__(self, service, protocol):
        self.shapes = model(service)["shapes"]
        self.protocol = protocol
        self.structures = {}  # path prefix -> (shape name, set of member names seen)
        self.list_indices = {}  # list path -> set of indices

    def members_by_wire(self, shape):
        out = {}
        for name, member in shape.get("members", {}).items():
            out[wire_name(self.protocol, name, member)] = (name, member)
        return out

    def walk(self, shape_name, prefix, parts, value, errors):
        shape = self.shapes[shape_name]
        kind = shape["type"]
        where = ".".join(prefix) or "<root>"
        if kind == "structure":
            self.structures.setdefault(where, (shape_name, set()))
            if not parts:
                errors.append(f"{where}: structure given a value")
                return
            by_wire = self.members_by_wire(shape)
            if parts[0] not in by_wire:
                errors.append(f"{'.'.join(prefix + parts[:1])}: no member '{parts[0]}' in {shape_name}")
                return
            name, member = by_wire[parts[0]]
            self.structures[where][1].add(name)
            self.walk(member["shape"], prefix + parts[:1], parts[1:], value, errors)
        elif kind == "list":
            self.walk_list(shape, prefix, parts, value, errors)
        elif kind == "map":
            errors.append(f"{where}: maps are not used by gpubox")
        elif parts:
            errors.append(f"{where}.{'.'.join(parts)}: '{where}' is a scalar ({kind})")
        else:
            check_scalar(shape, value, where, errors)

    def walk_list(self, shape, prefix, parts, value, errors):
        where = ".".join(prefix)
        member = shape["member"]
        if self.protocol == "query" and not shape.get("flattened"):
            expected = member.get("locationName", "member")
            if not parts or parts[0] != expected:
                errors.append(f"{where}: query list needs '.{expected}.N'")
                return
            prefix, parts = prefix + parts[:1], parts[1:]
        if not parts or not INTEGER.match(parts[0]) or int(parts[0]) < 1:
            errors.append(f"{where}: list needs an index .N (N >= 1)")
            return
        self.list_indices.setdefault(".".join(prefix), set()).add(int(parts[0]))
        self.walk(member["shape"], prefix + parts[:1], parts[1:], value, errors)

    def finish(self, errors):
        for path, indices in self.list_indices.items():
            if sorted(indices) != list(range(1, len(indices) + 1)):
                errors.append(f"{path}: list indices {sorted(indices)} are not 1..N")
        for path, (shape_name, seen) in self.structures.items():
            for required in self.shapes[shape_name].get("required", []):
                if required not in seen:
                    errors.append(f"{path}: required member {required} of {shape_name} missing")


def check_query(service, protocol, input_shape, params, errors):
    walker = QueryWalker(service, protocol)
    walker.structures["<root>"] = (input_shape, set())
    names = [name for name, _ in params]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        errors.append(f"{dup}: sent more than once")
    for name, value in params:
        if not isinstance(value, str):
            errors.append(f"{name}: wire value must be a string")
            continue
        walker.walk(input_shape, [], name.split("."), value, errors)
    walker.finish(errors)


def check_json_value(shapes, shape_name, value, where, errors):
    shape = shapes[shape_name]
    kind = shape["type"]
    if kind == "structure":
        if not isinstance(value, dict):
            errors.append(f"{where}: expected an object")
            return
        members = {m.get("locationName", n): (n, m) for n, m in shape.get("members", {}).items()}
        for key, item in value.items():
            if key not in members:
                errors.append(f"{where}.{key}: no member '{key}' in {shape_name}")
                continue
            check_json_value(shapes, members[key][1]["shape"], item, f"{where}.{key}", errors)
        present = {members[k][0] for k in value if k in members}
        for required in shape.get("required", []):
            if required not in present:
                errors.append(f"{where}: required member {required} of {shape_name} missing")
    elif kind == "list":
        if not isinstance(value, list):
            errors.append(f"{where}: expected an array")
            return
        for i, item in enumerate(value):
            check_json_value(shapes, shape["member"]["shape"], item, f"{where}[{i}]", errors)
    elif kind == "map":
        if not isinstance(value, dict):
            errors.append(f"{where}: expected an object (map)")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"{where}: expected an integer, got {value!r}")
        else:
            check_scalar(shape, str(value), where, errors)
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(f"{where}: expected a number, got {value!r}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            errors.append(f"{where}: expected true/false, got {value!r}")
    elif kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(f"{where}: expected epoch seconds, got {value!r}")
    elif kind in ("string", "blob"):
        if not isinstance(value, str):
            errors.append(f"{where}: expected a string, got {value!r}")
        elif kind == "string":
            check_scalar(shape, value, where, errors)


def check_request(request):
    errors = []
    service, operation = request.get("service"), request.get("operation")
    try:
        m = model(service)
    except Exception as e:  # unknown service name
        return [f"{service}: cannot load model ({e})"]
    if operation not in m["operations"]:
        return [f"{service}: no operation {operation}"]
    protocol = m["metadata"]["protocol"]
    input_shape = m["operations"][operation].get("input", {}).get("shape")
    if protocol in ("ec2", "query"):
        if "params" not in request:
            return [f"{service}.{operation}: {protocol} request needs 'params'"]
        if input_shape is None:
            return [f"{service}.{operation}: operation takes no input"] if request["params"] else []
        check_query(service, protocol, input_shape, request["params"], errors)
    elif protocol == "json":
        if "body" not in request:
            return [f"{service}.{operation}: json request needs 'body'"]
        check_json_value(m["shapes"], input_shape, request["body"], operation, errors)
    else:
        errors.append(f"{service}: protocol {protocol} not supported by this checker")
    return errors


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    expect_fail = "--expect-each-to-fail" in argv[2:]
    with open(argv[1]) as f:
        requests = json.load(f)["requests"]
    failed = 0
    for request in requests:
        errors = check_request(request)
        label = f"{request.get('service')}.{request.get('operation')}"
        if errors:
            failed += 1
            for e in errors:
                print(f"{label}: {e}")
        else:
            print(f"{label}: ok")
    distinct = len({(r.get("service"), r.get("operation")) for r in requests})
    print(f"checked {len(requests)} operations ({distinct} distinct), {failed} with problems")
    if expect_fail:
        return 0 if failed == len(requests) and requests else 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
