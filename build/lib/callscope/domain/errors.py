"""Errors a user can cause; the HTTP layer maps each type to one status in one place."""


class DomainError(Exception):
    """Base of every error with a message meant for the user."""


class InvalidInput(DomainError):
    """The request is well-formed but its content is wrong (a bad phone number, say)."""


class NotFound(DomainError):
    """The thing does not exist, or belongs to another account."""


class Unauthorized(DomainError):
    """No credentials, or credentials that are not valid."""


class Forbidden(DomainError):
    """Valid credentials without the right to do this."""


class Conflict(DomainError):
    """The request clashes with what is stored (a number already tracked, say)."""


class StorageError(Exception):
    """Storage failed to do what was asked: not the user's doing, so no user message."""


class StorageUnavailable(StorageError):
    """The database cannot be reached or is busy right now: worth retrying shortly."""
