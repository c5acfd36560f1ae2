#!/usr/bin/python3
"""The worked example of issue 3 and the data path, through raw requests to
real sti-ingest and sti-indicators (started by test_indicators_data_path.sh).

Usage: indicators_scenario.py BROKER PLAN_DIR REDIS_PORT
Exits 0 when every check holds, 1 naming the first that does not.
"""
import math
import subprocess
import sys
import time
import uuid

HELPERS = __file__.rsplit("/tests/", 1)[0] + "/tests/helpers"
sys.path.insert(0, HELPERS)
from ind_client import Client, plan_catalog  # noqa: E402

BROKER, PLAN, REDIS_PORT = sys.argv[1], sys.argv[2], sys.argv[3]
IND = "sti.indicators"
c = Client(BROKER)


def fail(why):
    print("FAIL: " + why, file=sys.stderr)
    sys.exit(1)


def check(cond, why):
    if not cond:
        fail(why)


def redis(*args):
    out = subprocess.run(["redis-cli", "-p", REDIS_PORT] + list(args), check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def submit(rows):
    body = c.ok("sti.ingest", "obs.submit", {"rows": rows, "request_id": uuid.uuid4().hex})
    check(body["rejected"] == 0, "rows refused: %r" % body["errors"])
    return body


def wait(what, cond, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.05)
    fail("timed out waiting for " + what)


def point(indicator, org, period):
    series = c.ok(IND, "series.get", {"indicator": indicator, "org": org})
    for p in series["points"]:
        if p["period"] == period:
            return p
    return None


def value_is(indicator, org, period, value):
    p = point(indicator, org, period)
    return p if p and p["value"] is not None and math.isclose(p["value"], value) else None


def row(indicator, org, period, value):
    return {"indicator": indicator, "org": org, "period": period, "value": value}


def progress(code, year=2023, org=None):
    body = {"year": year}
    if org:
        body["org"] = org
    report = c.ok(IND, "progress.report", body)
    return [x for x in report["indicators"] if x["code"] == code][0]


def events(since=0):
    out = []
    while True:
        body = c.ok(IND, "events.since", {"stream": "ind", "seq": since, "limit": 1000})
        out += body["events"]
        if body["upto"] >= body["latest"] or body["upto"] == since:
            return out, body["latest"]
        since = body["upto"]


def catalog_ops():
    plan = plan_catalog(PLAN)
    check(c.ok(IND, "plan.load", {"plan": plan})["changed"], "first plan.load changes")
    check(not c.ok(IND, "plan.load", {"plan": plan})["changed"], "plan.load is idempotent")
    other = dict(plan, plan=dict(plan["plan"], code="another-plan"))
    reply = c.call(IND, "plan.load", {"plan": other})
    check(not reply["ok"] and reply["error"]["code"] == "conflict", "another plan: conflict")
    listing = c.ok(IND, "catalog.list")
    codes = [i["code"] for i in listing["indicators"]]
    check("rd_gdp_ratio" in codes and listing["plan"]["code"] == "linping-2021-2025",
          "catalog.list")
    ratio = c.ok(IND, "catalog.get", {"indicator": "rd_gdp_ratio"})
    check(ratio["formula"] == "100 * rd_expenditure / gdp" and
          ratio["inputs"] == ["rd_expenditure", "gdp"], "catalog.get formula %r" % ratio)
    reply = c.call(IND, "catalog.get", {"indicator": "nope"})
    check(reply["error"]["code"] == "not_found", "unknown indicator: not_found")
    reply = c.call(IND, "catalog.get", {"indicator": "gdp", "colour": 1})
    check(reply["error"]["code"] == "invalid_argument", "unknown key: invalid_argument")
    for town in ("town_a", "town_b"):
        check(c.ok(IND, "org.add", {"code": town, "parent": "linping", "name_en": town})
              ["changed"], "org.add " + town)
    check(not c.ok(IND, "org.add", {"code": "town_a", "parent": "linping", "name_en": "town_a"})
          ["changed"], "org.add again changes nothing")
    reply = c.call(IND, "org.add", {"code": "town_c", "parent": "nowhere"})
    check(reply["error"]["code"] in ("invalid_argument", "not_found"), "org.add bad parent")
    orgs = {o["code"]: o["parent"] for o in c.ok(IND, "org.list")["orgs"]}
    check(orgs == {"linping": None, "town_a": "linping", "town_b": "linping"}, "org.list %r" % orgs)
    check(c.ok(IND, "target.set", {"indicator": "hitech_enterprises", "year": 2025,
                                   "value": 1000})["changed"], "target.set")
    c.ok(IND, "target.set", {"indicator": "edz_national_rank", "year": 2025, "value": 30})
    reply = c.call(IND, "target.set", {"indicator": "nope", "year": 2025, "value": 1})
    check(reply["error"]["code"] == "not_found", "target.set unknown: not_found")


def refused(op, body, field, reason):
    """op refuses body with invalid_argument naming field and reason."""
    reply = c.call(IND, op, body)
    error = reply.get("error") or {}
    details = error.get("details") or [{}]
    check(not reply["ok"] and error["code"] == "invalid_argument" and
          details[0].get("field") == field and reason in details[0].get("reason", ""),
          "%s %r: want %s: %s, got %r" % (op, body, field, reason, reply))


def declared_bodies():
    """Every op is declared, and a body against its declaration is refused
    in the frame's one wording."""
    described = c.ok(IND, "ops.describe")
    ops = {op["op"]: op for op in described["ops"]}
    check(set(ops) == {"catalog.list", "catalog.get", "org.list", "org.add", "org.rename",
                       "org.retire", "target.set", "target.remove", "target.list",
                       "value.withdraw", "plan.load", "dataset.get", "dataset.accept_loss",
                       "series.get", "progress.report", "snapshot.get", "events.since",
                       "intake.status", "forecast.report", "report.data", "report.issue",
                       "report.list", "org.set_type", "duty.assign",
                       "duty.set", "duty.rule", "duty.list", "completeness", "overdue",
                       "approval.approve", "approval.reopen", "approval.list",
                       "ops.describe"},
          "declared ops %r" % sorted(ops))
    refused("series.get", {"indicator": "gdp"}, "org", "missing (required)")
    refused("progress.report", {"year": 1999}, "year", "must be an integer from 2000 to 2100")
    refused("progress.report", {"colour": 1}, "colour", "unknown key")
    refused("snapshot.get", {"limit": 0}, "limit", "must be an integer from 1 to 1000")
    refused("target.set", {"indicator": "gdp", "year": 2025, "value": "lots"}, "value",
            "must be a number")
    refused("plan.load", {"plan": 5}, "plan", "must be a map")
    refused("intake.status", {"entry": 5}, "entry", "must be a string")
    refused("org.add", {"code": "x" * 65, "parent": "linping"}, "code",
            "must be a string of at most 64 bytes")
    refused("dataset.accept_loss", {"reason": "   "}, "reason", "must say why")
    refused("dataset.accept_loss", {"reason": "a\tb"}, "reason", "control characters")
    refused("events.since", {"stream": "tal", "seq": 0}, "stream", "does not publish")
    refused("events.since", {"stream": "ind"}, "seq", "missing (required)")


def worked_example():
    expect = [(850, "on_track"), (800, "lagging"), (700, "at_risk"), (1000, "achieved")]
    for value, status in expect:
        submit([row("hitech_enterprises", "linping", "2023", value)])
        wait("hitech 2023 = %d" % value, lambda: value_is("hitech_enterprises", "linping", "2023",
                                                          value))
        p = progress("hitech_enterprises")
        check(p["status"] == status, "%d: status %s, want %s" % (value, p["status"], status))
        if value == 850:
            check(abs(p["completion"] - 0.645) < 0.0005 and
                  abs(p["expected_completion"] - 0.600) < 1e-9 and p["baseline"] == 578 and
                  p["target"] == 1000 and p["target_year"] == 2025 and
                  p["latest_period"] == "2023", "850: progress row %r" % p)
    revisions = point("hitech_enterprises", "linping", "2023")["revisions"]
    check([r["value"] for r in revisions] == [850, 800, 700, 1000] and
          [r["revision"] for r in revisions] == [1, 2, 3, 4], "series revisions %r" % revisions)
    submit([row("edz_national_rank", "linping", "2023", 28)])
    wait("edz 2023", lambda: value_is("edz_national_rank", "linping", "2023", 28))
    check(progress("edz_national_rank")["status"] == "achieved", "edz_national_rank achieved")
    # An unchanged value: no revision, no event.
    _, before = events()
    submit([row("hitech_enterprises", "linping", "2023", 1000),
            row("tech_smes", "linping", "2021", 700)])
    wait("marker", lambda: value_is("tech_smes", "linping", "2021", 700))
    _, after = events()
    check(after == before + 1, "unchanged value made an event (%d -> %d)" % (before, after))
    check(len(point("hitech_enterprises", "linping", "2023")["revisions"]) == 4,
          "unchanged value made a revision")


def derived():
    submit([row("gdp", "linping", "2023", 1000), row("rd_expenditure", "linping", "2023", 30)])
    wait("rd_gdp_ratio 3", lambda: value_is("rd_gdp_ratio", "linping", "2023", 3.0))
    check(point("rd_gdp_ratio", "linping", "2023")["origin"] == "derived", "derived origin")
    _, seq = events()
    submit([row("gdp", "linping", "2023", 1500)])
    wait("rd_gdp_ratio 2", lambda: value_is("rd_gdp_ratio", "linping", "2023", 2.0))
    new, _ = events(seq)
    ratio = [e["data"] for e in new if e["data"]["indicator"] == "rd_gdp_ratio"]
    check(len(ratio) == 1 and math.isclose(ratio[0]["old"], 3.0) and
          math.isclose(ratio[0]["new"], 2.0) and ratio[0]["origin"] == "derived",
          "rd_gdp_ratio event %r" % ratio)


def aggregated():
    _, seq = events()
    submit([row("tech_smes", "town_a", "2023", 10), row("tech_smes", "town_b", "2023", 20)])
    p = wait("linping tech_smes 30", lambda: value_is("tech_smes", "linping", "2023", 30))
    check(p["origin"] == "aggregated", "aggregated origin %r" % p)
    new, _ = events(seq)
    linping = [e["data"] for e in new if e["subject"] == "tech_smes/linping/2023"]
    # One submission moves the sum once: no event for the sum after its first row.
    check([(d["old"], d["new"], d["origin"]) for d in linping] ==
          [(None, 30, "aggregated")], "aggregate events %r" % linping)
    submit([row("tech_smes", "linping", "2023", 100)])
    wait("reported wins", lambda: value_is("tech_smes", "linping", "2023", 100))
    _, seq = events()
    submit([row("tech_smes", "town_a", "2023", 15), row("tech_smes", "town_b", "2021", 1)])
    wait("town_b 2021", lambda: value_is("tech_smes", "town_b", "2021", 1))
    new, _ = events(seq)
    check(all(e["subject"] != "tech_smes/linping/2023" for e in new) and
          value_is("tech_smes", "linping", "2023", 100), "a reported value wins over the sum")
    # Derived at each level from the aggregated inputs.
    submit([row("gdp", "town_a", "2024", 10), row("gdp", "town_b", "2024", 20),
            row("rd_expenditure", "town_a", "2024", 1), row("rd_expenditure", "linping", "2024", 1)])
    wait("town ratio", lambda: value_is("rd_gdp_ratio", "town_a", "2024", 10.0))
    wait("district ratio", lambda: value_is("rd_gdp_ratio", "linping", "2024", 100.0 / 30))
    check(value_is("gdp", "linping", "2024", 30), "gdp sum at the district")


def log_and_snapshot():
    all_events, latest = events()
    check([e["seq"] for e in all_events] == list(range(1, latest + 1)), "event log has a gap")
    values_changed = [e for e in all_events if e["type"] == "indicator.changed"]
    statuses = [(e["data"]["status_before"], e["data"]["status_after"]) for e in values_changed
                if e["subject"] == "hitech_enterprises/linping/2023"]
    check(statuses == [("no_data", "on_track"), ("on_track", "lagging"), ("lagging", "at_risk"),
                       ("at_risk", "achieved")], "statuses %r" % statuses)
    with open(HELPERS + "/revisions_summary.lua") as f:
        revisions = int(redis("EVAL", f.read(), "0", "stitest").split()[2])
    # One revision per value event; targets' progress.changed events have none.
    check(revisions == len(values_changed),
          "revisions %d != value events %d" % (revisions, len(values_changed)))
    values, after = [], None
    snap_seq = None
    while True:
        body = {"limit": 3} if after is None else {"limit": 3, "after": after}
        page = c.ok(IND, "snapshot.get", body)
        snap_seq = page["seq"] if snap_seq is None else snap_seq
        values += page["values"]
        after = page["next"]
        if after is None:
            break
    check(snap_seq == latest, "snapshot seq %d, latest %d" % (snap_seq, latest))
    keys = {(v["indicator"], v["org"], v["period"]): v for v in values}
    hitech = keys[("hitech_enterprises", "linping", "2023")]
    check(hitech["value"] == 1000 and hitech["revision"] == 4, "snapshot value %r" % hitech)
    check(len(keys) == len(values), "snapshot pages overlap")


def main():
    catalog_ops()
    declared_bodies()
    worked_example()
    derived()
    aggregated()
    log_and_snapshot()
    print("ok")


if __name__ == "__main__":
    main()
