"""Refusal messages in English and Simplified Chinese, side by side where the rule lives."""
from ..errors import RuleViolation, ValidationError


def refusal(en, zh, *, error_class=RuleViolation, **params):
    """Return a domain error whose message is EN (formatted), carrying the Chinese text in details."""
    return error_class(en.format(**params), zh=zh.format(**params), params=params)


def invalid(en, zh, **params):
    """Return a ValidationError with English and Chinese text."""
    return refusal(en, zh, error_class=ValidationError, **params)


def text(error, lang='en'):
    """Return the message of ERROR in LANG ('en' or 'zh…'), falling back to English."""
    if str(lang).startswith('zh'):
        return getattr(error, 'details', {}).get('zh') or str(error)
    return str(error)
