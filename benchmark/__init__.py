"""The benchmark harness (``manage.py bench``): synthetic designs written through the services, and the figures.

It lives outside the app package: it drives the app as a user or a script would (services, the test client,
the REST API, a browser) and never reaches inside it.
"""
