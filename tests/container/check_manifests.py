"""check_manifests.py KIND FILE: checks rendered deployment files.

  check_manifests.py compose RENDERED.yml       (docker-compose config output)
  check_manifests.py k8s-dev RENDERED.yaml      (kubectl kustomize overlays/dev)
  check_manifests.py k8s-prod RENDERED.yaml     (kubectl kustomize overlays/prod)

Prints one line per check and exits 1 when any fails, 2 on bad usage.
"""
import re
import sys

import yaml

SERVICES = ["sti-broker", "sti-ingest", "sti-indicators", "sti-talent", "sti-notify"]
SCALED = ["sti-ingest", "sti-indicators", "sti-notify"]
failures = []


def check(ok, what):
    print(("  ok   " if ok else "  FAIL ") + what)
    if not ok:
        failures.append(what)


def check_compose(doc):
    services = doc.get("services", {})
    for name in SERVICES + ["redis", "sti-plan-load"]:
        check(name in services, f"compose: service {name}")
    for name in SERVICES[1:]:
        svc = services.get(name, {})
        check("container_name" not in svc, f"compose: {name} has no container_name (scalable)")
        check(not svc.get("ports"), f"compose: {name} publishes no host port (scalable)")
        if name == "sti-broker":
            continue  # the broker does not talk to Redis
        sources = [s.get("source") for s in svc.get("secrets", [])]
        check(f"redis_{name}" in sources and "redis_password" not in sources,
              f"compose: {name} gets its own Redis user's password, not the operator's")
        env = svc.get("environment", {})
        check(env.get("STI_REDIS_USER") == name,
              f"compose: {name} logs in to Redis as its own user")
        check(env.get("STI_REDIS_PASSWORD_FILE") == f"/run/secrets/redis_{name}",
              f"compose: {name} reads its password from the secret file")
        check(not any("PASSWORD=" in str(v) or "@" in str(v) for v in env.values()),
              f"compose: {name} has no password in its environment")
    talent = services.get("sti-talent", {})
    check(any(s.get("source") == "talent_key" for s in talent.get("secrets", [])),
          "compose: sti-talent gets the talent key as a secret")
    redis = services.get("redis", {})
    command = " ".join(redis.get("command", []) if isinstance(redis.get("command"), list)
                       else [str(redis.get("command"))])
    check("--appendonly yes" in command, "compose: redis runs with AOF")
    check("--aclfile /run/secrets/redis_acl" in command and "requirepass" not in command,
          "compose: redis takes its users from the ACL file (default user off)")
    check("--user sti-admin" in " ".join(map(str, redis.get("healthcheck", {}).get("test", []))),
          "compose: redis health check logs in as sti-admin")
    check(any(str(v).endswith(":/data") or ":/data:" in str(v) for v in redis.get("volumes", [])),
          "compose: redis data on a volume")
    check("redis-data" in doc.get("volumes", {}), "compose: named volume redis-data")
    secrets = doc.get("secrets", {})
    for name in ["redis_password", "redis_acl", "talent_key"] + [f"redis_{n}" for n in SERVICES[1:]]:
        check("file" in secrets.get(name, {}), f"compose: secret {name} from a file")
    loader = services.get("sti-plan-load", {})
    check("/plans/" in " ".join(map(str, loader.get("command", []))),
          "compose: sti-plan-load loads a plan from /plans")
    check("sti-indicators" in loader.get("depends_on", {}),
          "compose: sti-plan-load starts after sti-indicators")


def by_kind(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d.get("kind") == kind}


def check_deployment(name, dep):
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    c = pod["containers"][0]
    check(isinstance(spec.get("replicas"), int) and spec["replicas"] >= 1,
          f"{name}: replicas {spec.get('replicas')}")
    check(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/readyz",
          f"{name}: readiness probe on /readyz")
    check(c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/healthz",
          f"{name}: liveness probe on /healthz")
    res = c.get("resources", {})
    check(all(k in res.get("requests", {}) for k in ("cpu", "memory"))
          and all(k in res.get("limits", {}) for k in ("cpu", "memory")),
          f"{name}: cpu and memory requests and limits")
    check(pod.get("terminationGracePeriodSeconds", 0) >= 30,
          f"{name}: terminationGracePeriodSeconds {pod.get('terminationGracePeriodSeconds')}")
    check(pod.get("securityContext", {}).get("runAsNonRoot") is True, f"{name}: runs as non-root")
    ann = spec["template"]["metadata"].get("annotations", {})
    check(ann.get("prometheus.io/scrape") == "true", f"{name}: Prometheus annotations")
    check(any(e.get("configMapRef", {}).get("name", "").startswith("sti-config")
              for e in c.get("envFrom", [])), f"{name}: configuration from the ConfigMap")


def check_k8s(docs, env):
    namespaces = {d["metadata"].get("namespace") for d in docs if d.get("kind") != "Namespace"}
    check(len(namespaces) == 1 and None not in namespaces, f"k8s {env}: one namespace {namespaces}")
    deps = by_kind(docs, "Deployment")
    for name in SERVICES:
        check(name in deps, f"k8s {env}: Deployment {name}")
        if name in deps:
            check_deployment(f"k8s {env}: {name}", deps[name])
    svcs = by_kind(docs, "Service")
    ports = {p["port"] for p in svcs.get("sti-broker", {}).get("spec", {}).get("ports", [])}
    check({5555, 5556, 5557} <= ports, f"k8s {env}: broker Service for requests and events")
    for name in SERVICES:
        m = svcs.get(f"{name}-metrics", {})
        check(m.get("metadata", {}).get("annotations", {}).get("prometheus.io/path") == "/metrics",
              f"k8s {env}: metrics Service {name}-metrics with Prometheus annotations")
    pdbs, hpas = by_kind(docs, "PodDisruptionBudget"), by_kind(docs, "HorizontalPodAutoscaler")
    for name in SCALED:
        check(name in pdbs, f"k8s {env}: PodDisruptionBudget {name}")
        hpa = hpas.get(name, {}).get("spec", {})
        check(hpa.get("scaleTargetRef", {}).get("name") == name
              and 1 <= hpa.get("minReplicas", 0) <= hpa.get("maxReplicas", 0),
              f"k8s {env}: HorizontalPodAutoscaler {name} {hpa.get('minReplicas')}..{hpa.get('maxReplicas')}")
    secrets = by_kind(docs, "Secret")
    check(any(n.startswith("sti-secrets") and {"redis_password", "talent_key"} <= set(s.get("data", {}))
              for n, s in secrets.items()), f"k8s {env}: Secret with redis_password and talent_key")
    config = next((c["data"] for n, c in by_kind(docs, "ConfigMap").items()
                   if n.startswith("sti-config")), {})
    for key in ("STI_BROKER", "STI_EVENTS_PUB", "STI_EVENTS_SUB", "STI_REDIS_URL",
                "STI_NAMESPACE", "STI_HTTP_ADDR", "STI_LOG_LEVEL"):
        check(key in config, f"k8s {env}: ConfigMap has {key}")
    redis = by_kind(docs, "StatefulSet").get("sti-redis")
    check(redis is not None, f"k8s {env}: Redis StatefulSet")
    if redis is None:
        return
    check(bool(redis["spec"].get("volumeClaimTemplates")), f"k8s {env}: Redis data on a PVC")
    text = "\n".join([yaml.safe_dump(redis)] + [str(v) for c in by_kind(docs, "ConfigMap").values()
                                               for v in c.get("data", {}).values()])
    check("appendonly" in text, f"k8s {env}: Redis AOF on")
    if env == "prod":
        containers = [c["name"] for c in redis["spec"]["template"]["spec"]["containers"]]
        check(redis["spec"]["replicas"] == 3 and "sentinel" in containers,
              "k8s prod: three Redis pods, each with a Sentinel")
        check("min-replicas-to-write 1" in text, "k8s prod: min-replicas-to-write 1")
        check(re.search(r"^sentinel monitor sti \S+ 6379 2$", text, re.M) is not None,
              "k8s prod: Sentinels monitor master sti with quorum 2")
        sentinels = config.get("STI_REDIS_SENTINELS", "").split(",")
        check(len(sentinels) == 3, f"k8s prod: STI_REDIS_SENTINELS lists three ({sentinels})")
        check(config.get("STI_REDIS_MASTER_NAME") == "sti", "k8s prod: STI_REDIS_MASTER_NAME")
    else:
        check("STI_REDIS_SENTINELS" not in config, "k8s dev: no Sentinel")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("compose", "k8s-dev", "k8s-prod"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[2], encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    if sys.argv[1] == "compose":
        check_compose(docs[0])
    else:
        check_k8s(docs, sys.argv[1][4:])
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
