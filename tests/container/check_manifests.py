"""check_manifests.py KIND FILE: checks rendered deployment files.

  check_manifests.py compose RENDERED.yml       (docker-compose config output)
  check_manifests.py k8s-dev RENDERED.yaml      (kubectl kustomize overlays/dev)
  check_manifests.py k8s-prod RENDERED.yaml     (kubectl kustomize overlays/prod)

Prints one line per check and exits 1 when any fails, 2 on bad usage.
"""
import base64
import re
import sys

import yaml

from netpol import Cluster, Endpoint, pods_of

SERVICES = ["sti-broker", "sti-ingest", "sti-indicators", "sti-talent", "sti-notify",
            "sti-projects", "sti-gateway"]
SCALED = ["sti-ingest", "sti-indicators", "sti-notify", "sti-gateway"]
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
        if name == "sti-gateway":
            ports = [str(p.get("target", p)) if isinstance(p, dict) else str(p)
                     for p in svc.get("ports", [])]
            check(any("8081" in p for p in ports), "compose: sti-gateway publishes its API")
        else:
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
    short = name.split(": ")[-1]
    c = next((c for c in pod["containers"] if c["name"] == short), pod["containers"][0])
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
    api = svcs.get("sti-gateway", {}).get("spec", {})
    check(any(p.get("targetPort") == "api" for p in api.get("ports", []))
          and (env != "dev" or api.get("type") == "NodePort"),
          f"k8s {env}: Service sti-gateway for the web API ({api.get('type', 'ClusterIP')})")
    if env == "prod":
        ingress = by_kind(docs, "Ingress").get("sti-gateway", {}).get("spec", {})
        backend = ingress.get("rules", [{}])[0].get("http", {}).get("paths", [{}])[0].get("backend", {})
        check(bool(ingress.get("tls")) and backend.get("service", {}).get("name") == "sti-gateway",
              "k8s prod: Ingress sti-gateway with TLS in front of the web API")
    pdbs, hpas = by_kind(docs, "PodDisruptionBudget"), by_kind(docs, "HorizontalPodAutoscaler")
    for name in SCALED:
        check(name in pdbs, f"k8s {env}: PodDisruptionBudget {name}")
        hpa = hpas.get(name, {}).get("spec", {})
        check(hpa.get("scaleTargetRef", {}).get("name") == name
              and 1 <= hpa.get("minReplicas", 0) <= hpa.get("maxReplicas", 0),
              f"k8s {env}: HorizontalPodAutoscaler {name} {hpa.get('minReplicas')}..{hpa.get('maxReplicas')}")
    secrets = by_kind(docs, "Secret")
    check(any(n.startswith("sti-secrets") and "talent_key" in s.get("data", {})
              for n, s in secrets.items()), f"k8s {env}: Secret with talent_key")
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
        check(config.get("STI_REDIS_REPLICAS") == "1",
              "k8s prod: a write waits for a replica before it is acknowledged")
        check_prod_security(docs, config, redis)
        check_prod_network(docs)
    else:
        check("STI_REDIS_SENTINELS" not in config, "k8s dev: no Sentinel")
        check(config.get("STI_CURVE", "off") == "off", "k8s dev: CURVE off")
        check_dev_security(docs, config, redis)


# --- prod: CURVE, Redis users, the TLS tunnel (issue 7) ---------------------

REDIS_SERVICES = ["ingest", "indicators", "talent", "notify", "projects", "gateway"]


def generated(docs, kind, prefix):
    """The object kustomize generated from NAME (with its hash suffix), or {}."""
    return next((d for n, d in by_kind(docs, kind).items()
                 if n == prefix or re.fullmatch(re.escape(prefix) + r"-[a-z0-9]{10}", n)), {})


def secret_data(secret):
    return {k: base64.b64decode(v).decode("utf-8", "replace")
            for k, v in secret.get("data", {}).items()}


def mounted(pod, container, path):
    """(volume, key) a container reads at path, through a secret, projected or
    configMap volume; (None, None) when path is not mounted."""
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for m in container.get("volumeMounts", []):
        root = m["mountPath"].rstrip("/") + "/"
        if not path.startswith(root):
            continue
        rel = path[len(root):]
        vol = volumes.get(m["name"], {})
        sources = vol.get("projected", {}).get("sources", [vol])
        for src in sources:
            ref = src.get("secret") or src.get("configMap") or {}
            items = ref.get("items")
            if items is None:
                return vol, rel
            for item in items:
                if item["path"] == rel:
                    return vol, item["key"]
    return None, None


def secret_of(vol):
    return (vol or {}).get("secret", {}).get("secretName", "")


def readable_by_group(pod, vol):
    """A secret volume the pod's non-root user reads through fsGroup."""
    mode = (vol or {}).get("secret", (vol or {}).get("projected", {})).get("defaultMode", 0o644)
    ctx = pod.get("securityContext", {})
    return bool(mode & 0o040) and not mode & 0o007 and ctx.get("fsGroup") == ctx.get("runAsGroup")


def env_of(container):
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def stunnel_sections(conf):
    """{section: {option: value}} of a stunnel file, "" for the global part."""
    sections, current = {"": {}}, ""
    for line in conf.splitlines():
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        m = re.fullmatch(r"\[(.+)\]", line)
        if m:
            current = m.group(1)
            sections[current] = {}
        elif "=" in line:
            k, v = (x.strip() for x in line.split("=", 1))
            sections[current][k] = v
    return sections


def check_stunnel_files(stunnel):
    client = stunnel_sections(stunnel.get("redis-client.conf", ""))
    server = stunnel_sections(stunnel.get("redis-server.conf", ""))
    g = client[""]
    check(g.get("client") == "yes" and g.get("verifyChain") == "yes" and g.get("CAfile")
          and g.get("cert") and g.get("delay") == "yes",
          "k8s prod: stunnel client: client mode, own certificate, verifyChain against the CA, delay")
    accepts = set()
    for i in range(3):
        for port, tls in ((6379, 6380), (26379, 26380)):
            sec = next((v for v in client.values()
                        if v.get("accept") == f"127.0.0.1{i + 1}:{port}"), {})
            accepts.add(sec.get("accept"))
            check(sec.get("connect") == f"sti-redis-{i}.sti-redis:{tls}"
                  and sec.get("checkHost") == f"sti-redis-{i}.sti-redis",
                  f"k8s prod: stunnel client 127.0.0.1{i + 1}:{port} -> TLS to sti-redis-{i}:{tls}, "
                  "its name checked")
    g = server[""]
    check(g.get("requireCert") == "yes" and g.get("verifyChain") == "yes" and g.get("CAfile"),
          "k8s prod: stunnel server demands a client certificate of the CA")
    targets = {v.get("accept"): v.get("connect") for k, v in server.items() if k}
    check(targets == {"6380": "127.0.0.1:6379", "26380": "127.0.0.1:26379"},
          f"k8s prod: stunnel server TLS 6380/26380 -> Redis/Sentinel on loopback ({targets})")
    return accepts


def check_stunnel_container(what, pod, container, conf_name, stunnel_cm, tls_keys):
    args = container.get("args", []) + container.get("command", [])
    conf_path = next((a for a in args if a.endswith(".conf")), "")
    vol, key = mounted(pod, container, conf_path)
    check(container.get("image", "").split("/")[-1].split(":")[0] == "sti-stunnel"
          and key == conf_name and (vol or {}).get("configMap", {}).get("name") == stunnel_cm,
          f"{what}: stunnel sidecar runs {conf_name} from the ConfigMap")
    for k in tls_keys:
        vol, key = mounted(pod, container, f"/run/tls/{k}")
        check(key == k and secret_of(vol).startswith("sti-redis-tls"),
              f"{what}: stunnel reads /run/tls/{k} from the Secret sti-redis-tls")
    sec = container.get("securityContext", {})
    check(sec.get("readOnlyRootFilesystem") is True and sec.get("allowPrivilegeEscalation") is False,
          f"{what}: stunnel with a read-only root and no privilege escalation")


def check_service_redis_users(docs, env, config, acl_files):
    """Every service that talks to Redis logs in as its own ACL user with only
    its own password file; nothing holds one password shared by all."""
    acl = acl_files[0]
    secrets = secret_data(generated(docs, "Secret", "sti-secrets"))
    check("redis_password" not in secrets and "redis-sti-admin" not in secrets,
          f"k8s {env}: sti-secrets holds no shared Redis password and not the operator's")
    passwords = [secrets.get(f"redis-sti-{svc}", "") for svc in REDIS_SERVICES]
    check(len(set(passwords)) == len(passwords),
          f"k8s {env}: every service has a Redis password of its own")
    for svc in REDIS_SERVICES:
        pw = secrets.get(f"redis-sti-{svc}", "")
        check(len(pw) >= 32 and not any(pw in f for f in acl_files),
              f"k8s {env}: sti-{svc}'s Redis password in sti-secrets, only its hash in the ACL files")
        check(re.search(rf"^user sti-{svc} on .*#[0-9a-f]{{64}}", acl, re.M) is not None,
              f"k8s {env}: the ACL file has the user sti-{svc}")
    deps = by_kind(docs, "Deployment")
    path = config.get("STI_REDIS_PASSWORD_FILE", "")
    for svc in REDIS_SERVICES:
        what = f"k8s {env}: sti-{svc}"
        pod = deps.get(f"sti-{svc}", {}).get("spec", {}).get("template", {}).get("spec", {})
        main = next((c for c in pod.get("containers", []) if c["name"] == f"sti-{svc}"), {})
        env_vars = env_of(main)
        vol, key = mounted(pod, main, env_vars.get("STI_REDIS_PASSWORD_FILE", path) or "")
        check(env_vars.get("STI_REDIS_USER") == f"sti-{svc}" and key == f"redis-sti-{svc}"
              and secret_of(vol).startswith("sti-secrets") and readable_by_group(pod, vol),
              f"{what}: Redis user sti-{svc} with only its own password file")
        others = {k for c in pod.get("containers", []) for m in c.get("volumeMounts", [])
                  for v in pod.get("volumes", []) if v["name"] == m["name"]
                  for k in [i["key"] for i in v.get("secret", {}).get("items", [])]
                  if k.startswith("redis") and k != f"redis-sti-{svc}"}
        check(not others, f"{what}: mounts no other Redis password ({sorted(others)})")
        check(not any("PASSWORD=" in str(v) or "@" in str(v) for v in env_vars.values())
              and "@" not in config.get("STI_REDIS_URL", ""),
              f"{what}: no password in its environment or the ConfigMap")
    for name, kind in (("sti-broker", "Deployment"), ("sti-plan-load", "Job")):
        pod = by_kind(docs, kind).get(name, {}).get("spec", {}).get("template", {}).get("spec", {})
        c = next((c for c in pod.get("containers", []) if c["name"] == name), {})
        check(env_of(c).get("STI_REDIS_PASSWORD_FILE", None) == ""
              and "STI_REDIS_USER" not in env_of(c),
              f"k8s {env}: {name} (no Redis) gets no Redis password")


def check_dev_security(docs, config, redis):
    """dev: one Redis with the ACL file of scripts/redis-acl, services as in
    prod but without Sentinel, tunnel or CURVE."""
    auth = secret_data(generated(docs, "Secret", "sti-redis-auth"))
    acl = auth.get("users.acl", "")
    check(re.search(r"^user default off\b", acl, re.M) is not None,
          "k8s dev: Redis's ACL file turns the default user off")
    check(redis["spec"]["replicas"] == 1, "k8s dev: one Redis")
    pod = redis["spec"]["template"]["spec"]
    check(not pod.get("initContainers") and [c["name"] for c in pod["containers"]] == ["redis"],
          "k8s dev: the Redis pod is Redis alone (no Sentinel, no stunnel)")
    c = pod["containers"][0]
    argv = c.get("command", []) + c.get("args", [])
    check("requirepass" not in yaml.safe_dump(redis) and "masterauth" not in yaml.safe_dump(redis),
          "k8s dev: Redis has no requirepass (no default user)")
    path = argv[argv.index("--aclfile") + 1] if "--aclfile" in argv[:-1] else ""
    vol, key = mounted(pod, c, path)
    check(argv[:1] == ["redis-server"] and key == "users.acl"
          and secret_of(vol).startswith("sti-redis-auth") and readable_by_group(pod, vol),
          f"k8s dev: redis-server --aclfile {path}: users.acl from sti-redis-auth, readable by uid 999")
    probe = " ".join(c.get("readinessProbe", {}).get("exec", {}).get("command", []))
    m = re.search(r"cat (\S+)\)\S* redis-cli --user (\S+) ping", probe)
    vol, key = mounted(pod, c, m.group(1) if m else "")
    check(m is not None and m.group(2) == "sti-probe" and key == "sti-probe"
          and secret_of(vol).startswith("sti-redis-auth")
          and re.search(r"^user sti-probe on .* -@all \+ping$", acl, re.M) is not None,
          "k8s dev: Redis's readiness probe logs in as sti-probe (PING only) with its password file")
    check(set(auth) == {"users.acl", "sti-probe"},
          f"k8s dev: sti-redis-auth holds only the ACL file and the probe's password ({sorted(auth)})")
    check_service_redis_users(docs, "dev", config, [acl])
    check(config.get("STI_REDIS_URL") == "redis://sti-redis:6379/0",
          f"k8s dev: STI_REDIS_URL is the Service sti-redis ({config.get('STI_REDIS_URL')})")


def check_prod_security(docs, config, redis):
    check(config.get("STI_CURVE") == "on", "k8s prod: STI_CURVE=on in the ConfigMap")
    curve = secret_data(generated(docs, "Secret", "sti-curve"))
    names = ["broker", "plan-load"] + REDIS_SERVICES
    check(all(n in curve and n + "_secret" in curve for n in names),
          f"k8s prod: Secret sti-curve with the key pairs of {', '.join(names)}")
    check(all("secret-key" not in curve.get(n, "secret-key") for n in names),
          "k8s prod: the public certificates in sti-curve hold no secret key")
    auth = secret_data(generated(docs, "Secret", "sti-redis-auth"))
    acl = auth.get("users.acl", "")
    check(re.search(r"^user default off\b", acl, re.M) is not None,
          "k8s prod: Redis's ACL file turns the default user off")
    sentinel_acl = auth.get("sentinel.acl", "")
    check(bool(sentinel_acl) and "sti-replica" in auth and "sti-sentinel" in auth,
          "k8s prod: Secret sti-redis-auth with the Sentinels' ACL file and the replication "
          "and Sentinel passwords")
    stunnel_cm = generated(docs, "ConfigMap", "sti-stunnel")
    stunnel = stunnel_cm.get("data", {})
    accepts = check_stunnel_files(stunnel)
    check_service_redis_users(docs, "prod", config, [acl, sentinel_acl])

    url = config.get("STI_REDIS_URL", "")
    m = re.fullmatch(r"redis://(127\.[0-9.]+:\d+)/\d+", url)
    check(m is not None and m.group(1) in accepts,
          f"k8s prod: STI_REDIS_URL {url} points at the pod's stunnel client on loopback")
    sentinels = config.get("STI_REDIS_SENTINELS", "").split(",")
    check(set(sentinels) <= accepts and len(sentinels) == 3,
          f"k8s prod: STI_REDIS_SENTINELS are the pod's stunnel client on loopback ({sentinels})")

    deps = by_kind(docs, "Deployment")
    broker = deps.get("sti-broker", {}).get("spec", {}).get("template", {}).get("spec", {})
    bc = next((c for c in broker.get("containers", []) if c["name"] == "sti-broker"), {})
    benv = env_of(bc)
    vol, key = mounted(broker, bc, benv.get("STI_CURVE_CERT") or "")
    check(key == "broker_secret" and secret_of(vol).startswith("sti-curve")
          and readable_by_group(broker, vol),
          "k8s prod: sti-broker STI_CURVE_CERT is its secret certificate, readable by uid 10001")
    clients = benv.get("STI_CURVE_CLIENTS") or ""
    mount = next((m for m in bc.get("volumeMounts", []) if m["mountPath"] == clients), None)
    vol = next((v for v in broker.get("volumes", []) if mount and v["name"] == mount["name"]), {})
    sources = vol.get("projected", {}).get("sources", [])
    public = {i["key"] for s in sources for ref in [s.get("secret", {})]
              if ref.get("name", "").startswith("sti-curve") and ref.get("name") != "sti-curve-clients"
              for i in ref.get("items", [])}
    check(bool(clients) and set(REDIS_SERVICES) | {"plan-load"} <= public
          and not any(k.endswith("_secret") for k in public),
          f"k8s prod: sti-broker STI_CURVE_CLIENTS {clients}: the services' public certificates")
    check(any(s.get("secret", {}).get("name") == "sti-curve-clients" and s["secret"].get("optional")
              for s in sources) and readable_by_group(broker, vol),
          "k8s prod: the allow-list also holds the Secret sti-curve-clients (enrolled keys, optional)")
    check(len(broker.get("containers", [])) == 1, "k8s prod: sti-broker (no Redis) has no stunnel")

    for svc in REDIS_SERVICES:
        what = f"k8s prod: sti-{svc}"
        pod = deps.get(f"sti-{svc}", {}).get("spec", {}).get("template", {}).get("spec", {})
        main = next((c for c in pod.get("containers", []) if c["name"] == f"sti-{svc}"), {})
        env = env_of(main)
        for var, want in (("STI_CURVE_CERT", f"{svc}_secret"), ("STI_CURVE_BROKER_KEY", "broker")):
            vol, key = mounted(pod, main, env.get(var) or "")
            check(key == want and secret_of(vol).startswith("sti-curve") and readable_by_group(pod, vol),
                  f"{what}: {var} mounts {want} from sti-curve, readable by uid 10001")
        tunnel = [c for c in pod.get("containers", []) if c["name"] != f"sti-{svc}"]
        check(len(tunnel) == 1, f"{what}: one stunnel sidecar")
        if tunnel:
            check_stunnel_container(what, pod, tunnel[0], "redis-client.conf", stunnel_cm["metadata"]["name"],
                                    ["ca.crt", "client.crt", "client.key"])
            drain = tunnel[0].get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
            check(drain[:1] == ["/usr/local/bin/sti-stunnel-drain"] and {"6379", "26379"} <= set(drain),
                  f"{what}: the stunnel waits for the service's connections before it stops")
    job = by_kind(docs, "Job").get("sti-plan-load", {}).get("spec", {}).get("template", {}).get("spec", {})
    jc = job.get("containers", [{}])[0]
    vol, key = mounted(job, jc, env_of(jc).get("STI_CURVE_CERT") or "")
    check(key == "plan-load_secret" and readable_by_group(job, vol),
          "k8s prod: sti-plan-load has its key (role admin), readable by uid 10001")

    pod = redis["spec"]["template"]["spec"]
    by_name = {c["name"]: c for c in pod["containers"]}
    configure = next((c["data"]["configure.sh"] for c in by_kind(docs, "ConfigMap").values()
                      if "configure.sh" in c.get("data", {})), "")
    redis_conf = configure.split("cat > /conf/redis.conf")[-1].split("CONF\n", 2)[1] \
        if "cat > /conf/redis.conf" in configure else ""
    check(re.search(r"^\s*aclfile (\S+)", redis_conf, re.M) is not None
          and "requirepass" not in configure,
          "k8s prod: Redis starts with an aclfile (no requirepass: no default user)")
    aclpath = re.search(r"^\s*aclfile (\S+)", redis_conf, re.M)
    vol, key = mounted(pod, by_name.get("redis", {}), aclpath.group(1) if aclpath else "")
    check(key == "users.acl" and secret_of(vol).startswith("sti-redis-auth"),
          "k8s prod: the redis container reads users.acl from sti-redis-auth")
    check(re.search(r"^\s*bind 127\.0\.0\.1\s*$", redis_conf, re.M) is not None,
          "k8s prod: Redis listens on the pod's loopback only")
    check(re.search(r"^\s*masteruser sti-replica$", configure, re.M) is not None
          and re.search(r"^\s*masterauth ", configure, re.M) is not None,
          "k8s prod: replicas authenticate as sti-replica")
    for line in ("aclfile /run/secrets/sentinel.acl", "sentinel auth-user sti sti-sentinel",
                 "sentinel sentinel-user sti-sentinel", "sentinel announce-ip $me",
                 "replica-announce-ip $me"):
        check(re.search(r"^\s*" + re.escape(line) + r"$", configure, re.M) is not None,
              f"k8s prod: configure.sh writes '{line}'")
    for name, conf, keys in (("stunnel-server", "redis-server.conf", ["ca.crt", "server.crt", "server.key"]),
                             ("stunnel-client", "redis-client.conf", ["ca.crt", "client.crt", "client.key"])):
        check(name in by_name, f"k8s prod: Redis pod has {name}")
        if name in by_name:
            check_stunnel_container(f"k8s prod: sti-redis {name}", pod, by_name[name], conf,
                                    stunnel_cm["metadata"]["name"], keys)
    ports = {p["containerPort"] for p in by_name.get("stunnel-server", {}).get("ports", [])}
    check(ports == {6380, 26380}, f"k8s prod: the stunnel server opens 6380 and 26380 ({ports})")
    open_ports = {p["containerPort"] for c in pod["containers"] if c["name"] != "stunnel-server"
                  for p in c.get("ports", [])}
    check(not open_ports, f"k8s prod: no other container of a Redis pod opens a port ({open_ports})")
    svc_ports = {p["port"] for p in by_kind(docs, "Service").get("sti-redis", {}).get("spec", {}).get("ports", [])}
    check(svc_ports == {6380, 26380}, f"k8s prod: Service sti-redis has only the TLS ports ({svc_ports})")


# --- prod: NetworkPolicies ---------------------------------------------------

# The namespaces the flows below come from: one an operator labelled for
# stictl, one for Prometheus, one nobody labelled, and the cluster's DNS.
OUTSIDE = {
    "ops": {"sti-monitor/broker-access": "allowed"},
    "ingress-nginx": {"sti-monitor/api-access": "allowed"},
    "monitoring": {"sti-monitor/metrics-access": "allowed"},
    "elsewhere": {},
    "kube-system": {},
}


def redis_clients(docs):
    """Names of the pods that run the stunnel client (they talk to Redis)."""
    return {name for d in docs if d.get("kind") in ("Deployment", "StatefulSet", "Job")
            for name in [d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]]
            for c in d["spec"]["template"]["spec"].get("containers", [])
            if any(str(a).endswith("redis-client.conf") for a in c.get("args", []) + c.get("command", []))}


def check_prod_network(docs):
    """The flows the manifests need are allowed, and nothing else that
    matters: strangers reach neither the broker nor Redis' TLS ports."""
    ns = next(d["metadata"]["name"] for d in docs if d.get("kind") == "Namespace")
    policies = [d for d in docs if d.get("kind") == "NetworkPolicy"]
    check(all(p["metadata"].get("namespace") == ns for p in policies) and len(policies) > 1,
          f"k8s prod: {len(policies)} NetworkPolicies in namespace {ns}")
    check(any(p["spec"].get("podSelector") == {} and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
              and not p["spec"].get("ingress") and not p["spec"].get("egress") for p in policies),
          "k8s prod: a default-deny NetworkPolicy (every pod, ingress and egress)")
    namespace = next(d for d in docs if d.get("kind") == "Namespace")
    cluster = Cluster(docs, dict(OUTSIDE, **{ns: namespace["metadata"].get("labels", {})}))
    pods = pods_of(docs, ns)
    check({"sti-broker", "sti-redis", "sti-plan-load"} | {f"sti-{s}" for s in REDIS_SERVICES} <= set(pods),
          f"k8s prod: the pods the flows are about ({sorted(pods)})")
    services = [f"sti-{s}" for s in REDIS_SERVICES]
    talkers = redis_clients(docs)
    check(talkers == set(services) | {"sti-redis"},
          f"k8s prod: the pods with a stunnel client are the services and Redis ({sorted(talkers)})")
    broker_ports = {p["name"]: p["port"] for p in by_kind(docs, "Service")["sti-broker"]["spec"]["ports"]}
    redis_ports = sorted(pods["sti-redis"].ports.values())
    check(redis_ports == [6380, 26380], f"k8s prod: Redis pods' TLS ports {redis_ports}")
    http = {n: p.ports["http"] for n, p in pods.items() if "http" in p.ports}
    check(set(http) == {"sti-broker"} | set(services), f"k8s prod: pods with an HTTP port ({sorted(http)})")

    stictl = Endpoint("a pod in a namespace labelled broker-access", "ops", {"app": "stictl"})
    prom = Endpoint("Prometheus (monitoring namespace)", "monitoring", {"app": "prometheus"})
    dns = Endpoint("kube-dns", "kube-system", {"k8s-app": "kube-dns"}, "10.96.0.10")
    internet = Endpoint("an address on the internet", None, {}, "203.0.113.7")
    internet6 = Endpoint("an IPv6 address on the internet", None, {}, "2001:db8::7")
    stranger = Endpoint("an unrelated pod of the namespace", ns, {"app.kubernetes.io/name": "debug"}, "10.244.2.1")
    foreign = Endpoint("a pod of an unlabelled namespace", "elsewhere",
                       {"app.kubernetes.io/name": "sti-ingest"}, "10.244.2.2")
    outsider = Endpoint("an address outside the cluster", None, {}, "198.51.100.9")

    allowed = []   # (from, to, port, protocol)
    for name in talkers:
        allowed += [(pods[name], pods["sti-redis"], port, "TCP") for port in redis_ports]
    for name in services:
        allowed += [(pods[name], pods["sti-broker"], port, "TCP") for port in broker_ports.values()]
    allowed.append((pods["sti-plan-load"], pods["sti-broker"], broker_ports["requests"], "TCP"))
    allowed += [(stictl, pods["sti-broker"], broker_ports[n], "TCP") for n in ("requests", "events-sub")]
    ingress = Endpoint("the Ingress controller (a labelled namespace)", "ingress-nginx",
                       {"app": "ingress-nginx"})
    api = pods["sti-gateway"].ports["api"]
    allowed.append((ingress, pods["sti-gateway"], api, "TCP"))
    allowed += [(prom, pods[n], port, "TCP") for n, port in http.items()]
    allowed += [(pod, dns, 53, proto) for pod in pods.values() for proto in ("UDP", "TCP")]
    allowed += [(pods["sti-notify"], dst, port, "TCP") for dst in (internet, internet6)
                for port in (80, 443, 25, 465, 587)]
    for src, dst, port, proto in allowed:
        check(cluster.allows(src, dst, port, proto),
              f"k8s prod: allowed {src.name} -> {dst.name}:{port}/{proto}")

    denied = []
    for who in (stranger, foreign, outsider, prom):
        denied += [(who, pods["sti-redis"], port) for port in redis_ports]
        denied += [(who, pods["sti-broker"], port) for port in broker_ports.values()]
    denied += [(who, pods[n], port) for who in (stranger, foreign, stictl) for n, port in http.items()]
    denied += [(stictl, pods["sti-broker"], broker_ports["events-pub"])]
    denied += [(who, pods["sti-gateway"], api) for who in (stranger, foreign, stictl, prom, outsider)]
    denied += [(ingress, pods[n], port) for n, port in http.items()]
    denied += [(ingress, pods["sti-broker"], broker_ports["requests"])]
    denied += [(stictl, pods["sti-redis"], port) for port in redis_ports]
    denied += [(pods[n], pods["sti-redis"], port) for n in ("sti-broker", "sti-plan-load") for port in redis_ports]
    denied += [(pods["sti-plan-load"], pods["sti-broker"], broker_ports[n]) for n in ("events-sub", "events-pub")]
    denied += [(pods["sti-redis"], pods["sti-broker"], broker_ports["requests"])]
    denied += [(pods["sti-ingest"], pods["sti-indicators"], http["sti-indicators"])]
    denied += [(pods[n], internet, 443) for n in pods if n != "sti-notify"]
    denied += [(pods["sti-notify"], internet, 8443), (pods["sti-notify"], internet, 6379),
               (pods["sti-ingest"], internet, 53), (pods["sti-ingest"], stranger, 8080)]
    # Refused, and where the target is ours refused by its own ingress
    # policies too (not only by the source's egress).
    for src, dst, port in denied:
        check(not cluster.allows(src, dst, port)
              and (dst.namespace != ns or not cluster.admitted(src, dst, port)),
              f"k8s prod: refused {src.name} -> {dst.name}:{port}")


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
