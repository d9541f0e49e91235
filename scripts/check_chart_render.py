"""Asserts that a render of charts/sluice holds what its values ask for (scripts/check-chart.sh runs it).

Usage: check_chart_render.py RENDERED.yaml VALUES-FILE|default
Prints one line per broken expectation; exits 1 if there is any.
"""
import os
import sys

import yaml

# The Role's rules: exactly these verbs, nothing more (docs/deploy/kubernetes.md says why each is needed).
RULES = {
    ("", "pods"): {"create", "get", "list", "watch", "delete"},
    ("", "pods/log"): {"get"},
    ("", "events"): {"get", "list", "watch", "create"},
    ("coordination.k8s.io", "leases"): {"get", "create", "update"},
    ("", "secrets"): {"create", "get", "delete", "patch"},
    ("apps", "deployments"): {"create", "get", "list", "watch", "update", "patch", "delete"},
    ("", "services"): {"create", "get", "list", "watch", "update", "patch", "delete"},
    ("", "configmaps"): {"create", "get", "list", "watch", "update", "patch", "delete"},
}
FLAGS = ["--listen", "--store", "--backend", "--namespace", "--advertise-url", "--lease-name", "--identity",
         "--pod-delete-after", "--max-pods", "--max-pods-per-run", "--kube-qps", "--kube-burst", "--pod-create-qps",
         "--admin-token-file"]

problems = []


def expect(condition, message):
    if not condition:
        problems.append(message)


def common(objects):
    deployment = objects.get("Deployment")
    expect(deployment is not None, "no Deployment")
    if deployment is None:
        return
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    container = pod["containers"][0]
    expect(spec["strategy"] == {"type": "Recreate"}, f"strategy is {spec['strategy']}")
    expect(pod.get("automountServiceAccountToken") is True, "the controller pod does not mount its token")
    security = container.get("securityContext", {})
    expect(security.get("readOnlyRootFilesystem") is True, "root file system not read-only")
    expect(security.get("allowPrivilegeEscalation") is False, "privilege escalation allowed")
    expect(security.get("capabilities", {}).get("drop") == ["ALL"], "capabilities not all dropped")
    expect(pod.get("securityContext", {}).get("runAsNonRoot") is True, "pod may run as root")
    expect(pod.get("securityContext", {}).get("seccompProfile") == {"type": "RuntimeDefault"}, "no RuntimeDefault seccomp")
    expect(container["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness is not /healthz")
    expect(container["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness is not /readyz")
    for kind in ("requests", "limits"):
        expect({"cpu", "memory"} <= set(container.get("resources", {}).get(kind, {})), f"resources.{kind} lacks cpu or memory")
    args = container["args"]
    expect(args[0] == "serve", f"args start with {args[0]}")
    for flag in FLAGS:
        expect(flag in args, f"args lack {flag}")
    expect(args[args.index("--backend") + 1] == "kubernetes", "backend is not kubernetes")
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    expect("/var/lib/sluice" in mounts and "/etc/sluice/admin-token" in mounts, f"mounts are {sorted(mounts)}")
    settings = objects.get("ConfigMap", {}).get("data", {})
    for arg in args:
        if arg.startswith("$(") and arg not in ("$(POD_NAME)", "$(POD_NAMESPACE)"):
            expect(arg[2:-1] in settings, f"{arg} is not in the settings ConfigMap")
    role = objects.get("Role")
    if role is not None:
        got = {}
        for rule in role["rules"]:
            for group in rule["apiGroups"]:
                for resource in rule["resources"]:
                    got.setdefault((group, resource), set()).update(rule["verbs"])
        # Ingresses only when the values ask for one per public app (--app-ingress-host).
        wanted = dict(RULES)
        if "--app-ingress-host" in args:
            wanted[("networking.k8s.io", "ingresses")] = {"create", "get", "list", "watch", "update", "patch", "delete"}
        expect(got == wanted, f"Role rules differ: {sorted((k, sorted(v)) for k, v in got.items())}")
    service = objects.get("Service")
    expect(service is not None and service["spec"]["type"] == "ClusterIP", "no ClusterIP Service")


def default(objects):
    expected = {"Deployment", "Service", "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Secret",
                "PersistentVolumeClaim", "NetworkPolicy"}
    expect(set(objects) == expected, f"kinds are {sorted(objects)}, expected {sorted(expected)}")
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    expect(objects["Deployment"]["spec"]["replicas"] == 1, "replicas is not 1")
    expect(objects["ServiceAccount"].get("automountServiceAccountToken") is False, "the ServiceAccount mounts tokens by default")
    expect(pod["containers"][0]["image"] == "localhost/sluice-controller:0.1.0", f"image is {pod['containers'][0]['image']}")
    expect(objects["Service"]["spec"]["ports"][0]["port"] == 8470, "Service port is not 8470")
    expect(len(objects["Secret"]["data"]["token"]) >= 64, "the generated token is short")
    settings = objects["ConfigMap"]["data"]
    expect(settings["SLUICE_ADVERTISE_URL"] == "http://demo-sluice.sluice.svc:8470", f"advertise URL {settings['SLUICE_ADVERTISE_URL']}")
    expect(settings["SLUICE_POD_DELETE_AFTER"] == "10m" and settings["SLUICE_MAX_PODS"] == "500", f"settings {settings}")
    egress = objects["NetworkPolicy"]["spec"]["egress"]
    expect(any(p.get("port") == 53 for rule in egress for p in rule.get("ports", [])), "no DNS egress")
    expect(any(p.get("port") == 6443 for rule in egress for p in rule.get("ports", [])), "no API server egress")


def existing_objects(objects):
    for kind in ("PersistentVolumeClaim", "Secret", "ServiceAccount", "NetworkPolicy"):
        expect(kind not in objects, f"{kind} rendered though the values say it exists or is off")
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    expect(volumes["store"].get("persistentVolumeClaim", {}).get("claimName") == "sluice-store", "existingClaim not used")
    secret = volumes["admin-token"]["secret"]
    expect(secret["secretName"] == "sluice-admin" and secret["items"] == [{"key": "admin-token", "path": "token"}],
           f"existingSecret not used: {secret}")
    expect(pod["serviceAccountName"] == "sluice-controller", "serviceAccount.name not used")
    expect(objects["RoleBinding"]["subjects"][0]["name"] == "sluice-controller", "RoleBinding names another account")


def tuned(objects):
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    args = container["args"]
    expect(args[args.index("--app-ingress-host") + 1] == "{name}.apps.example.com" if "--app-ingress-host" in args else False,
           "controller.appIngress.host not passed")
    expect(args[args.index("--app-ingress-class") + 1] == "nginx" if "--app-ingress-class" in args else False,
           "controller.appIngress.className not passed")
    expect(container["image"].endswith("@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), "digest not used")
    expect(objects["Deployment"]["spec"]["replicas"] == 2, "replicaCount not used")
    settings = objects["ConfigMap"]["data"]
    expect(settings == {
        "SLUICE_ADVERTISE_URL": "http://flows.pipelines.svc.cluster.local:9000", "SLUICE_LEASE_NAME": "flows-leader",
        "SLUICE_POD_DELETE_AFTER": "1h", "SLUICE_MAX_PODS": "2000", "SLUICE_MAX_PODS_PER_RUN": "250",
        "SLUICE_KUBE_QPS": "150", "SLUICE_KUBE_BURST": "300", "SLUICE_POD_CREATE_QPS": "50"}, f"settings differ from tuned-values.yaml: {settings}")
    expect(objects["PersistentVolumeClaim"]["spec"].get("storageClassName") == "fast-ssd", "storageClass not used")
    expect(objects["Service"]["spec"]["ports"][0]["port"] == 9000, "service.port not used")
    policy = objects["NetworkPolicy"]["spec"]
    peers = [peer for rule in policy["egress"] for peer in rule.get("to", [])]
    expect({"ipBlock": {"cidr": "10.96.0.1/32"}} in peers, "API server CIDR not used")
    expect(len(policy["ingress"][0]["from"]) == 2, "allowedClients not used")
    expect(pod.get("priorityClassName") == "platform-critical", "priorityClassName not used")


def main():
    rendered, values = sys.argv[1], sys.argv[2]
    objects = {}
    with open(rendered, encoding="utf-8") as f:
        for document in yaml.safe_load_all(f):
            if document:
                expect(document["kind"] not in objects, f"two objects of kind {document['kind']}")
                objects[document["kind"]] = document
                expect(document["metadata"].get("namespace") == "sluice", f"{document['kind']} is not in the release namespace")
    common(objects)
    name = os.path.basename(values)
    {"default": default, "existing-objects-values.yaml": existing_objects, "tuned-values.yaml": tuned}.get(name, lambda _: None)(objects)
    for problem in problems:
        print(problem)
    print(f"{len(objects)} objects, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
