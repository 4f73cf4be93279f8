"""A stand-in for ICU's 31 MB data library: R only uses ICU to collate, and the handler runs with LC_COLLATE=C."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from lambda_zip import BuildError

# ICU's own source/stubdata/stubdata.cpp: a data package with an empty table of contents.
_SOURCE = """\
typedef struct {
    unsigned short headerSize; unsigned char magic1, magic2;
    unsigned short size, reservedWord; unsigned char isBigEndian, charsetFamily, sizeofUChar, reservedByte;
    unsigned char dataFormat[4], formatVersion[4], dataVersion[4];
    unsigned int padding[2]; unsigned int count, reserved; unsigned int toc[2];
} Stub;
__attribute__((visibility("default"))) const Stub %(symbol)s = {
    32, 0xda, 0x27, 20, 0, 0, 0, 2, 0, {0x54, 0x6f, 0x43, 0x50}, {1, 0, 0, 0}, {0, 0, 0, 0}, {0, 0}, 0, 0, {0, 0}
};
"""


def is_icu_data(name: str) -> bool:
    return re.fullmatch(r"libicudata\.so\.\d+", name) is not None


def write_stub(soname: str, dest: Path) -> None:
    """Compile the empty ICU data library under `soname` (libicudata.so.72 exports icudt72_dat) into dest."""
    major = soname.rsplit(".", 1)[-1]
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise BuildError("a C compiler is needed to build the ICU data stub; apt-get install gcc, then re-run")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "icudata_stub.c"
        source.write_text(_SOURCE % {"symbol": f"icudt{major}_dat"})
        cmd = [
            cc,
            "-shared",
            "-fPIC",
            "-O2",
            "-s",
            "-nostdlib",
            f"-Wl,-soname,{soname}",
            "-Wl,--build-id=none",
            "-Wl,--hash-style=both",
            "-o",
            str(dest),
            str(source),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=tmp)
    if out.returncode != 0:
        raise BuildError(f"building the ICU data stub failed: {out.stderr.strip()[:300]}")
