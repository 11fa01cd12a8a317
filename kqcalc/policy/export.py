"""`kqcalc policy export FILE.toml`: the policy in force as an editable TOML file (SPEC §4).

The file written is the policy file's own text, byte for byte — the built-in `keqiao-2020.toml` or the file
given with `--policy` — so its comments (what each list means, how numbers are written) come along, and the
copy loaded back with `--policy FILE.toml` is the same policy (same SHA-256, same results). The policy is
loaded and checked first, so a bad `--policy` file is never copied. Edit the copy's `[policy] id` before using
it as a new policy: runs and reports name the policy by its id.

Written safely: refused when FILE does not end in `.toml` (UsageError, exit 2) or already exists without
`force` (exit 1); written to a temporary file beside FILE, then renamed over it, so an interrupted export never
leaves half a policy file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from kqcalc.errors import KqcalcError, UsageError
from kqcalc.policy import Policy, load_policy, policy_source


def export_policy(path: Path | str, spec: str | None = None, force: bool = False) -> Policy:
    """Write the policy `spec` (built-in id or TOML file; default the built-in policy) to `path`; return it."""
    path = Path(path)
    if path.suffix.lower() != ".toml":
        raise UsageError("export_not_toml", path=path, example=path.with_suffix(".toml").name)
    policy = load_policy(spec)
    _, data = policy_source(spec)
    if path.is_dir():
        raise KqcalcError("export_is_folder", path=path)
    if path.exists() and not force:
        raise KqcalcError("export_exists", path=path)
    folder = path.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise KqcalcError("export_cannot_write", path=path, detail=exc.strerror or exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise KqcalcError("export_cannot_write", path=path, detail=exc.strerror or exc) from None
    return policy
