"""The Pricing stub of the gpubox moto wrapper: AWSPriceListService
GetProducts / DescribeServices / GetAttributeValues for AmazonEC2, answered from
the price table in moto_config.PRICES (test values)."""
import hashlib
import json

from moto_services import error_reply, json_reply, page


class Pricing:
    """AWSPriceListService (GetProducts, DescribeServices, GetAttributeValues) for AmazonEC2."""

    OFFER_TERM = "JRTCKXETXF"
    RATE_CODE = "6YS6EN2CT7"
    # (operatingSystem, tenancy, capacitystatus, price factor): only the first is the usual one.
    VARIANTS = [("Linux", "Shared", "Used", 1.0), ("Windows", "Shared", "Used", 1.8),
                ("Linux", "Dedicated", "Used", 1.1), ("Linux", "Shared", "UnusedCapacityReservation", 1.0)]

    def __init__(self, cfg, instance_types):
        self.cfg = cfg
        self.products = self._build(instance_types)

    def _build(self, types):
        out = []
        for region, table in self.cfg["prices"].items():
            for itype, usd in table.items():
                for os_name, tenancy, cap, factor in self.VARIANTS:
                    out.append(self._product(region, itype, usd * factor, os_name, tenancy, cap,
                                             types.get(itype, {})))
        return out

    def _product(self, region, itype, usd, os_name, tenancy, cap, info):
        sku = hashlib.sha256(f"{region}/{itype}/{os_name}/{tenancy}/{cap}".encode()).hexdigest()[:16].upper()
        gpus = sum(g.get("Count", 0) for g in info.get("GpuInfo", {}).get("Gpus", []))
        attrs = {
            "servicecode": "AmazonEC2", "servicename": "Amazon Elastic Compute Cloud",
            "instanceType": itype, "instanceFamily": "GPU instance" if gpus else "General purpose",
            "regionCode": region, "location": self.cfg["locations"].get(region, region),
            "locationType": "AWS Region", "operatingSystem": os_name, "tenancy": tenancy,
            "preInstalledSw": "NA", "capacitystatus": cap, "licenseModel": "No License required",
            "vcpu": str(info.get("VCpuInfo", {}).get("DefaultVCpus", "")),
            "memory": f"{info.get('MemoryInfo', {}).get('SizeInMiB', 0) / 1024:g} GiB",
            "gpu": str(gpus), "usagetype": f"BoxUsage:{itype}", "operation": "RunInstances",
        }
        term = f"{sku}.{self.OFFER_TERM}"
        return {
            "product": {"productFamily": "Compute Instance", "attributes": attrs, "sku": sku},
            "serviceCode": "AmazonEC2",
            "terms": {"OnDemand": {term: {
                "priceDimensions": {f"{term}.{self.RATE_CODE}": {
                    "unit": "Hrs", "endRange": "Inf", "beginRange": "0",
                    "description": f"${usd:.4f} per On Demand {os_name} {itype} Instance Hour",
                    "appliesTo": [], "rateCode": f"{term}.{self.RATE_CODE}",
                    "pricePerUnit": {"USD": f"{usd:.10f}"}}},
                "sku": sku, "effectiveDate": "2025-08-01T00:00:00Z",
                "offerTermCode": self.OFFER_TERM, "termAttributes": {}}}},
            "version": "20250801000000", "publicationDate": "2025-08-01T00:00:00Z",
        }

    @staticmethod
    def _filter_ok(product, f):
        attrs = {k.lower(): v for k, v in product["product"]["attributes"].items()}
        value = attrs.get(str(f.get("Field", "")).lower())
        want = str(f.get("Value", ""))
        kind = f.get("Type", "TERM_MATCH")
        if value is None:
            return kind == "NONE_OF"
        if kind in ("TERM_MATCH", "EQUALS"):
            return value.lower() == want.lower()
        if kind == "CONTAINS":
            return want.lower() in value.lower()
        options = [w.strip().lower() for w in want.split(",")]
        return (value.lower() in options) == (kind == "ANY_OF")

    def handles(self, req):
        return req.service == "pricing" or req.target.startswith("AWSPriceListService.")

    def handle(self, req):
        if req.region not in self.cfg["pricing_regions"]:
            return error_reply(req, 403, "InvalidSignatureException",
                               "Credential should be scoped to a valid region.")
        p = req.params
        if req.action == "DescribeServices":
            names = sorted(self.products[0]["product"]["attributes"]) if self.products else []
            svcs = [{"ServiceCode": "AmazonEC2", "AttributeNames": names}]
            if p.get("ServiceCode") not in (None, "AmazonEC2"):
                svcs = []
            return json_reply({"Services": svcs, "FormatVersion": "aws_v1"})
        if p.get("ServiceCode") != "AmazonEC2":
            return json_reply({"FormatVersion": "aws_v1", "PriceList": []})
        if req.action == "GetProducts":
            found = [x for x in self.products if all(self._filter_ok(x, f) for f in p.get("Filters", []))]
            chunk, nxt = page([json.dumps(x) for x in found], p)
            return json_reply({"FormatVersion": "aws_v1", "PriceList": chunk, **({"NextToken": nxt} if nxt else {})})
        if req.action == "GetAttributeValues":
            name = str(p.get("AttributeName", "")).lower()
            vals = sorted({v for x in self.products for k, v in x["product"]["attributes"].items()
                           if k.lower() == name})
            chunk, nxt = page([{"Value": v} for v in vals], p)
            return json_reply({"AttributeValues": chunk, **({"NextToken": nxt} if nxt else {})})
        return error_reply(req, 400, "InvalidParameterException", f"gpubox stub does not implement {req.action}")
