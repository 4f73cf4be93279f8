"""Stand-ins for ICU: R only uses ICU to collate, and the handler runs with LC_COLLATE=C.

ICU's 31 MB data library is always replaced by an empty data package. When nothing but R's collation calls
needs ICU's code either, its two code libraries (5 MB, 2 MB zipped) are replaced too, by functions that fail
the way real ICU fails without its data, so R behaves exactly as it does with the empty data package.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from string import Template

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from lambda_zip import BuildError
from lambda_zip.elf import read_elf

# What the zip carries for ICU (the manifest's icu.carried).
REAL = "real"
STAND_INS = "stand-ins"
EMPTY_DATA = "real code, empty data"

# ICU's own source/stubdata/stubdata.cpp: a data package with an empty table of contents.
_DATA_SOURCE = """\
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

_CODE_PRELUDE = """\
typedef int UErrorCode;
#define EXPORT __attribute__((visibility("default")))
/* U_FILE_ACCESS_ERROR: what ICU answers for a collator when its data package is empty. */
#define FAIL(status) do { if ((status) && *(status) <= 0) *(status) = 4; } while (0)
"""

# Every ICU function R 4.2's libR.so imports (Scollate, icuSetCollate, icuGetCollate, extSoftVersion), by library.
# `${v}` is ICU's symbol suffix (72); `${major}`/`${minor}` its version, which extSoftVersion() reports.
_CODE: dict[str, dict[str, str]] = {
    "icuuc": {
        "u_getVersion": "EXPORT void u_getVersion_${v}(unsigned char *v) "
        "{ v[0] = ${major}; v[1] = ${minor}; v[2] = 0; v[3] = 0; }",
        "u_versionToString": """EXPORT void u_versionToString_${v}(const unsigned char *v, char *s) {
    int last = 3;
    while (last > 1 && v[last] == 0) last--;
    for (int i = 0; i <= last; i++) {
        char digits[3]; int k = 0; unsigned n = v[i];
        if (i) *s++ = '.';
        do { digits[k++] = (char)('0' + n % 10); n /= 10; } while (n);
        while (k) *s++ = digits[--k];
    }
    *s = 0;
}""",
        "uloc_setDefault": "EXPORT void uloc_setDefault_${v}(const char *locale, UErrorCode *status) "
        "{ (void)locale; (void)status; }",
        "uiter_setUTF8": "EXPORT void uiter_setUTF8_${v}(void *iter, const char *s, int length) "
        "{ (void)iter; (void)s; (void)length; }",
    },
    "icui18n": {
        "ucol_open": "EXPORT void *ucol_open_${v}(const char *locale, UErrorCode *status) "
        "{ (void)locale; FAIL(status); return 0; }",
        "ucol_close": "EXPORT void ucol_close_${v}(void *collator) { (void)collator; }",
        "ucol_getLocaleByType": "EXPORT const char *ucol_getLocaleByType_${v}(const void *collator, int type, "
        "UErrorCode *status) { (void)collator; (void)type; FAIL(status); return 0; }",
        "ucol_setAttribute": "EXPORT void ucol_setAttribute_${v}(void *collator, int attribute, int value, "
        "UErrorCode *status) { (void)collator; (void)attribute; (void)value; FAIL(status); }",
        "ucol_setStrength": "EXPORT void ucol_setStrength_${v}(void *collator, int strength) "
        "{ (void)collator; (void)strength; }",
        "ucol_strcollIter": "EXPORT int ucol_strcollIter_${v}(const void *collator, void *a, void *b, "
        "UErrorCode *status) { (void)collator; (void)a; (void)b; FAIL(status); return 0; }",
    },
}


def is_icu_data(name: str) -> bool:
    return re.fullmatch(r"libicudata\.so\.\d+", name) is not None


def icu_code_library(name: str) -> str | None:
    """'icuuc' for libicuuc.so.72, 'icui18n' for libicui18n.so.72, else None."""
    match = re.fullmatch(r"lib(icuuc|icui18n)\.so\.\d+", name)
    return match.group(1) if match else None


def is_icu(name: str) -> bool:
    return is_icu_data(name) or icu_code_library(name) is not None


def icu_users(objects: Iterable[Path]) -> list[Path]:
    """The objects that link an ICU library themselves, R's libR.so and ICU's own libraries aside."""
    users = []
    for path in objects:
        info = read_elf(path)
        name = info.soname or path.name
        if name != "libR.so" and not is_icu(name) and any(is_icu(n) for n in info.needed):
            users.append(path)
    return users


def choose(icu_libraries: dict[str, Path], objects: list[Path]) -> str:
    """REAL when a bundled object other than libR.so links ICU; else STAND_INS when they cover libR.so's calls."""
    if icu_users(objects):
        return REAL
    return STAND_INS if code_stub_covers(icu_libraries, objects) else EMPTY_DATA


def _dynamic_symbols(path: Path) -> tuple[set[str], set[str]]:
    """(defined, undefined) names of an ELF file's dynamic symbol table."""
    defined: set[str] = set()
    undefined: set[str] = set()
    with path.open("rb") as fh:
        table = ELFFile(fh).get_section_by_name(".dynsym")
        if isinstance(table, SymbolTableSection):
            for symbol in table.iter_symbols():
                if symbol.name:
                    (undefined if symbol["st_shndx"] == "SHN_UNDEF" else defined).add(symbol.name)
    return defined, undefined


def _suffix(soname: str) -> str:
    return soname.rsplit(".", 1)[-1]


def code_stub_covers(icu_libraries: dict[str, Path], users: Iterable[Path]) -> bool:
    """True when every ICU function `users` import (from the real `icu_libraries`) has a stand-in here."""
    provided: dict[str, set[str]] = {}
    for soname, path in icu_libraries.items():
        library = icu_code_library(soname)
        if library is not None:
            provided[library] = _dynamic_symbols(path)[0]
    if set(provided) != set(_CODE):
        return False
    suffix = f"_{_suffix(next(iter(icu_libraries)))}"
    stubbed = {f"{base}{suffix}" for functions in _CODE.values() for base in functions}
    from_icu = set().union(*provided.values())
    return all(not (_dynamic_symbols(user)[1] & from_icu) - stubbed for user in users)


def write_code_stub(soname: str, real: Path, dest: Path) -> None:
    """Compile the stand-in for one ICU code library; `real` (e.g. libicuuc.so.72.1) gives the version."""
    library = icu_code_library(soname)
    if library is None:
        raise BuildError(f"{soname} is not an ICU code library")
    version = re.search(r"\.so\.(\d+)(?:\.(\d+))?", real.name)
    major = version.group(1) if version else _suffix(soname)
    minor = (version.group(2) if version else None) or "0"
    values = {"v": _suffix(soname), "major": major, "minor": minor}
    body = "\n".join(Template(function).substitute(values) for _, function in sorted(_CODE[library].items()))
    _compile(_CODE_PRELUDE + body + "\n", soname, dest, f"the {library} stand-in")


def write_stub(soname: str, dest: Path) -> None:
    """Compile the empty ICU data library under `soname` (libicudata.so.72 exports icudt72_dat) into dest."""
    _compile(_DATA_SOURCE % {"symbol": f"icudt{_suffix(soname)}_dat"}, soname, dest, "the ICU data stub")


def _compile(source_text: str, soname: str, dest: Path, what: str) -> None:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise BuildError(f"a C compiler is needed to build {what}; apt-get install gcc, then re-run")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "stub.c"
        source.write_text(source_text)
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
        raise BuildError(f"building {what} failed: {out.stderr.strip()[:300]}")
