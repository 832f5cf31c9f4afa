"""What a sheet column means: codecs (cell <-> value), one mapping per entity, hooks into the lead services.

The lowest sync subpackage: imports services, models and `sync.errors`; every other sync subpackage may import it.
"""
