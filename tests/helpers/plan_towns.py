#!/usr/bin/python3
"""plan_towns.py BROKER TOWNS [PLAN_DIR]: adds org units town_000 ..
town_<TOWNS-1> under linping through sti-indicators, after loading the plan
in PLAN_DIR when one is given. The fault tests' towns; exits non-zero when
a call fails."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ind_client import Client, plan_catalog  # noqa: E402

c = Client(sys.argv[1])
if len(sys.argv) > 3:
    c.ok("sti.indicators", "plan.load", {"plan": plan_catalog(sys.argv[3])})
for t in range(int(sys.argv[2])):
    c.ok("sti.indicators", "org.add", {"code": "town_%03d" % t, "parent": "linping"})
