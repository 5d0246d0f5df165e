"""Access review admin hooks (filled in by the access-review work)."""
