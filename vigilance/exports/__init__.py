"""Exports of a case in the formats other systems read (FHIR, E2B...): plain data, no Flask."""
