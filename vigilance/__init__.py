"""The domain: reports, queues, triage, follow-ups, summaries and audit. No web framework here."""
