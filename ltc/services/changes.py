"""Set fields only when their value changes (peewee marks a field dirty on any assignment)."""


def update(instance, **values):
    """Set VALUES on INSTANCE where they differ; return True when anything changed."""
    changed = False
    for name, value in values.items():
        field = instance._meta.fields[name]
        current = instance.__data__.get(field.name)
        new = value.id if hasattr(value, '_meta') else value
        if current != new:
            setattr(instance, name, value)
            changed = True
    return changed
