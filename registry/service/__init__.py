"""The registry's HTTP service (DESIGN §5): ``create_app(settings)`` builds it.

One module per job: ``app`` (the app and its lifespan), ``routes_*`` (one area of the API
each), ``admission`` (what a submitted credential must pass), ``verification`` and ``records``
(reports and stored credentials, shared with the verify page in ``page``), ``trust`` (the
bundle the service verifies with), ``problems`` (RFC 9457 errors), ``pagination``,
``limits`` (body size, request rate) and ``metrics``. docs/api.md describes the API.
"""
