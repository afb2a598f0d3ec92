"""`/incidents/{reference}/reveal`: the install code, to the requester, on this page alone.

The GET is a confirmation (no code); the code comes only as the answer to its POST, which
needs a sign-in within `PORTAL_STEP_UP_SECONDS` (5 minutes): older, and the person is asked to
sign in again first. The API audits each reveal with the person as actor. The page is
`no-store` (as every page), kept out of htmx's history, and `portal.js` blanks the code when
the page is left, so the back button finds nothing.
"""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from ssi_client.incident_api.api.incidents import reveal_install_code
from ssi_client.incident_api.models import InstallCodeRead

from portal.dependencies import Me, RuntimeDep, ServicesDep
from portal.pages.incidents import checked_key
from portal.rendering import render
from portal.services import ok

router = APIRouter()


@router.get("/incidents/{key}/reveal", name="reveal_confirm")
async def confirm(request: Request, key: str, me: Me) -> Response:
    return render(request, "incidents/reveal_confirm.html", key=checked_key(key))


@router.post("/incidents/{key}/reveal", name="reveal")
async def reveal(
    request: Request, key: str, me: Me, services: ServicesDep, runtime: RuntimeDep
) -> Response:
    key = checked_key(key)
    age = (runtime.clock.now() - me.identity.auth_time).total_seconds()
    if age > runtime.settings.step_up_seconds:
        return render(request, "incidents/reveal_again.html", 401, key=key)
    code = ok(await reveal_install_code.asyncio_detailed(key, client=services.api), InstallCodeRead)
    return render(request, "incidents/reveal.html", key=key, install_code=code.install_code)
