from services.common.errors import Conflict, Forbidden, Gone, NotFound, Unprocessable


class IncidentNotFound(NotFound):
    slug, title = "incident-not-found", "No such incident"


class WrongRole(Forbidden):
    slug, title = "wrong-role", "Your party's role on this incident does not allow this call"


class AnswerDiffers(Conflict):
    slug, title = "conflict", "The incident was already answered, with another answer"


class InvalidTransition(Conflict):
    slug, title = "invalid-transition", "The incident is not in a state that allows this call"


class NotRegisteredSupplier(Forbidden):
    slug, title = "not-registered-supplier", "You cannot raise an incident for this Device"


class RequesterIsInstaller(Unprocessable):
    slug, title = "requester-is-installer", "You are the Device's installing party"


class DeviceNotEligible(Conflict):
    slug, title = (
        "device-not-eligible",
        "The Device's SMI status does not allow an install-code request",
    )


class DuplicateOpenIncident(Conflict):
    slug, title = "duplicate-open-incident", "You already have an open incident for this Device"


class AddresseeRequired(Unprocessable):
    slug, title = (
        "addressee-required",
        "Name addressed_party_id: the inventory does not know the installer",
    )


class UnknownParty(Unprocessable):
    slug, title = "unknown-party", "No such active party"


class NotASupplier(Forbidden):
    slug, title = "not-a-supplier", "Only suppliers raise install-code incidents"


class ReopenLimit(Conflict):
    slug, title = "reopen-limit", "This incident has been reopened the maximum number of times"


class InstallCodeDestroyed(Gone):
    slug, title = "install-code-destroyed", "The install code has been destroyed"


class NoInstallCode(Conflict):
    slug, title = "no-install-code", "This incident holds no install code"


class IdempotencyMismatch(Unprocessable):
    slug, title = (
        "idempotency-key-reused",
        "This Idempotency-Key was used with another request body",
    )


class IdempotencyInProgress(Conflict):
    slug, title = (
        "idempotency-key-in-progress",
        "A request with this Idempotency-Key is in progress",
    )


class ClockEnded(Conflict):
    slug, title = "clock-ended", "That SLA clock has ended"


class ClockNotStarted(Conflict):
    slug, title = "clock-not-started", "That SLA clock has not started"


class SlaEventTooEarly(Unprocessable):
    slug, title = "sla-event-too-early", "A breach or escalation cannot precede the due instant"
