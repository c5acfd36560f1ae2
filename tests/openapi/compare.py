#!/usr/bin/python3
"""compare.py DIR DOC: the routes of sti-gateway's OpenAPI document DOC against
the routes there are: every route of the services' declared ops (DIR/NAME.json,
the output of sti-NAME --describe-ops) and the gateway's own. Exits 0 when
they are the same set of (method, path), 1 naming what differs. Standard
library only (tests/integration/test_gateway_openapi.sh)."""
import json
import sys

OWN = {("post", "/api/v1/session"), ("get", "/api/v1/session"), ("delete", "/api/v1/session"),
       ("get", "/api/v1/events"), ("get", "/api/v1/events/since"),
       ("get", "/api/v1/openapi.json"), ("get", "/healthz"), ("get", "/readyz"),
       ("get", "/api/v1/report.xlsx"), ("post", "/api/v1/report.xlsx")}


def main():
    folder, path = sys.argv[1], sys.argv[2]
    declared = set()
    for name in ("ingest", "indicators", "talent", "notify", "projects", "gateway"):
        with open("%s/%s.json" % (folder, name), encoding="utf-8") as f:
            for op in json.load(f)["ops"]:
                if op.get("route"):
                    declared.add((op["route"]["method"].lower(), op["route"]["path"]))
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    documented = {(m, p) for p, item in doc["paths"].items() for m in item}
    missing, extra = (declared | OWN) - documented, documented - (declared | OWN)
    if missing or extra:
        print("routes without a document entry: %s\ndocument entries without a route: %s"
              % (sorted(missing), sorted(extra)), file=sys.stderr)
        return 1
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    if len(ids) != len(set(ids)):
        print("operationIds repeat", file=sys.stderr)
        return 1
    # The body of a declared op is there key by key: talent.reveal needs a reason.
    reveal = doc["paths"]["/api/v1/talents/{id}/reveal"]["post"]
    schema = reveal["requestBody"]["content"]["application/json"]["schema"]
    if schema["required"] != ["reason"] or schema["properties"]["reason"]["maxLength"] != 200 \
            or [p["name"] for p in reveal["parameters"]] != ["id"]:
        print("talent.reveal is not documented key by key: %r" % reveal, file=sys.stderr)
        return 1
    print("%d routes, all documented" % len(documented))
    return 0


if __name__ == "__main__":
    sys.exit(main())
