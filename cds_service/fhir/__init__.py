"""Getting the patient's FHIR data: prefetch first, then the EHR's FHIR server (parallel, bounded)."""
