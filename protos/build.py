"""Generate the Python code of protos/credit/v1/*.proto (`python -m protos.build`, `make protos`).

Run from the repository root so generated imports read `from protos.credit.v1 import ...`.
`--check` fails when the committed code differs from what the .proto files generate.
"""

from __future__ import annotations

import filecmp
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTOS = sorted((ROOT / "protos" / "credit" / "v1").glob("*.proto"))


def generate(out: Path) -> None:
    """Compile every .proto into `out` (which mirrors the repository root)."""
    include = str(resources.files("grpc_tools") / "_proto")
    args = [
        "protoc",
        f"-I{ROOT}",
        f"-I{include}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
    ]
    if protoc.main([*args, *(str(p.relative_to(ROOT)) for p in PROTOS)]) != 0:
        raise SystemExit("protoc failed")


def main() -> None:
    check = "--check" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        produced = sorted((Path(tmp) / "protos" / "credit" / "v1").glob("*_pb2*.py*"))
        target = ROOT / "protos" / "credit" / "v1"
        stale = [
            p.name
            for p in produced
            if not (target / p.name).exists() or not filecmp.cmp(p, target / p.name, shallow=False)
        ]
        if check:
            if stale:
                raise SystemExit(f"generated code is out of date: {', '.join(stale)}; run `make protos`")
            return
        for path in produced:
            shutil.copy(path, target / path.name)
    for package in (ROOT / "protos" / "credit", target):
        (package / "__init__.py").touch()


if __name__ == "__main__":
    main()
