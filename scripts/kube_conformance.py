"""KubeSim conformance: the unchanged official Python client against a running kubesim.

Usage: kube_conformance.py KUBECONFIG OBJECTS_DIR
Creates, lists (limit/continue), watches (with one forced 410 and relist) and deletes pods; creates a
deployment, service, lease and events through their APIs; checks Status errors; then writes every object
the server stores (GET /kubesim/objects) into OBJECTS_DIR for kubernetes-validate. Prints
`N passed, M failed` and exits non-zero on any failure.
"""
import json
import os
import sys
import time
import traceback

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

import kube_conformance_outcomes

NS = "conformance"
results = {"passed": 0, "failed": 0}


def check(name):
    def run(fn):
        try:
            fn()
            results["passed"] += 1
            print(f"ok   {name}")
        except Exception as e:  # noqa: BLE001 - every failure is reported the same way
            results["failed"] += 1
            print(f"FAIL {name}: {e}")
            traceback.print_exc(limit=3)
        return fn
    return run


def expect_status(code, reason, fn, message=None):
    try:
        fn()
    except ApiException as e:
        assert e.status == code, f"status {e.status} != {code}: {e.body}"
        body = json.loads(e.body)
        assert body["kind"] == "Status" and body["reason"] == reason, body
        if message is not None:
            assert body["message"] == message, f"message {body['message']!r} != {message!r}"
        return body
    raise AssertionError(f"expected {code} {reason}")


def pod(name, labels=None):
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels=labels or {}),
        spec=client.V1PodSpec(restart_policy="Never", containers=[client.V1Container(name="main", image="busybox:1.36")]),
    )


def wait_until(condition, what, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def main():
    kubeconfig, objects_dir = sys.argv[1], sys.argv[2]
    config.load_kube_config(config_file=kubeconfig)
    core = client.CoreV1Api()
    apps = client.AppsV1Api()
    coordination = client.CoordinationV1Api()
    events = client.EventsV1Api()

    @check("create namespace")
    def _():
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NS)))
        assert core.read_namespace(NS).status.phase == "Active"

    @check("create pods; duplicate is 409 AlreadyExists")
    def _():
        for i in range(7):
            core.create_namespaced_pod(NS, pod(f"web-{i}", {"app": "web", "tier": "a" if i % 2 else "b"}))
        expect_status(409, "AlreadyExists", lambda: core.create_namespaced_pod(NS, pod("web-0")), 'pods "web-0" already exists')

    @check("generateName, uid, creationTimestamp, resourceVersion")
    def _():
        p = core.create_namespaced_pod(NS, client.V1Pod(metadata=client.V1ObjectMeta(generate_name="gen-"), spec=pod("x").spec))
        assert p.metadata.name.startswith("gen-") and len(p.metadata.name) == 9
        assert p.metadata.uid and p.metadata.creation_timestamp and int(p.metadata.resource_version) > 0
        core.delete_namespaced_pod(p.metadata.name, NS, grace_period_seconds=0)

    @check("list with limit and continue")
    def _():
        names, token, pages = [], None, 0
        while True:
            page = core.list_namespaced_pod(NS, limit=3, _continue=token, label_selector="app=web")
            names += [p.metadata.name for p in page.items]
            pages += 1
            token = page.metadata._continue
            if not token:
                break
        assert names == [f"web-{i}" for i in range(7)], names
        assert pages == 3, pages

    @check("label and field selectors")
    def _():
        a = core.list_namespaced_pod(NS, label_selector="app=web,tier in (a)")
        assert sorted(p.metadata.name for p in a.items) == ["web-1", "web-3", "web-5"]
        b = core.list_namespaced_pod(NS, label_selector="tier!=a,!missing")
        assert len(b.items) == 4, len(b.items)
        c = core.list_pod_for_all_namespaces(field_selector="metadata.name=web-2")
        assert [p.metadata.name for p in c.items] == ["web-2"]

    @check("get missing pod is 404 NotFound")
    def _():
        body = expect_status(404, "NotFound", lambda: core.read_namespaced_pod("nope", NS), 'pods "nope" not found')
        assert body["details"] == {"name": "nope", "kind": "pods"}, body["details"]

    @check("replace with a stale resourceVersion is 409 Conflict")
    def _():
        # A ConfigMap: the simulated kubelet writes pods concurrently, nothing else writes this.
        cm = core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cfg"), data={"step": "zero"}))
        cm.data["step"] = "one"
        core.replace_namespaced_config_map("cfg", NS, cm)
        cm.data["step"] = "two"
        expect_status(409, "Conflict", lambda: core.replace_namespaced_config_map("cfg", NS, cm),
                      'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; '
                      "please apply your changes to the latest version and try again")

    @check("strategic merge patch and dry run")
    def _():
        p = core.patch_namespaced_pod("web-1", NS, {"metadata": {"labels": {"patched": "yes"}}})
        assert p.metadata.labels["patched"] == "yes"
        created = core.create_namespaced_pod(NS, pod("dry"), dry_run="All")
        assert created.metadata.name == "dry" and created.metadata.uid
        expect_status(404, "NotFound", lambda: core.read_namespaced_pod("dry", NS))
        core.delete_namespaced_pod("web-1", NS, dry_run="All")
        assert core.read_namespaced_pod("web-1", NS).metadata.deletion_timestamp is None

    @check("invalid pod is 422 Invalid with causes")
    def _():
        bad = client.V1Pod(metadata=client.V1ObjectMeta(name="bad"), spec=client.V1PodSpec(containers=[client.V1Container(name="", image="x")]))
        body = expect_status(422, "Invalid", lambda: core.create_namespaced_pod(NS, bad))
        assert body["message"] == 'Pod "bad" is invalid: spec.containers[0].name: Required value', body["message"]
        assert body["details"]["causes"] == [{"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers[0].name"}]

    @check("watch: current state as ADDED, then changes")
    def _():
        w = watch.Watch()
        seen = []
        for event in w.stream(core.list_namespaced_pod, NS, label_selector="app=web", timeout_seconds=5):
            seen.append((event["type"], event["object"].metadata.name))
            if len(seen) == 7:
                core.create_namespaced_pod(NS, pod("web-7", {"app": "web"}))
            if ("ADDED", "web-7") in seen:
                w.stop()
        assert [t for t, _ in seen[:7]] == ["ADDED"] * 7 and ("ADDED", "web-7") in seen, seen

    @check("watch from a too-old resourceVersion: 410, relist, watch again")
    def _():
        old = core.list_namespaced_pod(NS).metadata.resource_version
        for i in range(40):
            core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=f"churn-{i}"), data={"i": str(i)}))
        w = watch.Watch()
        try:
            for _ in w.stream(core.list_namespaced_pod, NS, resource_version=old, timeout_seconds=5):
                pass
            raise AssertionError("the watch did not fail with 410")
        except ApiException as e:
            assert e.status == 410, e
        fresh = core.list_namespaced_pod(NS)
        rv = fresh.metadata.resource_version
        core.create_namespaced_pod(NS, pod("after-relist"))
        w = watch.Watch()
        got = []
        for event in w.stream(core.list_namespaced_pod, NS, resource_version=rv, timeout_seconds=5):
            got.append((event["type"], event["object"].metadata.name))
            if ("ADDED", "after-relist") in got:
                w.stop()
        assert ("ADDED", "after-relist") in got and all(t != "ERROR" for t, _ in got), got

    @check("delete pods; watch sees DELETED")
    def _():
        rv = core.list_namespaced_pod(NS).metadata.resource_version
        core.delete_namespaced_pod("web-6", NS, grace_period_seconds=0)
        w = watch.Watch()
        for event in w.stream(core.list_namespaced_pod, NS, resource_version=rv, timeout_seconds=5):
            if event["type"] == "DELETED" and event["object"].metadata.name == "web-6":
                w.stop()
                break
        else:
            raise AssertionError("no DELETED event")
        for i in range(6):
            core.delete_namespaced_pod(f"web-{i}", NS)
        wait_until(lambda: not any(p.metadata.name.startswith("web-") and p.metadata.name != "web-7"
                                   for p in core.list_namespaced_pod(NS).items), "deleted pods to go")

    @check("deployment: create, scale, invalid restartPolicy is 422")
    def _():
        labels = {"app": "api"}
        template = client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels=labels),
                                            spec=client.V1PodSpec(containers=[client.V1Container(name="api", image="nginx:1.27")]))
        d = client.V1Deployment(metadata=client.V1ObjectMeta(name="api"),
                                spec=client.V1DeploymentSpec(replicas=2, selector=client.V1LabelSelector(match_labels=labels), template=template))
        created = apps.create_namespaced_deployment(NS, d)
        assert created.metadata.generation == 1 and created.spec.strategy.type == "RollingUpdate"
        apps.patch_namespaced_deployment_scale("api", NS, {"spec": {"replicas": 1}})
        assert apps.read_namespaced_deployment("api", NS).spec.replicas == 1
        template.spec.restart_policy = "Never"
        d.metadata.name = "never"
        body = expect_status(422, "Invalid", lambda: apps.create_namespaced_deployment(NS, d))
        assert 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"' in body["message"], body["message"]

    @check("service and server-side apply with managedFields")
    def _():
        svc = client.V1Service(metadata=client.V1ObjectMeta(name="api"),
                               spec=client.V1ServiceSpec(selector={"app": "api"}, ports=[client.V1ServicePort(port=80, target_port=8080)]))
        created = core.create_namespaced_service(NS, svc)
        assert created.spec.cluster_ip and created.spec.type == "ClusterIP"
        applied = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"k": "v"}}
        cm = core.patch_namespaced_config_map("applied", NS, applied, field_manager="conformance",
                                              _content_type="application/apply-patch+yaml")
        managers = [(m.manager, m.operation) for m in cm.metadata.managed_fields]
        assert ("conformance", "Apply") in managers, managers

    @check("lease: create, update needs resourceVersion")
    def _():
        lease = client.V1Lease(metadata=client.V1ObjectMeta(name="leader"),
                               spec=client.V1LeaseSpec(holder_identity="a", lease_duration_seconds=15))
        created = coordination.create_namespaced_lease(NS, lease)
        created.spec.holder_identity = "b"
        updated = coordination.replace_namespaced_lease("leader", NS, created)
        assert updated.spec.holder_identity == "b"
        updated.metadata.resource_version = None
        expect_status(422, "Invalid", lambda: coordination.replace_namespaced_lease("leader", NS, updated))

    @check("core v1 and events.k8s.io v1 events")
    def _():
        now = "2026-01-01T00:00:00Z"
        core.create_namespaced_event(NS, client.CoreV1Event(
            metadata=client.V1ObjectMeta(name="api.1"), reason="Started", message="hello", type="Normal",
            involved_object=client.V1ObjectReference(kind="Pod", name="web-7", namespace=NS), first_timestamp=now, last_timestamp=now, count=1))
        events.create_namespaced_event(NS, client.EventsV1Event(
            metadata=client.V1ObjectMeta(name="api.2"), event_time="2026-01-01T00:00:00.000000Z", reason="Started", action="Start",
            reporting_controller="conformance", reporting_instance="conformance-1", type="Normal", note="hello",
            regarding=client.V1ObjectReference(kind="Pod", name="web-7", namespace=NS)))
        assert len(core.list_namespaced_event(NS, field_selector="reason=Started").items) >= 1

    kube_conformance_outcomes.run(check, expect_status, wait_until, core)

    @check("stored objects written for schema validation")
    def _():
        api = core.api_client
        host = api.configuration.host
        response = api.rest_client.pool_manager.request("GET", host + "/kubesim/objects")
        assert response.status == 200, response.status
        items = json.loads(response.data)["items"]
        os.makedirs(objects_dir, exist_ok=True)
        for i, item in enumerate(items):
            with open(os.path.join(objects_dir, f"{i:04d}-{item['kind']}.json"), "w") as f:
                json.dump(item, f)
        assert len(items) > 10, len(items)

    print(f"python client: {results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
