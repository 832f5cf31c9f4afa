"""The memory figure both sides of the comparison print, read the same way."""
from pathlib import Path


def peak_mb():
    """This process's peak resident memory since it started (VmHWM, which exec resets), in MB."""
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return round(int(line.split()[1]) / 1024)
