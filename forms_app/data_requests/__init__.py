"""Data-subject requests: access (:mod:`.access`) and erasure or objection (:mod:`.erasure`)."""
