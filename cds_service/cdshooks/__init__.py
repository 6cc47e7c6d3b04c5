"""The CDS Hooks 2.0 protocol, framework-free: request and feedback parsing with their JSON Schemas, errors as
OperationOutcomes, service definitions and discovery, and the per-call configuration (Da Vinci CRD style).

The HTTP layer (cds_service.api) and the hook pipeline (cds_service.hooks) both use it; it imports no web framework.
"""
