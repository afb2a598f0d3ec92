"""The portal's pages, one module per area of the site (DESIGN's page list)."""

from fastapi import APIRouter

from portal.pages import (
    actions,
    confirm,
    contacts,
    deliveries,
    endpoints,
    home,
    incidents,
    parties,
    reports,
    reveal,
    upload,
)

# incidents last: its `/incidents/{key}` would otherwise shadow `/incidents/upload`; and
# endpoints after confirm and contacts, for `/endpoints/{endpoint_id}`.
PAGES: tuple[APIRouter, ...] = (
    home.router,
    upload.router,
    reveal.router,
    actions.router,
    confirm.router,
    contacts.router,
    endpoints.router,
    deliveries.router,
    reports.router,
    parties.router,
    incidents.router,
)
