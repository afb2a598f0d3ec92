"""The portal: the SSI route for people at a screen (port 8002).

A client of the incident API and the notifier through `ssi_client`, acting with the signed-in
person's token. It keeps sessions and the sign-in handshake in its own database and nothing else:
no incident data, no install code, no access to the services' databases.

Layout: `signin/` (who is at the screen: OIDC, the development "sign in as", step-up),
`sessions/` (server-side sessions), `pages/` (one module per area of the site), `templates/`,
`static/` (htmx vendored, the stylesheet, the small script), `security.py` (what every response
and every unsafe request must satisfy), `services.py` (the two services' clients and their
problems in plain words).
"""
