"""The fields each object import reads may have: kubectl's strict field validation, for the objects import reads.

``kubectl apply`` (``fieldValidation=Strict``, its default) refuses a field the API does not define: a top-level
``sepc:`` or a ``metadata.namespaceSelector`` is an error, not a silently ignored line.  Import does the same
for every structure it reads, from the object down to the container ports; the inside of structures it does
not read (volumes, probes, resources, affinity …) is not checked.  Field names as of Kubernetes 1.33, from
``k8s.io/api`` (core/v1, apps/v1, batch/v1, networking/v1 ``types.go``) and apimachinery's ``ObjectMeta``.
"""

from __future__ import annotations

OBJECT = ("apiVersion", "kind", "metadata", "spec", "status")
NETWORK_POLICY = ("apiVersion", "kind", "metadata", "spec")  # `status` was removed in 1.28: dropped, with a finding
NETWORK_POLICY_SPEC = ("podSelector", "ingress", "egress", "policyTypes")
LIST = ("apiVersion", "kind", "metadata", "items")
LIST_META = ("selfLink", "resourceVersion", "continue", "remainingItemCount")
OBJECT_META = (
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
)
NAMESPACE_SPEC = ("finalizers",)
NAMESPACE_STATUS = ("phase", "conditions")
POD_TEMPLATE = ("metadata", "spec")
POD_SPEC = (
    "volumes",
    "initContainers",
    "containers",
    "ephemeralContainers",
    "restartPolicy",
    "terminationGracePeriodSeconds",
    "activeDeadlineSeconds",
    "dnsPolicy",
    "nodeSelector",
    "serviceAccountName",
    "serviceAccount",
    "automountServiceAccountToken",
    "nodeName",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "shareProcessNamespace",
    "securityContext",
    "imagePullSecrets",
    "hostname",
    "hostnameOverride",
    "subdomain",
    "affinity",
    "schedulerName",
    "tolerations",
    "hostAliases",
    "priorityClassName",
    "priority",
    "dnsConfig",
    "readinessGates",
    "runtimeClassName",
    "enableServiceLinks",
    "preemptionPolicy",
    "overhead",
    "topologySpreadConstraints",
    "setHostnameAsFQDN",
    "os",
    "hostUsers",
    "schedulingGates",
    "resourceClaims",
    "resources",
)
CONTAINER = (
    "name",
    "image",
    "command",
    "args",
    "workingDir",
    "ports",
    "envFrom",
    "env",
    "resources",
    "resizePolicy",
    "restartPolicy",
    "restartPolicyRules",
    "volumeMounts",
    "volumeDevices",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "imagePullPolicy",
    "securityContext",
    "stdin",
    "stdinOnce",
    "tty",
)
EPHEMERAL_CONTAINER = (*CONTAINER, "targetContainerName")
CONTAINER_PORT = ("name", "hostPort", "containerPort", "protocol", "hostIP")
WORKLOAD_SPEC = {
    "Deployment": (
        "replicas",
        "selector",
        "template",
        "strategy",
        "minReadySeconds",
        "revisionHistoryLimit",
        "paused",
        "progressDeadlineSeconds",
    ),
    "StatefulSet": (
        "replicas",
        "selector",
        "template",
        "volumeClaimTemplates",
        "serviceName",
        "podManagementPolicy",
        "updateStrategy",
        "revisionHistoryLimit",
        "minReadySeconds",
        "persistentVolumeClaimRetentionPolicy",
        "ordinals",
    ),
    "DaemonSet": ("selector", "template", "updateStrategy", "minReadySeconds", "revisionHistoryLimit"),
    "ReplicaSet": ("replicas", "minReadySeconds", "selector", "template"),
    "Job": (
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "podFailurePolicy",
        "successPolicy",
        "backoffLimit",
        "backoffLimitPerIndex",
        "maxFailedIndexes",
        "selector",
        "manualSelector",
        "template",
        "ttlSecondsAfterFinished",
        "completionMode",
        "suspend",
        "podReplacementPolicy",
        "managedBy",
    ),
    "CronJob": (
        "schedule",
        "timeZone",
        "startingDeadlineSeconds",
        "concurrencyPolicy",
        "suspend",
        "jobTemplate",
        "successfulJobsHistoryLimit",
        "failedJobsHistoryLimit",
    ),
}
JOB_TEMPLATE = ("metadata", "spec")
