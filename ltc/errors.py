"""One exception tree: every domain error says what went wrong and what to do."""


class LTCError(Exception):
    """Root of every error LTC raises on purpose; the message is for the user."""

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self):
        return self.message


class ConfigError(LTCError):
    """Bad or missing configuration."""


class ValidationError(LTCError):
    """Input that breaks a rule of the model."""


class DuplicateCodeError(ValidationError):
    """A code that another record already uses."""


class ConflictError(LTCError):
    """A save based on a stale version of the record."""

    def __init__(self, message, *, current=None, attempted=None, **details):
        super().__init__(message, **details)
        self.current = current or {}
        self.attempted = attempted or {}


class DeleteRefused(LTCError):
    """A delete that would orphan dependent records."""

    def __init__(self, message, *, dependents=None, **details):
        super().__init__(message, **details)
        self.dependents = dependents or {}


class NotFound(LTCError):
    """A record that does not exist (or that the user may not see)."""


class RuleViolation(LTCError):
    """A business rule refused the operation; the message names the rule."""


class MigrationPending(LTCError):
    """The database schema is older than the code."""
