import Foundation
import Testing

@testable import SluiceKube

@Suite struct ObjectKindsTests {
    static let deployment = #"""
    {"kind":"Deployment","apiVersion":"apps/v1",
     "metadata":{"name":"web","namespace":"sluice","uid":"d-1","resourceVersion":"912","generation":3,
                 "creationTimestamp":"2026-11-20T08:00:00Z","annotations":{"deployment.kubernetes.io/revision":"3"}},
     "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
             "template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},
                         "spec":{"containers":[{"name":"web","image":"nginx:1.27","ports":[{"containerPort":80,"protocol":"TCP"}],
                                 "resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File",
                                 "imagePullPolicy":"IfNotPresent"}],
                                 "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst",
                                 "securityContext":{},"schedulerName":"default-scheduler"}},
             "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},
             "revisionHistoryLimit":10,"progressDeadlineSeconds":600},
     "status":{"observedGeneration":3,"replicas":3,"updatedReplicas":3,"readyReplicas":2,"availableReplicas":2,
               "unavailableReplicas":1,
               "conditions":[{"type":"Available","status":"False","lastUpdateTime":"2026-11-25T19:00:00Z",
                              "lastTransitionTime":"2026-11-25T19:00:00Z","reason":"MinimumReplicasUnavailable",
                              "message":"Deployment does not have minimum availability."}]}}
    """#

    @Test func readsADeployment() throws {
        let deployment = Deployment(document: try ObjectFixture.document(Self.deployment))
        #expect(deployment.spec.replicas == 3)
        #expect(deployment.spec.selector.matchLabels == ["app": "web"])
        #expect(deployment.spec.template.metadata.labels == ["app": "web"])
        #expect(deployment.spec.template.spec.containers.first?.image == "nginx:1.27")
        #expect(deployment.spec.template.spec.restartPolicy == "Always")
        #expect(deployment.status.observedGeneration == 3)
        #expect(deployment.status.replicas == 3)
        #expect(deployment.status.updatedReplicas == 3)
        #expect(deployment.status.readyReplicas == 2)
        #expect(deployment.status.availableReplicas == 2)
        #expect(deployment.status.conditions.first?.reason == "MinimumReplicasUnavailable")
        #expect(deployment.status.conditions.first?.isTrue == false)
        #expect(deployment.serialized() == Array(try ObjectFixture.compact(Self.deployment).utf8))
    }

    @Test func scalingADeploymentAndBumpingItsImageKeepsTheRest() throws {
        let original = Deployment(document: try ObjectFixture.document(Self.deployment))
        var changed = original
        changed.spec.replicas = 5
        changed.spec.template.spec.containers[0].image = "nginx:1.28"
        let expected = try ObjectFixture.compact(Self.deployment)
            .replacingOccurrences(of: #""replicas":3,"selector""#, with: #""replicas":5,"selector""#)
            .replacingOccurrences(of: "nginx:1.27", with: "nginx:1.28")
        #expect(changed.document.testJSON == expected)
    }

    static let service = #"""
    {"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"sluice"},
     "spec":{"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":"http"},
                      {"name":"metrics","protocol":"TCP","port":9090,"targetPort":9090}],
             "selector":{"app":"web"},"clusterIP":"10.96.12.7","clusterIPs":["10.96.12.7"],"type":"ClusterIP",
             "sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack",
             "internalTrafficPolicy":"Cluster"},
     "status":{"loadBalancer":{}}}
    """#

    @Test func readsAndWritesAService() throws {
        var service = KubeService(document: try ObjectFixture.document(Self.service))
        #expect(service.spec.selector == ["app": "web"])
        #expect(service.spec.type == "ClusterIP")
        #expect(service.spec.clusterIP == "10.96.12.7")
        #expect(service.spec.ports.map(\.name) == ["http", "metrics"])
        #expect(service.spec.ports.map(\.port) == [80, 9090])
        #expect(service.spec.ports.map(\.targetPort) == [.string("http"), .int(9090)])
        #expect(service.spec.ports[0].protocol == "TCP")
        #expect(service.serialized() == Array(try ObjectFixture.compact(Self.service).utf8))
        service.spec.ports[1].targetPort = 9091
        service.spec.ports.append(ServicePort(name: "grpc", port: 50051, targetPort: "grpc"))
        #expect(service.document["spec"]?["ports"]?.jsonText == """
            [{"name":"http","protocol":"TCP","port":80,"targetPort":"http"},\
            {"name":"metrics","protocol":"TCP","port":9090,"targetPort":9091},\
            {"name":"grpc","port":50051,"targetPort":"grpc"}]
            """)
    }

    static let lease = #"""
    {"kind":"Lease","apiVersion":"coordination.k8s.io/v1",
     "metadata":{"name":"sluice-controller","namespace":"sluice","resourceVersion":"77"},
     "spec":{"holderIdentity":"sluice-0_5f1c","leaseDurationSeconds":15,
             "acquireTime":"2026-11-25T18:00:00.000000Z","renewTime":"2026-11-25T19:00:00.123456Z",
             "leaseTransitions":4,"strategy":"OldestEmulationVersion"}}
    """#

    @Test func readsALeaseWithMicroTimes() throws {
        let lease = Lease(document: try ObjectFixture.document(Self.lease))
        #expect(lease.spec.holderIdentity == "sluice-0_5f1c")
        #expect(lease.spec.leaseDurationSeconds == 15)
        #expect(lease.spec.acquireTime == .rfc3339("2026-11-25T18:00:00Z"))
        #expect(lease.spec.renewTime == .rfc3339("2026-11-25T19:00:00.123456Z"))
        #expect(lease.spec.leaseTransitions == 4)
        #expect(lease.serialized() == Array(try ObjectFixture.compact(Self.lease).utf8))
    }

    @Test func renewingALeaseWritesSixFractionalDigits() throws {
        var lease = Lease(document: try ObjectFixture.document(Self.lease))
        lease.spec.renewTime = Date(timeIntervalSince1970: 1_795_000_000.5)
        lease.spec.holderIdentity = "sluice-1_9a2b"
        #expect(lease.document["spec"]?.jsonText == """
            {"holderIdentity":"sluice-1_9a2b","leaseDurationSeconds":15,"acquireTime":"2026-11-25T18:00:00.000000Z",\
            "renewTime":"2026-11-18T11:06:40.500000Z","leaseTransitions":4,"strategy":"OldestEmulationVersion"}
            """)
    }

    @Test func buildsANewLease() {
        var lease = Lease(name: "sluice-controller", namespace: "sluice")
        lease.spec.holderIdentity = "me"
        lease.spec.leaseDurationSeconds = 15
        lease.spec.acquireTime = .rfc3339("2026-11-25T19:00:00Z")
        lease.spec.renewTime = .rfc3339("2026-11-25T19:00:00.1Z")
        lease.spec.leaseTransitions = 0
        #expect(lease.document.testJSON == """
            {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"sluice-controller",\
            "namespace":"sluice"},"spec":{"holderIdentity":"me","leaseDurationSeconds":15,\
            "acquireTime":"2026-11-25T19:00:00.000000Z","renewTime":"2026-11-25T19:00:00.100000Z","leaseTransitions":0}}
            """)
    }

    static let coreEvent = #"""
    {"kind":"Event","apiVersion":"v1",
     "metadata":{"name":"train-7f9c-0-a1.187a3c2d9e0f1a2b","namespace":"sluice","resourceVersion":"184470"},
     "involvedObject":{"kind":"Pod","namespace":"sluice","name":"train-7f9c-0-a1","uid":"9b2f","apiVersion":"v1",
                       "resourceVersion":"184467","fieldPath":"spec.containers{main}"},
     "reason":"BackOff","message":"Back-off restarting failed container main",
     "source":{"component":"kubelet","host":"node-a3"},
     "firstTimestamp":"2026-11-25T19:00:03Z","lastTimestamp":"2026-11-25T19:02:03Z","count":5,"type":"Warning",
     "eventTime":null,"reportingComponent":"kubelet","reportingInstance":"node-a3"}
    """#

    @Test func readsACoreEvent() throws {
        var event = Event(document: try ObjectFixture.document(Self.coreEvent))
        #expect(event.involvedObject.kind == "Pod")
        #expect(event.involvedObject.name == "train-7f9c-0-a1")
        #expect(event.involvedObject.fieldPath == "spec.containers{main}")
        #expect(event.reason == "BackOff")
        #expect(event.message == "Back-off restarting failed container main")
        #expect(event.type == "Warning")
        #expect(event.count == 5)
        #expect(event.firstTimestamp == .rfc3339("2026-11-25T19:00:03Z"))
        #expect(event.lastTimestamp == .rfc3339("2026-11-25T19:02:03Z"))
        #expect(event.source.component == "kubelet")
        #expect(event.source.host == "node-a3")
        #expect(event.serialized() == Array(try ObjectFixture.compact(Self.coreEvent).utf8))
        event.count = 6
        #expect(ObjectFixture.keys(event.document) == ObjectFixture.keys(try ObjectFixture.document(Self.coreEvent)))
    }

    @Test func buildsAnEventsV1Event() throws {
        let pod = Pod(document: try ObjectFixture.document(ObjectFixture.runningPod))
        var event = EventV1(name: "train-7f9c-0-a1.1", namespace: "sluice")
        event.regarding = ObjectReference(to: pod)
        event.reason = "AttemptStarted"
        event.note = "attempt 1 started"
        event.type = "Normal"
        event.action = "Start"
        event.eventTime = .rfc3339("2026-11-25T19:00:00.25Z")
        event.reportingController = "sluice.dev/controller"
        event.reportingInstance = "sluice-0"
        #expect(event.regarding.uid == "9b2f3c1e-5d4a-4e8b-9c1d-2f3a4b5c6d7e")
        #expect(event.document.testJSON == """
            {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"train-7f9c-0-a1.1","namespace":"sluice"},\
            "regarding":{"apiVersion":"v1","kind":"Pod","namespace":"sluice","name":"train-7f9c-0-a1",\
            "uid":"9b2f3c1e-5d4a-4e8b-9c1d-2f3a4b5c6d7e","resourceVersion":"184467"},"reason":"AttemptStarted",\
            "note":"attempt 1 started","type":"Normal","action":"Start","eventTime":"2026-11-25T19:00:00.250000Z",\
            "reportingController":"sluice.dev/controller","reportingInstance":"sluice-0"}
            """)
        let read = try EventV1(parsing: event.serialized())
        #expect(read == event)
        #expect(read.eventTime == .rfc3339("2026-11-25T19:00:00.25Z"))
        #expect(read.note == "attempt 1 started")
        #expect(read.reportingController == "sluice.dev/controller")
    }

    @Test func readsANamespace() throws {
        let text = #"""
        {"kind":"Namespace","apiVersion":"v1","metadata":{"name":"sluice","uid":"n-1",
         "labels":{"kubernetes.io/metadata.name":"sluice"}},"spec":{"finalizers":["kubernetes"]},
         "status":{"phase":"Active"}}
        """#
        let namespace = Namespace(document: try ObjectFixture.document(text))
        #expect(namespace.metadata.name == "sluice")
        #expect(namespace.status.phase == "Active")
        #expect(namespace.serialized() == Array(try ObjectFixture.compact(text).utf8))
    }

    @Test func kindsKnowWhereTheyLive() {
        #expect(Pod.resource == "pods" && Pod.namespaced)
        #expect(Deployment.apiVersion == "apps/v1" && Deployment.resource == "deployments")
        #expect(KubeService.kind == "Service" && KubeService.resource == "services")
        #expect(Lease.apiVersion == "coordination.k8s.io/v1" && Lease.resource == "leases")
        #expect(Event.apiVersion == "v1" && EventV1.apiVersion == "events.k8s.io/v1" && EventV1.resource == "events")
        #expect(Namespace.resource == "namespaces" && !Namespace.namespaced)
    }
}
