# Each feature registers its own admin views and menu items in its own module.
from compliance import access_review_hooks, record_hooks  # noqa: F401
