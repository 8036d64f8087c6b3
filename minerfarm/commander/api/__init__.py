"""JSON APIs: the admin API (``/api/v1``) and the sentry API (``/api/v1/sentry``)."""
