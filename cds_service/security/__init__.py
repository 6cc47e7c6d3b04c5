"""Who may call the service (CDS Hooks JWT) and which FHIR servers it may call (outbound allow-list)."""

from cds_service.security.clients import TrustedClient, load_trusted_clients
from cds_service.security.outbound import FhirServerPolicy, ServerNotAllowed
from cds_service.security.tokens import AuthError, TokenVerifier

__all__ = [
    "AuthError",
    "FhirServerPolicy",
    "ServerNotAllowed",
    "TokenVerifier",
    "TrustedClient",
    "load_trusted_clients",
]
