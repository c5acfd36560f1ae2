"""netpol.py: a small evaluator of Kubernetes NetworkPolicies (networking.k8s.io/v1)
over rendered manifests, for check_manifests.py.

It answers one question: would a TCP/UDP connection from an endpoint to an
endpoint on a port be let through by the policies, as the API defines them?

  - a pod is isolated for ingress (egress) when some policy of its namespace
    selects it and has Ingress (Egress) in its policyTypes (policyTypes
    defaults to Ingress, plus Egress when the policy has an egress section);
  - an isolated pod admits a connection when some such policy has a rule
    whose peers (from / to; missing or empty = everyone) match the other end
    and whose ports (missing or empty = all) match the port and protocol;
  - a connection happens when the source's egress and the destination's
    ingress both admit it (policies live in the namespace of the pod they
    select; an endpoint outside the rendered namespace has none).

Peers: podSelector alone means pods of the policy's namespace; with a
namespaceSelector, pods of the namespaces it selects; namespaceSelector
alone, every pod there; ipBlock, addresses in cidr and not in except. Ports
may be numbers or names of the destination's container ports, with endPort.
Label selectors take matchLabels and matchExpressions (In, NotIn, Exists,
DoesNotExist). Not modelled: CNI-specific behaviour (the node's traffic,
ipBlock and pod addresses after NAT).
"""
import ipaddress
from dataclasses import dataclass, field


@dataclass
class Endpoint:
    """One end of a connection: a pod (namespace, labels, container ports) or
    an address outside the cluster (namespace None)."""
    name: str                                    # for messages
    namespace: str = None                        # None: not a pod
    labels: dict = field(default_factory=dict)   # the pod's labels
    ip: str = "10.244.0.1"                       # its address
    ports: dict = field(default_factory=dict)    # container port name -> number


def selects(selector, labels):
    """True when a label selector (dict with matchLabels / matchExpressions)
    matches labels; an empty or missing selector matches everything.
    Raises ValueError on an operator the API does not have."""
    selector = selector or {}
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e["key"], e["operator"], e.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise ValueError(f"label selector operator {op}")
    return True


class Cluster:
    """The policies of the rendered manifests and the namespaces' labels."""

    def __init__(self, docs, namespace_labels):
        # namespace_labels: {namespace: labels} of every namespace the checks
        # use (each also gets kubernetes.io/metadata.name, as the API adds it).
        self.policies = [d for d in docs if d.get("kind") == "NetworkPolicy"]
        self.ns_labels = {ns: dict(labels, **{"kubernetes.io/metadata.name": ns})
                          for ns, labels in namespace_labels.items()}

    def _types(self, policy):
        spec = policy.get("spec", {})
        types = spec.get("policyTypes")
        if types is None:
            types = ["Ingress"] + (["Egress"] if "egress" in spec else [])
        return types

    def _selecting(self, pod, direction):
        """The policies that select pod for direction ("Ingress"/"Egress")."""
        if pod.namespace is None:
            return []
        return [p for p in self.policies
                if p["metadata"].get("namespace") == pod.namespace
                and direction in self._types(p)
                and selects(p["spec"].get("podSelector"), pod.labels)]

    def _peer_matches(self, peer, policy_ns, other):
        if "ipBlock" in peer:
            block = peer["ipBlock"]
            addr = ipaddress.ip_address(other.ip)
            net = ipaddress.ip_network(block["cidr"], strict=False)
            if addr.version != net.version or addr not in net:
                return False
            return not any(addr.version == ipaddress.ip_network(x, strict=False).version
                           and addr in ipaddress.ip_network(x, strict=False)
                           for x in block.get("except") or [])
        if other.namespace is None:
            return False  # pod and namespace selectors match pods only
        if "namespaceSelector" in peer:
            if not selects(peer["namespaceSelector"], self.ns_labels.get(other.namespace, {})):
                return False
        elif other.namespace != policy_ns:
            return False
        return "podSelector" not in peer or selects(peer["podSelector"], other.labels)

    @staticmethod
    def _port_matches(rule_ports, dst, port, protocol):
        if not rule_ports:
            return True
        for p in rule_ports:
            if p.get("protocol", "TCP") != protocol:
                continue
            want = p.get("port")
            if want is None:
                return True
            if isinstance(want, str):
                want = dst.ports.get(want)
            if want is not None and (want == port or want <= port <= p.get("endPort", want)):
                return True
        return False

    def _admits(self, pod, other, dst, port, protocol, direction):
        """Whether pod's own policies let the connection with other through."""
        policies = self._selecting(pod, direction)
        if not policies:
            return True  # not isolated
        key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        for pol in policies:
            for rule in pol["spec"].get(key) or []:
                peers = rule.get(peers_key) or []
                if peers and not any(self._peer_matches(peer, pod.namespace, other) for peer in peers):
                    continue
                if self._port_matches(rule.get("ports"), dst, port, protocol):
                    return True
        return False

    def admitted(self, src, dst, port, protocol="TCP"):
        """True when dst's ingress policies admit src on port/protocol
        (whatever src's own egress policies say)."""
        return self._admits(dst, src, dst, port, protocol, "Ingress")

    def allows(self, src, dst, port, protocol="TCP"):
        """True when a connection from src to dst:port/protocol gets through
        both src's egress and dst's ingress policies."""
        return (self._admits(src, dst, dst, port, protocol, "Egress")
                and self._admits(dst, src, dst, port, protocol, "Ingress"))


def pods_of(docs, namespace):
    """{app.kubernetes.io/name: Endpoint} of the pod templates of the
    Deployments, StatefulSets and Jobs in docs, each with its own address."""
    pods = {}
    workloads = [d for d in docs if d.get("kind") in ("Deployment", "StatefulSet", "Job")]
    for i, d in enumerate(workloads):
        template = d["spec"]["template"]
        labels = template.get("metadata", {}).get("labels", {})
        ports = {p["name"]: p["containerPort"] for c in template["spec"].get("containers", [])
                 for p in c.get("ports", []) if "name" in p}
        name = labels.get("app.kubernetes.io/name", d["metadata"]["name"])
        pods[name] = Endpoint(name, namespace, dict(labels), f"10.244.1.{i + 1}", ports)
    return pods
