#!/usr/bin/python3
"""The "done when" of the gateway's issue, through sti-gateway's HTTP API
with Python's standard library only, against a stack that scripts/up
started with CURVE on (test_gateway_api.sh).

Usage: gateway_scenario.py API_URL ADMIN_PASSWORD_FILE REDIS_CLI...
Exits 0 when every check holds, 1 naming the first that does not.
The org units donghu and nanyuan, the users, values and the talent are
made up for the test.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid

HELPERS = __file__.rsplit("/tests/", 1)[0] + "/tests/helpers"
sys.path.insert(0, HELPERS)
from gw_client import Session  # noqa: E402
from talent_ids import resident  # noqa: E402

API, ADMIN_FILE = sys.argv[1], sys.argv[2]
REDIS_CLI = sys.argv[3:]
NS = os.environ.get("STI_NAMESPACE", "sti")


def fail(why):
    print("FAIL: " + why, file=sys.stderr)
    sys.exit(1)


def check(cond, why):
    if not cond:
        fail(why)


def expect(result, status, what):
    code, body, _ = result
    check(code == status, "%s: wanted %d, got %d %s" % (what, status, code, json.dumps(body)[:400]))
    return body


def stictl(*args):
    out = subprocess.run(["stictl"] + list(args), capture_output=True, text=True)
    check(out.returncode == 0, "stictl %s: %s" % (" ".join(args), out.stderr))
    return out.stdout


def redis(*args):
    out = subprocess.run(REDIS_CLI + list(args), check=True, capture_output=True).stdout
    return out.decode("utf-8", "replace").strip()


def audit_entries(key):
    """The entries of an audit stream, each a dict of its fields (redis-cli's lines)."""
    lines, entries = redis("XRANGE", key, "-", "+").splitlines(), []
    for line in lines:
        if re.fullmatch(r"\d+-\d+", line):
            entries.append([])
        elif entries:
            entries[-1].append(line)
    return [dict(zip(e[0::2], e[1::2])) for e in entries]


def xlsx(rows):
    """An .xlsx of rows, written by tests/helpers/xlsx_tool.py (not by stictl's writer)."""
    with tempfile.TemporaryDirectory() as tmp:
        with open(tmp + "/rows.json", "w", encoding="utf-8") as f:
            json.dump(rows, f, ensure_ascii=False)
        subprocess.run(["/usr/bin/python3", HELPERS + "/xlsx_tool.py", "make", tmp + "/rows.xlsx",
                        tmp + "/rows.json"], check=True)
        with open(tmp + "/rows.xlsx", "rb") as f:
            return f.read()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv(*rows):
    lines = ["indicator,org,period,value"] + ["hitech_enterprises,%s,%s,%s" % r for r in rows]
    return ("\n".join(lines) + "\n").encode()


# --- sign in as admin with the password scripts/up wrote ---------------------
admin = Session(API)
with open(ADMIN_FILE, encoding="utf-8") as f:
    password = f.read().strip()
body = expect(admin.sign_in("admin", password), 200, "admin sign-in")
check(body["role"] == "admin" and body["csrf"], "admin sign-in answer: %r" % body)
code, _, headers = admin.call("GET", "/api/v1/progress?year=2025")
check(code == 200, "progress as admin: %d" % code)
for name, value in (("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer")):
    check(headers.get(name) == value, "header %s: %r" % (name, headers.get(name)))
check("frame-ancestors 'none'" in headers.get("content-security-policy", "")
      and "unsafe-inline" not in headers["content-security-policy"],
      "CSP: %r" % headers.get("content-security-policy"))
# A wrong password: 401, and the audit log has it.
expect(Session(API).sign_in("admin", "not the password"), 401, "a wrong password")
check("wrong password" in redis("XRANGE", NS + ":gw:audit", "-", "+"), "no audit of the failure")

# A cookie write without the CSRF token is refused.
expect(admin.call("POST", "/api/v1/orgs", {"code": "donghu", "parent": "linping"}, csrf=False),
       403, "a write without X-CSRF-Token")
for code_ in ("donghu", "nanyuan"):
    expect(admin.call("POST", "/api/v1/orgs", {"code": code_, "parent": "linping",
                                               "name_en": code_.title()}), 200, "org.add " + code_)

# --- a clerk of one town, a reader, an officer -------------------------------
people = {"clara": ("clerk", "donghu"), "rita": ("reader", None), "otto": ("officer", None)}
sessions = {}
for name, (role, org) in people.items():
    pw = "pw-" + uuid.uuid4().hex
    user = {"name": name, "role": role, "password": pw, "display": name.title()}
    if org:
        user["org"] = org
    body = expect(admin.call("POST", "/api/v1/users", user), 200, "user.add " + name)
    check("password" not in body, "a chosen password was answered back: %r" % body)
    sessions[name] = Session(API)
    expect(sessions[name].sign_in(name, pw), 200, name + " sign-in")
users = expect(admin.call("GET", "/api/v1/users"), 200, "user.list")["users"]
check({u["name"] for u in users} >= {"admin", "clara", "rita", "otto"}, "users: %r" % users)

# The clerk submits a CSV for its town: accepted; for another town: 403 naming the scope.
clara = sessions["clara"]
body = expect(clara.call("POST", "/api/v1/observations", csv(("donghu", "2023", "41")),
                         content_type="text/csv"), 200, "the clerk's CSV for donghu")
check(body == {"accepted": 1, "rejected": 0, "skipped": 0, "errors": []}, "answer: %r" % body)
body = expect(clara.call("POST", "/api/v1/observations", csv(("nanyuan", "2023", "9")),
                         content_type="text/csv"), 403, "the clerk's CSV for nanyuan")
check("scope donghu" in body["error"]["message"], "403 without the scope: %r" % body)
check(body["error"]["details"][0]["field"] == "org", "details: %r" % body)
# A refused row of a CSV is reported by its row number, as stictl ingest --json does.
body = expect(clara.call("POST", "/api/v1/observations",
                         csv(("donghu", "2023", "41"), ("donghu", "2023x", "1"), ("donghu", "2024", "")),
                         content_type="text/csv"), 200, "a CSV with a bad row")
check(body["accepted"] == 1 and body["rejected"] == 1 and body["skipped"] == 1, "%r" % body)
check(body["errors"][0]["row"] == 2 and body["errors"][0]["field"] == "period", "%r" % body)
# The same POST again with its Idempotency-Key is applied once.
key = uuid.uuid4().hex
before = int(redis("XLEN", NS + ":intake"))
first = expect(clara.call("POST", "/api/v1/observations", csv(("donghu", "2022", "30")),
                          content_type="text/csv", headers={"Idempotency-Key": key}), 200, "keyed")
again = expect(clara.call("POST", "/api/v1/observations", csv(("donghu", "2022", "30")),
                          content_type="text/csv", headers={"Idempotency-Key": key}), 200, "again")
check(first == again and int(redis("XLEN", NS + ":intake")) == before + 1,
      "a retried POST was applied twice (%r, %r)" % (first, again))
check("clara" in redis("XRANGE", NS + ":intake", "-", "+"), "the intake does not name clara")
# An .xlsx (Chinese header, a year typed as a number): rows by the sheet's row number.
book = xlsx([["指标", "组织", "期间", "数值"], ["hitech_enterprises", "donghu", 2021, 33],
             ["hitech_enterprises", "donghu", "2021x", 1], ["hitech_enterprises", "donghu", 2024, None]])
body = expect(clara.call("POST", "/api/v1/observations", book, content_type=XLSX), 200,
              "the clerk's .xlsx for donghu")
check(body["accepted"] == 1 and body["rejected"] == 1 and body["skipped"] == 1, "xlsx: %r" % body)
check(body["errors"][0]["row"] == 3 and body["errors"][0]["field"] == "period", "xlsx: %r" % body)
body = expect(clara.call("POST", "/api/v1/observations",
                         xlsx([["indicator", "org", "period", "value"],
                               ["hitech_enterprises", "nanyuan", 2021, 5]]), content_type=XLSX),
              403, "the clerk's .xlsx for nanyuan")
check("scope donghu" in body["error"]["message"], "xlsx 403: %r" % body)

# The reader cannot POST; nobody without credentials gets anything.
expect(sessions["rita"].call("POST", "/api/v1/observations", csv(("donghu", "2023", "1")),
                             content_type="text/csv"), 403, "the reader's POST")
expect(sessions["rita"].call("GET", "/api/v1/progress?year=2025&org=donghu"), 200, "reader's GET")
for method, path in (("GET", "/api/v1/progress?year=2025"), ("POST", "/api/v1/observations"),
                     ("GET", "/api/v1/events?stream=ind"), ("GET", "/api/v1/users")):
    body = expect(Session(API).call(method, path), 401, "no credentials: " + path)
    check(body["error"]["code"] == "unauthenticated", "%r" % body)

# --- the officer reveals a talent with a reason; the audit names the officer --
otto = sessions["otto"]
number = resident(31)
talent = {"name": "郑九", "id_type": "resident", "id_number": number, "phone": "13912340009",
          "category": "national", "field": "equipment", "channel": {"kind": "direct"},
          "arrived": "2024-04-01"}
added = expect(otto.call("POST", "/api/v1/talents", talent), 200, "talent.add")
tid = added["id"]
check(added["id_number"] != number, "talent.add answered the number in clear")
shown = expect(otto.call("POST", "/api/v1/talents/%s/reveal" % tid,
                         {"reason": "work permit renewal"}), 200, "talent.reveal")
check(shown["id_number"] == number, "reveal: %r" % shown)
expect(clara.call("POST", "/api/v1/talents/%s/reveal" % tid, {"reason": "x"}), 403,
       "a clerk's reveal")
audit = expect(otto.call("GET", "/api/v1/talents/%s/audit" % tid), 200, "talent.audit")
reveals = [e for e in audit["entries"] if e["op"] == "talent.reveal"]
check(len(reveals) == 1 and reveals[0]["who"] == "otto"
      and reveals[0]["reason"] == "work permit renewal", "audit: %r" % reveals)

# --- the plan's projects through their routes (sti.projects) -----------------
project = {"code": "GW-INC-1", "name_zh": "网关测试孵化器（虚构）", "kind": "incubator",
           "level": "district", "org": "donghu", "start": "2023", "end": "2024",
           "investment": 1.5, "investment_unit": "亿元", "status": "in_progress",
           "status_on": "2023-03-01",
           "milestones": [{"due": "2024-06-30", "description": "开园运营"}]}
added = expect(otto.call("POST", "/api/v1/projects", project), 200, "project.add")
check(added["code"] == "GW-INC-1" and added["version"] == 1, "project.add: %r" % added)
expect(sessions["rita"].call("POST", "/api/v1/projects", dict(project, code="GW-INC-2")), 403,
       "the reader's project.add")
shown = expect(sessions["rita"].call("GET", "/api/v1/projects/GW-INC-1"), 200, "project.get")
check(shown["investment"] == {"value": 15000, "unit": "万元"}
      and shown["milestones"][0]["description"] == "开园运营", "project.get: %r" % shown)
changed = expect(otto.call("POST", "/api/v1/projects/GW-INC-1/milestones",
                           {"milestone": 1, "done": "2024-06-20", "version": 1}), 200,
                 "project.milestone")
check(changed["version"] == 2 and changed["milestones"][0]["done"] == "2024-06-20",
      "project.milestone: %r" % changed)
changed = expect(otto.call("PATCH", "/api/v1/projects/GW-INC-1",
                           {"status": "completed", "status_on": "2024-07-01"}), 200,
                 "project.update")
check(changed["status"] == "completed" and changed["history"][-1]["who"] == "otto",
      "project.update: %r" % changed)
listed = expect(sessions["rita"].call("GET", "/api/v1/projects?kind=incubator&org=donghu"), 200,
                "project.list")
check([p["code"] for p in listed["projects"]] == ["GW-INC-1"], "project.list: %r" % listed)
expect(otto.call("GET", "/api/v1/projects/GW-NONE"), 404, "an unknown project")
# The clerk of donghu: a project of donghu is hers to add; one of nanyuan,
# moving hers to nanyuan, changing nanyuan's or importing a row of it are
# refused (403, naming the scope), nothing written.
mine = dict(project, code="GW-CLARA-1", name_zh="东湖街道测试项目（虚构）")
expect(clara.call("POST", "/api/v1/projects", mine), 200, "the clerk's project of donghu")
body = expect(clara.call("POST", "/api/v1/projects", dict(mine, code="GW-CLARA-2", org="nanyuan")),
              403, "the clerk's project of nanyuan")
check("scope donghu" in body["error"]["message"], "project 403 without the scope: %r" % body)
expect(clara.call("PATCH", "/api/v1/projects/GW-CLARA-1", {"org": "nanyuan"}), 403,
       "the clerk moving her project to nanyuan")
otto_nanyuan = dict(project, code="GW-NAN-1", org="nanyuan")
expect(otto.call("POST", "/api/v1/projects", otto_nanyuan), 200, "the officer's project of nanyuan")
expect(clara.call("PATCH", "/api/v1/projects/GW-NAN-1",
                  {"status": "completed", "status_on": "2024-07-01"}), 403,
       "the clerk changing nanyuan's project")
body = expect(clara.call("POST", "/api/v1/projects/import",
                         {"rows": [dict(mine, code="GW-CLARA-3"),
                                   dict(mine, code="GW-CLARA-4", org="nanyuan")]}), 403,
              "the clerk's import with a row of nanyuan")
check("row 1" in body["error"]["message"], "import 403 without the row: %r" % body)
expect(clara.call("GET", "/api/v1/projects/GW-CLARA-3"), 404, "a refused import wrote a row")
expect(otto.call("GET", "/api/v1/projects/GW-CLARA-2"), 404, "a refused add wrote the project")

# --- the evaluation report in one call: report.data with sti-projects' projects --
# (The gateway asks both services for the person; the projects are project.get's
# answers, milestones included.) An officer records a report as issued
# (report.issue, audited naming the person); a reader may not.
report = expect(sessions["rita"].call("GET", "/api/v1/report?year=2024&kind=annual"), 200,
                "GET /api/v1/report")
codes = [p["code"] for p in report["projects"]]
check(codes == ["GW-CLARA-1", "GW-INC-1", "GW-NAN-1"], "the report's projects: %r" % codes)
shown = expect(sessions["rita"].call("GET", "/api/v1/projects/GW-INC-1"), 200, "project.get")
check(report["projects"][1] == shown, "the report's GW-INC-1 is not project.get's: %r"
      % report["projects"][1])
check(report["projects"][1]["milestones"][0]["done"] == "2024-06-20",
      "the report's milestone: %r" % report["projects"][1]["milestones"])
check(len(report["indicators"]) == 25 and report["last_report"] is None,
      "report.data's part: %r" % {k: report[k] for k in ("year", "kind", "last_report")})
issue = {"year": 2024, "kind": "annual", "made": report["made"], "file": "2024.xlsx"}
expect(sessions["rita"].call("POST", "/api/v1/reports", issue), 403, "the reader's report.issue")
issued = expect(otto.call("POST", "/api/v1/reports", issue), 200, "report.issue")
check(issued["by"] == "otto" and issued["via"] == "gateway" and issued["made"] == report["made"],
      "report.issue: %r" % issued)
again = expect(sessions["rita"].call("GET", "/api/v1/report?year=2024&kind=annual"), 200,
               "GET /api/v1/report again")
check(again["since"] == report["made"] and again["last_report"]["by"] == "otto",
      "the next report's since: %r" % {k: again[k] for k in ("since", "last_report")})
entries = audit_entries(NS + ":report:audit")
check([(e["op"], e["who"], e["via"], e["kind"]) for e in entries]
      == [("report.issue", "otto", "gateway", "annual")], "report audit: %r" % entries)

# --- rule and silence changes: notify's audit names the person, not the gateway --
rule = {"name": "donghu hitech", "when": "any", "indicators": ["hitech_enterprises"],
        "orgs": ["donghu"], "to": ["webhook:http://127.0.0.1:9/hook"]}
expect(sessions["rita"].call("POST", "/api/v1/rules", rule), 403, "the reader's rule.add")
rid = expect(admin.call("POST", "/api/v1/rules", rule), 200, "rule.add")["id"]
expect(admin.call("DELETE", "/api/v1/rules/" + rid), 200, "rule.remove")   # before it fires
sid = expect(admin.call("POST", "/api/v1/silences",
                        {"org": "donghu", "ends_at": int(time.time() * 1000) + 3600000,
                         "comment": "made up"}), 200, "silence.add")["id"]
expect(admin.call("DELETE", "/api/v1/silences/" + sid), 200, "silence.remove")
changes = [(e["op"], e["id"], e["who"], e["role"], e["via"])
           for e in audit_entries(NS + ":notify:audit")]
check(changes == [("rule.add", rid, "admin", "admin", "gateway"),
                  ("rule.remove", rid, "admin", "admin", "gateway"),
                  ("silence.add", sid, "admin", "admin", "gateway"),
                  ("silence.remove", sid, "admin", "admin", "gateway")],
      "notify's audit: %r" % changes)

# --- a token from stictl works until it is revoked ---------------------------
made = stictl("token", "new", "bureau-bi", "--role", "reader", "--expires", "30d").splitlines()
token = made[-1]
check(re.search(r"expires \d{4}-\d\d-\d\d \d\d:\d\d", made[0]), "token new, local time: %r" % made)
bad = subprocess.run(["stictl", "token", "new", "x", "--role", "reader", "--expires", "30"],
                     capture_output=True, text=True)
check(bad.returncode == 2 and "--expires: '30' is not a duration" in bad.stderr,
      "a bare --expires: %r" % bad.stderr)
check(token.startswith("sti_"), "the last line of token new: %r" % token)
bot = Session(API, token=token)
expect(bot.call("GET", "/api/v1/progress?year=2025"), 200, "the token's GET")
check(token not in redis("--scan", "--pattern", NS + ":gw:*"), "the token is kept in clear")
stictl("token", "revoke", "bureau-bi")
expect(bot.call("GET", "/api/v1/progress?year=2025"), 401, "a revoked token")

# --- an event stream cut mid-way resumes with Last-Event-ID, every event once --
PREFIX = "ind.hitech_enterprises.donghu"
N = 60
received = []
start = int(expect(clara.call("GET", "/api/v1/events/since?stream=ind&seq=0&limit=1"), 200,
                   "events/since")["latest"])


def submit_rows():
    for i in range(N):
        code_, body_, _ = clara.call("POST", "/api/v1/observations",
                                     csv(("donghu", "%d-%02d" % (2000 + i // 12, i % 12 + 1),
                                          str(100 + i))),
                                     content_type="text/csv")
        if code_ != 200 or body_["accepted"] != 1:
            print("submit %d: %d %r" % (i, code_, body_), file=sys.stderr)
        time.sleep(0.02)


writer = threading.Thread(target=submit_rows)
reader = Session(API, token=None)
reader.cookie, reader.csrf = sessions["rita"].cookie, sessions["rita"].csrf
last = start
cuts = 0
writer.start()
deadline = time.monotonic() + 120
while len(received) < N and time.monotonic() < deadline:
    for item in reader.events("ind", prefix=PREFIX, last_id=last):
        if item[0] == "event":
            received.append(item[1])
            last = item[1]
            check(item[2]["topic"].startswith(PREFIX), "a topic outside the prefix: %r" % item[2])
            if len(received) in (7, 25):   # the client goes away mid-stream, twice
                cuts += 1
                reader.close_stream()
                break
        if len(received) >= N:
            break
    reader.close_stream()
writer.join()
check(len(received) == N, "received %d of %d events" % (len(received), N))
check(len(set(received)) == N and received == sorted(received), "repeats or disorder: %r" % received)
log = expect(clara.call("GET", "/api/v1/events/since?stream=ind&seq=%d&prefix=%s&limit=1000"
                        % (start, PREFIX)), 200, "the log")
check([e["seq"] for e in log["events"]] == received,
      "the stream and the log differ: %r vs %r" % (received, [e["seq"] for e in log["events"]]))
check(cuts == 2, "the stream was cut %d times" % cuts)
check({e["data"]["by"] for e in log["events"]} == {"clara"},
      "the events do not name the submitter clara: %r" % {e["data"]["by"] for e in log["events"]})

# A user disabled with stictl: its session ends at once, and it cannot sign in again.
check(stictl("user", "disable", "otto").strip() == "user otto disabled", "stictl user disable")
expect(otto.call("GET", "/api/v1/progress?year=2025"), 401, "a disabled user's session")
expect(Session(API).sign_in("otto", "any"), 401, "a disabled user's sign-in")

# Signing out ends the session.
expect(admin.call("DELETE", "/api/v1/session"), 200, "sign-out")
expect(admin.call("GET", "/api/v1/progress?year=2025"), 401, "after sign-out")
print("gateway scenario: ok")
