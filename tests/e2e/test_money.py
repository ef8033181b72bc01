"""End-to-end tests of quotas, offers, the catalog refresh and costs against the loopback moto
wrapper: quotas per region with one region failing; a quota increase request and its history
(cross-checked with the wrapper's log and boto3); offers ranking on a fixture catalog; a refresh
from the pricing stub that `offers` then uses; the cost of a stopped-and-started box under a fake
clock."""
import json
import os
import sqlite3
import subprocess
import unittest

import harness

G_ON_DEMAND = "L-DB2E81BA"
G_SPOT = "L-3819A6DF"
REGIONS = "us-east-1,us-west-2,eu-west-1"

FIXTURE_CATALOG = """# generated_at: 2030-01-01T00:00:00Z
# source: fixture
instance_type,accelerator,accelerator_count,gpu_memory_gib,vcpus,memory_gib,region,zone,on_demand_usd_per_hour,spot_usd_per_hour
g4dn.xlarge,T4,1,16,4,16,us-east-1,use1-az1,0.526,0.20
g4dn.xlarge,T4,1,16,4,16,eu-west-1,euw1-az1,0.587,0.15
g4dn.2xlarge,T4,1,16,8,32,us-east-1,use1-az1,0.526,0.30
g4dn.12xlarge,T4,4,16,48,192,us-east-1,use1-az1,3.912,1.2
g5.xlarge,A10G,1,24,4,16,us-east-1,use1-az1,1.006,0.45
g6.xlarge,L4,1,24,4,16,us-west-2,usw2-az1,0.8048,
"""


class MoneyCase(harness.MotoTestCase):
    def run_ok(self, *args, env=None):
        r = self.gpubox(*args, env=env)
        self.assertEqual(r.returncode, 0, f"{args}\nstdout:{r.stdout}\nstderr:{r.stderr}")
        return r

    def run_json(self, *args, env=None):
        return json.loads(self.run_ok(*args, "--json", env=env).stdout)

    def data_dir(self):
        return os.path.join(self.home, ".gpubox")

    def write_catalog(self, text):
        os.makedirs(self.data_dir(), exist_ok=True)
        with open(os.path.join(self.data_dir(), "catalog.csv"), "w") as f:
            f.write(text)


class QuotaTest(MoneyCase):
    def test_quota_per_region_with_one_region_failing(self):
        self.add_faults([{"action": "*", "service": "servicequotas", "region": "eu-west-1",
                          "code": "AccessDeniedException", "status": 400, "remaining": 100}])
        self.moto.set_quota("us-east-1", G_ON_DEMAND, 16.0)
        ec2 = self.boto3_client("ec2", region="us-east-1")
        ec2.run_instances(ImageId="ami-12c6146b", InstanceType="g4dn.2xlarge", MinCount=1,
                          MaxCount=1)  # 8 vCPUs of the G on-demand quota in use
        doc = self.run_json("quota", "--type", "g4dn.xlarge", "--regions", REGIONS)
        self.assertEqual(doc["instance_type"], "g4dn.xlarge")
        self.assertEqual(doc["vcpus"], 4)
        rows = {r["region"]: r for r in doc["regions"]}
        self.assertEqual([r["region"] for r in doc["regions"]], REGIONS.split(","))
        east = rows["us-east-1"]
        self.assertIsNone(east["error"])
        self.assertEqual(east["on_demand"]["quota_code"], G_ON_DEMAND)
        self.assertEqual(east["on_demand"]["quota_vcpus"], 16.0)
        self.assertEqual(east["on_demand"]["used_vcpus"], 8)
        self.assertTrue(east["on_demand"]["fits"])
        self.assertEqual(east["spot"]["quota_code"], G_SPOT)
        self.assertEqual(east["spot"]["used_vcpus"], 0)
        west = rows["us-west-2"]  # overrides: G on-demand 64, G spot 0
        self.assertEqual(west["on_demand"]["quota_vcpus"], 64.0)
        self.assertFalse(west["spot"]["fits"])
        failed = rows["eu-west-1"]
        self.assertIsNotNone(failed["error"])
        self.assertEqual(failed["error"]["code"], "AccessDeniedException")
        self.assertIsNone(failed["on_demand"])
        # The quota codes were resolved by name with ListServiceQuotas, then cached.
        self.assertTrue(self.requests(action="ListServiceQuotas"))
        with open(os.path.join(self.data_dir(), "quota_codes.json")) as f:
            cached = json.load(f)
        self.assertEqual(cached["regions"]["us-east-1"]["codes"]
                         ["Running On-Demand G and VT instances"], G_ON_DEMAND)
        # Second run: codes come from the cache, so no listing, one GetServiceQuota per code.
        before = len(self.requests(action="ListServiceQuotas"))
        self.run_json("quota", "--type", "g4dn.xlarge", "--regions", "us-east-1")
        self.assertEqual(len(self.requests(action="ListServiceQuotas")), before)
        got = [r for r in self.requests(action="GetServiceQuota") if r["region"] == "us-east-1"]
        self.assertEqual(sorted(r["params"]["QuotaCode"] for r in got), [G_SPOT, G_ON_DEMAND])

    def test_quota_gpu_picks_the_cheapest_type_and_table_shows_the_error(self):
        self.add_faults([{"action": "*", "service": "servicequotas", "region": "eu-west-1",
                          "code": "AccessDeniedException", "status": 400, "remaining": 100}])
        r = self.run_ok("quota", "--gpu", "T4", "--regions", "us-east-1,eu-west-1")
        lines = r.stdout.strip().splitlines()
        self.assertEqual(len(lines), 2, r.stdout)
        self.assertTrue(lines[0].startswith("us-east-1\t"), r.stdout)
        self.assertIn("AccessDeniedException", lines[1])
        self.assertIn("g4dn.xlarge", r.stderr)

    def test_request_increase_and_its_history(self):
        r = self.run_ok("quota", "request", "--type", "g4dn.xlarge", "--region", "us-east-1",
                        "--count", "3")
        self.assertIn("PENDING", r.stdout)
        logged = self.moto.quota_requests()
        self.assertEqual(len(logged), 1, logged)
        entry = logged[0]
        self.assertEqual(entry["QuotaCode"], G_ON_DEMAND)
        self.assertEqual(entry["DesiredValue"], 12.0)  # 0 in use + 3 x 4 vCPUs (quota is 8)
        self.assertIn(entry["CaseId"], r.stdout)
        # A second request for the same quota is already open: reported, not an error.
        again = json.loads(self.run_ok("quota", "request", "--type", "g4dn.xlarge", "--region",
                                       "us-east-1", "--count", "3", "--json").stdout)
        self.assertEqual(again["outcome"], "already_open")
        self.assertEqual(again["request"]["id"], entry["Id"])
        # Approve it; the history shows the new status, newest first, as boto3 sees it.
        self.moto.set_quota_request_status(entry["Id"], "APPROVED")
        self.run_ok("quota", "request", "--type", "g4dn.xlarge", "--region", "us-east-1",
                    "--count", "5", "--spot")
        history = self.run_json("quota", "requests")
        sq = self.boto3_client("service-quotas", region="us-east-1")
        theirs = sq.list_requested_service_quota_change_history(ServiceCode="ec2")
        self.assertEqual(len(history), len(theirs["RequestedQuotas"]))
        self.assertEqual(len(history), 2)
        self.assertEqual(history[0]["quota_code"], G_SPOT)
        self.assertEqual(history[0]["desired_value"], 20.0)
        self.assertEqual(history[1]["id"], entry["Id"])
        self.assertEqual(history[1]["status"], "APPROVED")

    def test_request_when_the_quota_already_fits_sends_nothing(self):
        self.moto.set_quota("us-east-1", G_ON_DEMAND, 64.0)
        doc = self.run_json("quota", "request", "--type", "g4dn.xlarge", "--region", "us-east-1")
        self.assertEqual(doc["outcome"], "already_enough")
        self.assertEqual(self.moto.quota_requests(), [])


class OffersTest(MoneyCase):
    def test_offers_rank_a_fixture_catalog(self):
        self.write_catalog(FIXTURE_CATALOG)
        doc = self.run_json("offers", "--gpu", "T4")
        order = [(o["instance_type"], o["region"]) for o in doc["offers"]]
        # Ties on price go to fewer vCPUs; then region name.
        self.assertEqual(order, [("g4dn.xlarge", "us-east-1"), ("g4dn.2xlarge", "us-east-1"),
                                 ("g4dn.xlarge", "eu-west-1"), ("g4dn.12xlarge", "us-east-1")])
        self.assertEqual(doc["catalog"]["generated_at"], "2030-01-01T00:00:00Z")
        spot = self.run_json("offers", "--gpu", "T4", "--spot", "--max-price", "0.5")
        self.assertEqual([(o["instance_type"], o["region"]) for o in spot["offers"]],
                         [("g4dn.xlarge", "eu-west-1"), ("g4dn.xlarge", "us-east-1"),
                          ("g4dn.2xlarge", "us-east-1")])
        mem = self.run_json("offers", "--min-gpu-mem", "20", "--limit", "1")
        self.assertEqual([o["instance_type"] for o in mem["offers"]], ["g6.xlarge"])
        # No AWS call without --check-quota.
        self.assertEqual(self.requests(), [])

    def test_unknown_gpu_gets_a_suggestion(self):
        r = self.gpubox("offers", "--gpu", "A10")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("did you mean", r.stderr)

    def test_check_quota_column(self):
        self.write_catalog(FIXTURE_CATALOG)
        doc = self.run_json("offers", "--gpu", "T4", "--regions", "us-east-1,eu-west-1",
                            "--check-quota")
        quota = {(o["instance_type"], o["region"]): o["quota"] for o in doc["offers"]}
        self.assertTrue(quota[("g4dn.xlarge", "us-east-1")]["fits"])       # 4 <= 8
        self.assertFalse(quota[("g4dn.12xlarge", "us-east-1")]["fits"])    # 48 > 8
        self.assertFalse(quota[("g4dn.xlarge", "eu-west-1")]["fits"])      # override: 0


class CatalogRefreshTest(MoneyCase):
    def test_refresh_from_the_pricing_stub_then_offers_use_it(self):
        r = self.run_ok("catalog", "refresh", "--regions", "us-east-1,eu-west-1")
        path = os.path.join(self.data_dir(), "catalog.csv")
        self.assertIn(path, r.stdout)
        with open(path) as f:
            text = f.read()
        self.assertTrue(text.startswith("# generated_at: "), text[:200])
        products = self.requests(action="GetProducts")
        self.assertTrue(products)
        self.assertEqual(len(products), 2)
        for p in products:
            fields = {f["Field"]: f["Value"] for f in p["params"]["Filters"]}
            # Pricing answers only in us-east-1, eu-central-1 and ap-south-1.
            self.assertIn(p["region"], ("us-east-1", "eu-central-1", "ap-south-1"))
            self.assertIn(fields["regionCode"], ("us-east-1", "eu-west-1"))
            self.assertEqual(fields["operatingSystem"], "Linux")
            self.assertEqual(fields["tenancy"], "Shared")
            self.assertEqual(fields["preInstalledSw"], "NA")
            self.assertEqual(fields["capacitystatus"], "Used")
        self.assertTrue(self.requests(action="DescribeSpotPriceHistory"))
        doc = self.run_json("offers", "--gpu", "T4", "--regions", "us-east-1,eu-west-1")
        prices = {(o["instance_type"], o["region"]): o["on_demand_price_per_hour_usd"]
                  for o in doc["offers"]}
        # moto_config.PRICES, not the embedded snapshot.
        self.assertAlmostEqual(prices[("g4dn.xlarge", "us-east-1")], 0.526)
        self.assertAlmostEqual(prices[("g4dn.xlarge", "eu-west-1")], 0.587)
        spots = [o["spot_price_per_hour_usd"] for o in doc["offers"]]
        self.assertTrue(any(s is not None for s in spots), doc["offers"][:3])
        self.assertEqual(doc["catalog"]["source"],
                         "AWS Price List API + DescribeSpotPriceHistory")


class CostTest(MoneyCase):
    T0_MS = 1767225600000  # 2026-01-01T00:00:00Z
    HOUR_MS = 3600 * 1000

    def seed_ledger(self):
        self.run_ok("cost", "--offline")  # creates the state database
        db = sqlite3.connect(os.path.join(self.data_dir(), "state.db"))
        with db:
            db.execute("INSERT INTO boxes (name, kind, region, instance_type, instance_id, state,"
                       " price_per_hour_usd, disk_gb, created_at_ms) VALUES"
                       " ('work', 'aws', 'us-east-1', 'g5.xlarge', 'i-1', 'running', 1.006, 100, ?)",
                       (self.T0_MS,))
            for state, hours in (("running", 0), ("stopped", 2), ("running", 5)):
                db.execute("INSERT INTO ledger (name, instance_id, state, at_ms, price_per_hour_usd)"
                           " VALUES ('work', 'i-1', ?, ?, 1.006)",
                           (state, self.T0_MS + hours * self.HOUR_MS))
        db.close()

    def test_cost_of_a_box_stopped_and_started_under_a_fake_clock(self):
        self.seed_ledger()
        env = {"GPUBOX_FAKE_NOW": "2026-01-01T06:30:00Z"}
        doc = self.run_json("cost", "work", "--offline", env=env)
        [box] = doc["boxes"]
        self.assertAlmostEqual(box["running_hours"], 3.5, places=3)
        self.assertAlmostEqual(box["stopped_hours"], 3.0, places=3)
        self.assertAlmostEqual(box["compute_usd"], 3.521, places=3)   # 3.5 h x $1.006
        self.assertAlmostEqual(box["storage_usd"], 0.0712, places=4)  # 100 GiB x $0.08 x 6.5/730
        self.assertAlmostEqual(box["ipv4_usd"], 0.0175, places=4)   # 3.5 h x $0.005 public IPv4
        self.assertFalse(box["estimated"])
        self.assertAlmostEqual(doc["total_usd"], 3.6097, places=3)
        since = self.run_json("cost", "--offline", "--since", "2026-01-01T05:00:00Z", env=env)
        self.assertAlmostEqual(since["boxes"][0]["running_hours"], 1.5, places=3)
        self.assertAlmostEqual(since["boxes"][0]["compute_usd"], 1.509, places=3)

    def test_boxes_only_in_the_cloud_are_estimated(self):
        ec2 = self.boto3_client("ec2", region="us-east-1")
        ec2.run_instances(ImageId="ami-12c6146b", InstanceType="g4dn.xlarge", MinCount=1,
                          MaxCount=1, TagSpecifications=[{"ResourceType": "instance", "Tags": [
                              {"Key": "gpubox:box", "Value": "ghost"}]}])
        doc = self.run_json("cost")
        rows = {b["name"]: b for b in doc["boxes"]}
        self.assertIn("ghost", rows)
        self.assertTrue(rows["ghost"]["estimated"])
        self.assertEqual(rows["ghost"]["instance_type"], "g4dn.xlarge")


if __name__ == "__main__":
    unittest.main()
