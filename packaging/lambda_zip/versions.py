"""Do a model's R and R packages match what the zip carries? Used by `make package` and `make publish-model`.

model.json records the R version and each package's version the model was saved with; the zip carries the R
and packages of the machine that built it. A different major.minor can fail to load or predict differently
(vetiver-r #127), so it is refused unless the user says to go on; a patch-level difference is only named.
Standard library only: scripts/ import it too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lambda_zip import BuildError

OVERRIDE = "ALLOW_VERSION_MISMATCH"
R = "R"


@dataclass(frozen=True)
class Difference:
    model: str
    package: str  # "R" for R itself
    saved_with: str
    carried: str

    @property
    def refused(self) -> bool:
        return major_minor(self.saved_with) != major_minor(self.carried)

    def __str__(self) -> str:
        return f"model {self.model}: saved with {self.package} {self.saved_with}, the zip carries {self.carried}"


def major_minor(version: str) -> tuple[str, ...]:
    """('6', '0') for '6.0-93': R versions are numbers joined by '.' or '-'."""
    parts = re.split(r"[.-]", version.strip())
    return tuple(str(int(p)) if p.isdigit() else p for p in parts[:2])


def compare(
    models: Mapping[str, Mapping[str, object]], r_version: str, r_packages: Mapping[str, str]
) -> list[Difference]:
    """Every version a model was saved with that differs from the zip's (packages the zip lacks are not here)."""
    found: list[Difference] = []
    for name, model in sorted(models.items()):
        saved_r = str(model.get("r_version") or "")
        if saved_r and r_version and saved_r != r_version:
            found.append(Difference(name, R, saved_r, r_version))
        packages = model.get("r_packages") or {}
        if not isinstance(packages, Mapping):
            continue
        for package, saved in sorted(packages.items()):
            carried = r_packages.get(package)
            if not saved or carried is None or str(saved) == carried:
                continue
            if saved_r and str(saved) == saved_r and carried == r_version:
                continue  # a base package: its version is R's, already named
            found.append(Difference(name, package, str(saved), carried))
    return found


def check(differences: list[Difference], say: Callable[[str], None], environ: Mapping[str, str] | None = None) -> None:
    """Name each difference in one line; raise BuildError for a major.minor one unless OVERRIDE=1."""
    env = os.environ if environ is None else environ
    allowed = env.get(OVERRIDE, "") == "1"
    refused = [d for d in differences if d.refused]
    for difference in differences:
        if not difference.refused:
            say(f"warning: {difference} (a patch-level difference)")
        elif allowed:
            say(f"warning: {difference} (major.minor differs; going on because {OVERRIDE}=1)")
    if refused and not allowed:
        raise BuildError(
            "; ".join(str(d) for d in refused) + " (major.minor differs: the model may fail to load or predict "
            f"differently); retrain it with this R and these packages, or set {OVERRIDE}=1 to go on"
        )
