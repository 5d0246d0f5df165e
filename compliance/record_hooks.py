"""Record of processing admin hooks (filled in by the record work)."""
