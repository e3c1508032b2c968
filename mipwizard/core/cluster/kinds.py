"""The kinds a snapshot reads: the readers parse them, and status' entry point starts that read
before the readers are imported (``prefetch.py``), so they live here, with no imports."""

# One query: ``kubectl get KINDS -A -o json`` prints a List whose items say their ``kind``.
OBJECT_KINDS = "persistentvolumeclaims,persistentvolumes,storageclasses,ingresses,ingressclasses"
# Everything a snapshot reads from the API server, in one kubectl process (one round trip).
CLUSTER_KINDS = "pods,nodes,events," + OBJECT_KINDS
