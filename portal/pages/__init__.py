"""The portal's pages, one module per area of the site (DESIGN's page list)."""

from fastapi import APIRouter

from portal.pages import actions, home, incidents, reveal

# incidents last: its `/incidents/{key}` would otherwise shadow `/incidents/upload` and the like.
PAGES: tuple[APIRouter, ...] = (home.router, reveal.router, actions.router, incidents.router)
