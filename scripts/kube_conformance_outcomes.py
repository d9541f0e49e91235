"""KubeSim conformance, part two: outcomes the scheduler and kubelet derive from the spec, seen through the
official Python client. Expected values are the real components' (see the comments); kubesim runs with the
nodes and back-off that scripts/kube-conformance.sh passes (kubesim-node-1 and a tainted gpu-1 with two GPUs,
back-off 1 s doubling to 4 s).
"""
import json

from kubernetes import client

NS = "outcomes"


def pod(name, image="busybox:1.36", restart="Never", resources=None, annotations=None, **spec):
    container = client.V1Container(name="main", image=image, resources=client.V1ResourceRequirements(**(resources or {})),
                                   env=spec.pop("env", None), env_from=spec.pop("env_from", None))
    return client.V1Pod(metadata=client.V1ObjectMeta(name=name, annotations=annotations),
                        spec=client.V1PodSpec(restart_policy=restart, containers=[container], **spec))


def run(check, expect_status, wait_until, kube):
    core = client.CoreV1Api()
    auth = client.AuthorizationV1Api()

    def waiting(name):
        p = core.read_namespaced_pod(name, NS)
        statuses = p.status.container_statuses or []
        return statuses[0].state.waiting if statuses and statuses[0].state.waiting else None

    def reasons(name):
        items = core.list_namespaced_event(NS, field_selector=f"involvedObject.name={name}").items
        return [(e.reason, e.message) for e in sorted(items, key=lambda e: int(e.metadata.resource_version))]

    def condition(name, kind):
        p = core.read_namespaced_pod(name, NS)
        return next((c for c in p.status.conditions or [] if c.type == kind), None)

    @check("outcomes: namespace, nodes with capacity and Ready")
    def _():
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NS)))
        nodes = {n.metadata.name: n for n in core.list_node().items}
        assert sorted(nodes) == ["gpu-1", "kubesim-node-1"], sorted(nodes)
        assert nodes["gpu-1"].status.allocatable["nvidia.com/gpu"] == "2"
        assert nodes["kubesim-node-1"].status.capacity["cpu"] == "4" and nodes["kubesim-node-1"].status.capacity["memory"] == "16Gi"
        ready = next(c for c in nodes["gpu-1"].status.conditions if c.type == "Ready")
        assert ready.status == "True" and ready.reason == "KubeletReady", ready

    # pkg/scheduler/framework/types.go FitError; noderesources/fit.go; nodeaffinity ErrReasonPod; DefaultPreemption.
    @check("outcomes: 64 GPUs fit nowhere: PodScheduled False Unschedulable and FailedScheduling")
    def _():
        big = pod("gpu-64", resources={"limits": {"nvidia.com/gpu": "64"}}, node_selector={"accelerator": "a100"},
                  tolerations=[client.V1Toleration(key="nvidia.com/gpu", operator="Exists")])
        core.create_namespaced_pod(NS, big)
        message = ("0/2 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) didn't match Pod's node affinity/selector. "
                   "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, "
                   "1 Preemption is not helpful for scheduling.")
        wait_until(lambda: condition("gpu-64", "PodScheduled") is not None and condition("gpu-64", "PodScheduled").reason == "Unschedulable",
                   "gpu-64 to be unschedulable")
        c = condition("gpu-64", "PodScheduled")
        assert c.status == "False" and c.message == message, c
        assert ("FailedScheduling", message) in reasons("gpu-64"), reasons("gpu-64")
        assert core.read_namespaced_pod("gpu-64", NS).spec.node_name is None

    @check("outcomes: an untolerated taint, and a pod retried when GPUs free up")
    def _():
        core.create_namespaced_pod(NS, pod("no-toleration", resources={"limits": {"nvidia.com/gpu": "1"}}))
        wait_until(lambda: condition("no-toleration", "PodScheduled") is not None, "no-toleration to be tried")
        assert condition("no-toleration", "PodScheduled").message == (
            "0/2 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) had untolerated taint {nvidia.com/gpu: present}. "
            "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.")
        toleration = [client.V1Toleration(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")]
        core.create_namespaced_pod(NS, pod("holder", restart="Always", resources={"limits": {"nvidia.com/gpu": "2"}}, tolerations=toleration))
        wait_until(lambda: core.read_namespaced_pod("holder", NS).spec.node_name == "gpu-1", "holder to be bound to gpu-1")
        core.create_namespaced_pod(NS, pod("waiter", resources={"limits": {"nvidia.com/gpu": "1"}}, tolerations=toleration))
        wait_until(lambda: condition("waiter", "PodScheduled") is not None, "waiter to be tried")
        assert condition("waiter", "PodScheduled").reason == "Unschedulable"
        core.delete_namespaced_pod("holder", NS, grace_period_seconds=0)
        wait_until(lambda: core.read_namespaced_pod("waiter", NS).spec.node_name == "gpu-1", "waiter to be bound once GPUs free")

    # pkg/registry/core/pod/strategy.go applySchedulingGatedCondition.
    @check("outcomes: scheduling gates hold a pod until removed")
    def _():
        gated = pod("gated", scheduling_gates=[client.V1PodSchedulingGate(name="example.com/quota")])
        created = core.create_namespaced_pod(NS, gated)
        c = next(c for c in created.status.conditions if c.type == "PodScheduled")
        assert (c.status, c.reason, c.message) == ("False", "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates"), c
        core.patch_namespaced_pod("gated", NS, [{"op": "remove", "path": "/spec/schedulingGates"}])
        wait_until(lambda: core.read_namespaced_pod("gated", NS).spec.node_name == "kubesim-node-1", "gated pod to be bound")

    # pkg/kubelet/images/types.go ErrImagePull / ImagePullBackOff; image_manager.go events.
    @check("outcomes: an image no registry has: ErrImagePull, ImagePullBackOff, pulls retried")
    def _():
        core.create_namespaced_pod(NS, pod("bad-image", image="registry.example.com/nope:1"))
        wait_until(lambda: waiting("bad-image") is not None and waiting("bad-image").reason == "ImagePullBackOff", "ImagePullBackOff")
        assert waiting("bad-image").message.startswith('Back-off pulling image "registry.example.com/nope:1"'), waiting("bad-image")
        seen = [r for r, _ in reasons("bad-image")]
        assert seen[:4] == ["Scheduled", "Pulling", "Failed", "Failed"] and "BackOff" in seen, seen
        assert ("Failed", "Error: ErrImagePull") in reasons("bad-image")
        wait_until(lambda: [r for r, _ in reasons("bad-image")].count("Pulling") >= 2, "a second pull after the back-off")
        assert core.read_namespaced_pod("bad-image", NS).status.phase == "Pending"

    @check("outcomes: a malformed image is InvalidImageName")
    def _():
        core.create_namespaced_pod(NS, pod("invalid-image", image="Busybox:1.36"))
        wait_until(lambda: waiting("invalid-image") is not None and waiting("invalid-image").reason != "ContainerCreating", "InvalidImageName")
        w = waiting("invalid-image")
        assert w.reason == "InvalidImageName", w
        assert w.message == ('Failed to apply default image tag "Busybox:1.36": couldn\'t parse image reference "Busybox:1.36": '
                             "invalid reference format: repository name must be lowercase"), w.message
        assert ("Failed", "Error: InvalidImageName") in reasons("invalid-image")

    # pkg/kubelet/kubelet_pods.go makeEnvironmentVariables; kuberuntime_container.go "Error: ".
    @check("outcomes: a missing ConfigMap in env is CreateContainerConfigError until it exists")
    def _():
        env = [client.V1EnvVar(name="MODE", value_from=client.V1EnvVarSource(
            config_map_key_ref=client.V1ConfigMapKeySelector(name="late", key="mode")))]
        core.create_namespaced_pod(NS, pod("needs-config", env=env))
        wait_until(lambda: waiting("needs-config") is not None and waiting("needs-config").reason == "CreateContainerConfigError",
                   "CreateContainerConfigError")
        assert waiting("needs-config").message == 'configmap "late" not found'
        assert ("Failed", 'Error: configmap "late" not found') in reasons("needs-config")
        core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="late"), data={"mode": "fast"}))
        wait_until(lambda: core.read_namespaced_pod("needs-config", NS).status.phase == "Succeeded", "the pod to start and finish")

    @check("outcomes: a missing Secret volume is FailedMount and ContainerCreating until it exists")
    def _():
        volume = client.V1Volume(name="creds", secret=client.V1SecretVolumeSource(secret_name="db-creds"))
        core.create_namespaced_pod(NS, pod("needs-secret", volumes=[volume]))
        mount = 'MountVolume.SetUp failed for volume "creds" : secret "db-creds" not found'
        wait_until(lambda: ("FailedMount", mount) in reasons("needs-secret"), "FailedMount")
        assert waiting("needs-secret").reason == "ContainerCreating"
        core.create_namespaced_secret(NS, client.V1Secret(metadata=client.V1ObjectMeta(name="db-creds"), string_data={"password": "x"}))
        wait_until(lambda: core.read_namespaced_pod("needs-secret", NS).status.phase == "Succeeded", "the pod to start and finish")

    # kuberuntime_manager.go doBackOff: "back-off %s restarting failed container=%s pod=%s".
    @check("outcomes: a crashing container restarts, then CrashLoopBackOff with restartCount")
    def _():
        created = core.create_namespaced_pod(NS, pod("crasher", restart="Always", annotations={
            "kubesim.sluice.dev/exit-code": "1", "kubesim.sluice.dev/run-duration": "100ms"}))
        uid = created.metadata.uid
        wait_until(lambda: waiting("crasher") is not None and waiting("crasher").reason == "CrashLoopBackOff", "CrashLoopBackOff")
        status = core.read_namespaced_pod("crasher", NS).status
        assert status.phase == "Running" and status.container_statuses[0].restart_count >= 1, status
        assert status.container_statuses[0].last_state.terminated.exit_code == 1
        assert waiting("crasher").message.endswith(f"restarting failed container=main pod=crasher_{NS}({uid})"), waiting("crasher").message
        assert any(r == "BackOff" for r, _ in reasons("crasher"))
        wait_until(lambda: core.read_namespaced_pod("crasher", NS).status.container_statuses[0].restart_count >= 3, "more restarts")

    @check("outcomes: activeDeadlineSeconds patched in fails a running pod with DeadlineExceeded")
    def _():
        core.create_namespaced_pod(NS, pod("long", restart="Always"))
        wait_until(lambda: core.read_namespaced_pod("long", NS).status.phase == "Running", "long to run")
        core.patch_namespaced_pod("long", NS, {"spec": {"activeDeadlineSeconds": 1}})
        wait_until(lambda: core.read_namespaced_pod("long", NS).status.phase == "Failed", "the deadline")
        status = core.read_namespaced_pod("long", NS).status
        assert status.reason == "DeadlineExceeded" and status.message == "Pod was active on the node longer than the specified deadline"

    # pkg/kubelet/status/generate.go GeneratePodReadyCondition.
    @check("outcomes: a readiness gate holds Ready until its condition is True")
    def _():
        core.create_namespaced_pod(NS, pod("gated-ready", restart="Always",
                                           readiness_gates=[client.V1PodReadinessGate(condition_type="example.com/lb")]))
        wait_until(lambda: core.read_namespaced_pod("gated-ready", NS).status.phase == "Running", "gated-ready to run")
        ready = condition("gated-ready", "Ready")
        assert (ready.status, ready.reason) == ("False", "ReadinessGatesNotReady"), ready
        assert ready.message == 'corresponding condition of pod readiness gate "example.com/lb" does not exist.'
        conditions = core.read_namespaced_pod("gated-ready", NS).status.conditions
        conditions.append(client.V1PodCondition(type="example.com/lb", status="True"))
        core.patch_namespaced_pod_status("gated-ready", NS, {"status": {"conditions": [c.to_dict() for c in conditions]}},
                                         _content_type="application/merge-patch+json")
        wait_until(lambda: condition("gated-ready", "Ready").status == "True", "Ready once the gate is True")

    # pkg/controller/job/job_controller.go: pods until completions succeed; Complete / Failed conditions.
    @check("outcomes: batch/v1 Jobs complete, or fail past their backoffLimit")
    def _():
        batch = client.BatchV1Api()
        template = client.V1PodTemplateSpec(spec=client.V1PodSpec(restart_policy="Never",
                                                                  containers=[client.V1Container(name="main", image="busybox:1.36")]))
        created = batch.create_namespaced_job(NS, client.V1Job(metadata=client.V1ObjectMeta(name="once"),
                                                               spec=client.V1JobSpec(completions=2, template=template)))
        assert created.spec.backoff_limit == 6 and created.spec.selector.match_labels == {
            "batch.kubernetes.io/controller-uid": created.metadata.uid}, created.spec

        def conditions(name):
            return {c.type: c for c in batch.read_namespaced_job(name, NS).status.conditions or []}
        wait_until(lambda: "Complete" in conditions("once"), "the job to complete")
        status = batch.read_namespaced_job("once", NS).status
        assert status.succeeded == 2 and status.completion_time is not None, status
        failing = client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(annotations={"kubesim.sluice.dev/exit-code": "1"}),
                                           spec=template.spec)
        batch.create_namespaced_job(NS, client.V1Job(metadata=client.V1ObjectMeta(name="doomed"),
                                                     spec=client.V1JobSpec(backoff_limit=1, template=failing)))
        wait_until(lambda: "Failed" in conditions("doomed"), "the job to fail")
        failed = conditions("doomed")["Failed"]
        assert (failed.reason, failed.message) == ("BackoffLimitExceeded", "Job has reached the specified backoff limit"), failed

    @check("outcomes: a CustomResourceDefinition serves its kind (create, list, watch, status); deleting it removes them")
    def _():
        ext = client.ApiextensionsV1Api()
        custom = client.CustomObjectsApi()
        schema = client.V1JSONSchemaProps(type="object", x_kubernetes_preserve_unknown_fields=True)
        version = client.V1CustomResourceDefinitionVersion(name="v1", served=True, storage=True,
                                                           schema=client.V1CustomResourceValidation(open_apiv3_schema=schema),
                                                           subresources=client.V1CustomResourceSubresources(status={}))
        ext.create_custom_resource_definition(client.V1CustomResourceDefinition(
            metadata=client.V1ObjectMeta(name="trainings.ml.example.com"),
            spec=client.V1CustomResourceDefinitionSpec(group="ml.example.com", scope="Namespaced", versions=[version],
                                                       names=client.V1CustomResourceDefinitionNames(plural="trainings", kind="Training"))))
        wait_until(lambda: any(c.type == "Established" and c.status == "True"
                               for c in ext.read_custom_resource_definition("trainings.ml.example.com").status.conditions or []),
                   "the definition to be established")
        body = {"apiVersion": "ml.example.com/v1", "kind": "Training", "metadata": {"name": "t1"}, "spec": {"epochs": 3}}
        custom.create_namespaced_custom_object("ml.example.com", "v1", NS, "trainings", body)
        items = custom.list_namespaced_custom_object("ml.example.com", "v1", NS, "trainings")["items"]
        assert [i["metadata"]["name"] for i in items] == ["t1"], items
        custom.patch_namespaced_custom_object_status("ml.example.com", "v1", NS, "trainings", "t1", {"status": {"phase": "Done"}})
        assert custom.get_namespaced_custom_object("ml.example.com", "v1", NS, "trainings", "t1")["status"] == {"phase": "Done"}
        ext.delete_custom_resource_definition("trainings.ml.example.com")
        expect_status(404, "NotFound", lambda: custom.list_namespaced_custom_object("ml.example.com", "v1", NS, "trainings"))
        # One definition stays (without objects) for the schema check of stored objects.
        ext.create_custom_resource_definition(client.V1CustomResourceDefinition(
            metadata=client.V1ObjectMeta(name="widgets.example.com"),
            spec=client.V1CustomResourceDefinitionSpec(group="example.com", scope="Cluster", versions=[version],
                                                       names=client.V1CustomResourceDefinitionNames(plural="widgets", kind="Widget"))))

    @check("outcomes: Secrets and ServiceAccounts; SelfSubjectAccessReview; unknown fields refused when Strict")
    def _():
        core.create_namespaced_service_account(NS, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="runner")))
        assert core.read_namespaced_service_account("runner", NS).metadata.name == "runner"
        assert core.read_namespaced_secret("db-creds", NS).metadata.name == "db-creds"
        review = auth.create_self_subject_access_review(client.V1SelfSubjectAccessReview(spec=client.V1SelfSubjectAccessReviewSpec(
            resource_attributes=client.V1ResourceAttributes(namespace=NS, verb="create", resource="pods"))))
        assert review.status.allowed is True, review.status
        # The client's own models refuse unknown fields: send the document as is.
        body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "strict"}, "data": {"a": "b"}, "bogus": 1})
        api = core.api_client
        url = f"{api.configuration.host}/api/v1/namespaces/{NS}/configmaps"
        strict = api.rest_client.pool_manager.request("POST", url + "?fieldValidation=Strict", body=body,
                                                      headers={"Content-Type": "application/json"})
        assert strict.status == 400, strict.status
        assert json.loads(strict.data)["message"] == 'strict decoding error: unknown field "bogus"', strict.data
        warned = api.rest_client.pool_manager.request("POST", url, body=body, headers={"Content-Type": "application/json"})
        assert warned.status == 201 and "bogus" not in json.loads(warned.data), warned.data
        assert 'unknown field \\"bogus\\"' in warned.headers.get("Warning", ""), warned.headers
