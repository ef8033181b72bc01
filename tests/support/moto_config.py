"""Default data for the gpubox moto wrapper (gpubox_moto.py), kept in one place.

Everything here is TEST DATA. It looks like real AWS data (names, SSM paths,
quota codes, price shapes) but the AMI IDs, dates and prices are invented or
approximate. `gpubox_moto.py --config FILE` replaces any top-level key.
"""
import copy
import hashlib

DLAMI_OWNER = "898082745236"
SSM_PREFIX = "/aws/service/deeplearning/ami"

# One entry per DLAMI build. `ssm` (optional) is the ami_type of
# /aws/service/deeplearning/ami/<architecture>/<ssm>/latest/ami-id, which points
# at the newest build that names it. `regions` (optional) limits where it exists.
# `root_device` (default /dev/sda1; Amazon Linux uses /dev/xvda) and `root_gib` (the root
# snapshot's size, default 75) describe the image's root volume. `deregistered: true` keeps the
# SSM parameter but not the image (AWS deregisters old builds before every parameter moves on):
# DescribeImages answers InvalidAMIID.NotFound for it.
DLAMIS = [
    {"name": "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20250610",
     "creation_date": "2025-06-10T08:12:00.000Z", "architecture": "x86_64",
     "ssm": "base-oss-nvidia-driver-gpu-ubuntu-22.04", "root_gib": 60},
    {"name": "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20250715",
     "creation_date": "2025-07-15T09:30:00.000Z", "architecture": "x86_64",
     "ssm": "base-oss-nvidia-driver-gpu-ubuntu-22.04", "root_gib": 60},
    {"name": "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 24.04) 20250801",
     "creation_date": "2025-08-01T10:00:00.000Z", "architecture": "x86_64",
     "ssm": "base-oss-nvidia-driver-gpu-ubuntu-24.04", "root_gib": 60},
    {"name": "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.7 (Ubuntu 22.04) 20250601",
     "creation_date": "2025-06-01T07:00:00.000Z", "architecture": "x86_64",
     "ssm": "oss-nvidia-driver-gpu-pytorch-2.7-ubuntu-22.04"},
    {"name": "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.7 (Ubuntu 22.04) 20250701",
     "creation_date": "2025-07-01T07:00:00.000Z", "architecture": "x86_64",
     "ssm": "oss-nvidia-driver-gpu-pytorch-2.7-ubuntu-22.04"},
    {"name": "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.8 (Ubuntu 24.04) 20250820",
     "creation_date": "2025-08-20T07:00:00.000Z", "architecture": "x86_64",
     "ssm": "oss-nvidia-driver-gpu-pytorch-2.8-ubuntu-24.04"},
    # Newest of all, but deregistered: its parameter still points at it.
    {"name": "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.9 (Ubuntu 24.04) 20251001",
     "creation_date": "2025-10-01T07:00:00.000Z", "architecture": "x86_64",
     "ssm": "oss-nvidia-driver-gpu-pytorch-2.9-ubuntu-24.04", "deregistered": True},
    {"name": "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.7 (Amazon Linux 2023) 20250701",
     "creation_date": "2025-07-01T08:00:00.000Z", "architecture": "x86_64",
     "ssm": "oss-nvidia-driver-gpu-pytorch-2.7-amazon-linux-2023", "root_device": "/dev/xvda",
     "root_gib": 80},
    {"name": "Deep Learning OSS Nvidia Driver AMI GPU TensorFlow 2.18 (Ubuntu 22.04) 20250301",
     "creation_date": "2025-03-01T07:00:00.000Z", "architecture": "x86_64",
     "ssm": "oss-nvidia-driver-gpu-tensorflow-2.18-ubuntu-22.04"},
    {"name": "Deep Learning ARM64 Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20250715",
     "creation_date": "2025-07-15T09:45:00.000Z", "architecture": "arm64",
     "ssm": "base-oss-nvidia-driver-gpu-ubuntu-22.04"},
    {"name": "Deep Learning ARM64 AMI OSS Nvidia Driver GPU PyTorch 2.7 (Ubuntu 22.04) 20250701",
     "creation_date": "2025-07-01T07:30:00.000Z", "architecture": "arm64",
     "ssm": "oss-nvidia-driver-gpu-pytorch-2.7-ubuntu-22.04"},
]

# ServiceCode ec2 quotas (aws-reference.md 7.1/7.2). `default` is what
# GetAWSDefaultServiceQuota answers, `value` the applied (account) value. The
# values are test values: G on-demand and G spot are usable, P is zero.
EC2_QUOTAS = {
    "L-1216C47A": {"name": "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
                   "class": "Standard/OnDemand", "default": 5.0, "value": 5.0},
    "L-DB2E81BA": {"name": "Running On-Demand G and VT instances",
                   "class": "G/OnDemand", "default": 0.0, "value": 8.0},
    "L-417A185B": {"name": "Running On-Demand P instances",
                   "class": "P/OnDemand", "default": 0.0, "value": 0.0},
    "L-2C3B7624": {"name": "Running On-Demand Trn instances",
                   "class": "Trn/OnDemand", "default": 0.0, "value": 0.0},
    "L-34B43A08": {"name": "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests",
                   "class": "Standard/Spot", "default": 5.0, "value": 5.0},
    "L-3819A6DF": {"name": "All G and VT Spot Instance Requests",
                   "class": "G/Spot", "default": 0.0, "value": 8.0},
    "L-7212CCBC": {"name": "All P4, P3 and P2 Spot Instance Requests",
                   "class": "P/Spot", "default": 0.0, "value": 0.0},
    "L-C4BD4855": {"name": "All P5 Spot Instance Requests",
                   "class": "P5/Spot", "default": 0.0, "value": 0.0},
    "L-85EED4F7": {"name": "All DL Spot Instance Requests",
                   "class": "DL/Spot", "default": 0.0, "value": 0.0},
    "L-88CF9481": {"name": "All F Spot Instance Requests",
                   "class": "F/Spot", "default": 0.0, "value": 0.0},
    "L-B5D1601B": {"name": "All Inf Spot Instance Requests",
                   "class": "Inf/Spot", "default": 0.0, "value": 0.0},
    "L-E3A00192": {"name": "All X Spot Instance Requests",
                   "class": "X/Spot", "default": 0.0, "value": 0.0},
    "L-6B0D517C": {"name": "All Trn Spot Instance Requests",
                   "class": "Trn/Spot", "default": 0.0, "value": 0.0},
}

# Regions where quotas have no applied value, as Service Quotas answers for accounts that never
# changed them there: {region: "all" | [quota codes]}. "all": ListServiceQuotas and
# GetServiceQuota answer NoSuchResourceException; a list: those codes are missing from
# ListServiceQuotas and GetServiceQuota answers NoSuchResourceException for them. The
# GetAWSDefaultServiceQuota / ListAWSDefaultServiceQuotas calls answer everywhere.
EC2_QUOTA_UNAPPLIED = {
    "ca-central-1": "all",
    "eu-west-2": ["L-3819A6DF", "L-DB2E81BA"],
}

# How many quota increase requests may be open (PENDING or CASE_OPENED) in one region before
# RequestServiceQuotaIncrease answers QuotaExceededException.
MAX_OPEN_QUOTA_REQUESTS = 10

# Regions the account has not opted into. moto lists them (DescribeRegions OptInStatus
# "not-opted-in"); AWS refuses every call there: EC2 with AuthFailure (HTTP 401), the JSON
# services with UnrecognizedClientException. A region mapped to "OptInRequired" answers that
# code instead (HTTP 403). None: every region moto calls "not-opted-in", with AuthFailure.
DISABLED_REGIONS = None

# Applied values that differ per region: {region: {quota code: value}}.
EC2_QUOTA_OVERRIDES = {
    "us-west-2": {"L-DB2E81BA": 64.0, "L-417A185B": 96.0, "L-3819A6DF": 0.0},
    "eu-west-1": {"L-DB2E81BA": 0.0},
}

# On-demand Linux/Shared USD per hour: approximate list prices, test values only.
_US = {
    "t3.micro": 0.0104, "t3.medium": 0.0416, "m5.large": 0.096, "c5.xlarge": 0.17,
    "g4dn.xlarge": 0.526, "g4dn.2xlarge": 0.752, "g4dn.12xlarge": 3.912,
    "g5.xlarge": 1.006, "g5.2xlarge": 1.212, "g5.12xlarge": 5.672, "g5.48xlarge": 16.288,
    "g5g.xlarge": 0.42, "g6.xlarge": 0.8048, "g6.2xlarge": 0.9776, "g6e.xlarge": 1.861,
    "p3.2xlarge": 3.06, "p4d.24xlarge": 21.9576, "p5.48xlarge": 55.04,
}
PRICES = {
    "us-east-1": dict(_US),
    "us-west-2": dict(_US),
    "eu-west-1": {"t3.medium": 0.0456, "g4dn.xlarge": 0.587, "g5.xlarge": 1.123,
                  "g5.2xlarge": 1.353, "p4d.24xlarge": 24.0379},
    "eu-central-1": {"t3.medium": 0.048, "g4dn.xlarge": 0.658, "g5.xlarge": 1.258,
                     "g6.xlarge": 0.9014, "p4d.24xlarge": 26.4},
}

# Regions whose Pricing endpoint exists (aws-reference.md 9.1).
PRICING_REGIONS = ["us-east-1", "eu-central-1", "ap-south-1"]

LOCATIONS = {
    "us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)", "eu-central-1": "EU (Frankfurt)",
    "eu-west-2": "EU (London)", "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-south-1": "Asia Pacific (Mumbai)", "ap-southeast-2": "Asia Pacific (Sydney)",
}

DEFAULT_CONFIG = {
    "dlamis": DLAMIS,
    "ec2_quotas": EC2_QUOTAS,
    "ec2_quota_overrides": EC2_QUOTA_OVERRIDES,
    "ec2_quota_unapplied": EC2_QUOTA_UNAPPLIED,
    "max_open_quota_requests": MAX_OPEN_QUOTA_REQUESTS,
    "disabled_regions": DISABLED_REGIONS,
    "prices": PRICES,
    "pricing_regions": PRICING_REGIONS,
    "locations": LOCATIONS,
}


def default_config():
    """A deep copy of the default configuration."""
    return copy.deepcopy(DEFAULT_CONFIG)


def ami_id(region, dlami):
    """The AMI ID of one DLAMI build in one region (stable, different per region)."""
    if dlami.get("ami_id"):
        return dlami["ami_id"]
    digest = hashlib.sha256(f"{region}/{dlami['name']}".encode()).hexdigest()
    return "ami-0" + digest[:16]


def ssm_path(dlami):
    """The SSM parameter name of a DLAMI entry, or None."""
    if not dlami.get("ssm"):
        return None
    return f"{SSM_PREFIX}/{dlami['architecture']}/{dlami['ssm']}/latest/ami-id"


def dlamis_in(region, cfg):
    """The DLAMI entries that exist in a region."""
    return [d for d in cfg["dlamis"] if not d.get("regions") or region in d["regions"]]


def latest_ssm(region, cfg):
    """{ssm path: newest DLAMI entry} for one region."""
    out = {}
    for d in dlamis_in(region, cfg):
        path = ssm_path(d)
        if path and (path not in out or d["creation_date"] > out[path]["creation_date"]):
            out[path] = d
    return out
