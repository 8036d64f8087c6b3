"""Who may do what: the admin (browser session or HTTP Basic) and sentries (bearer tokens).

Every route needs the admin unless it is listed in :data:`guard.PUBLIC_ENDPOINTS` or belongs
to the sentry API (which checks tokens itself): a new route is protected by default.
"""
