"""The ICU stand-ins: they cover what libR.so imports, and answer as ICU does without its data."""

from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path

import pytest
from lambda_zip import icu_stub

LIBS = Path("/usr/lib/x86_64-linux-gnu")
LIBR = Path("/usr/lib/R/lib/libR.so")
ICU = {name: LIBS / name for name in ("libicuuc.so.72", "libicui18n.so.72", "libicudata.so.72")}

pytestmark = [
    pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler"),
    pytest.mark.skipif(not LIBR.is_file() or not all(p.exists() for p in ICU.values()), reason="needs R and ICU 72"),
]


def test_the_stand_ins_cover_libr_but_not_a_real_icu_user() -> None:
    assert icu_stub.code_stub_covers(ICU, [LIBR])
    # libicui18n itself calls hundreds of libicuuc functions the stand-ins do not have.
    assert not icu_stub.code_stub_covers(ICU, [LIBR, Path(os.path.realpath(ICU["libicui18n.so.72"]))])
    assert not icu_stub.code_stub_covers({"libicuuc.so.72": ICU["libicuuc.so.72"]}, [LIBR])


def test_the_stand_ins_answer_as_icu_without_its_data(tmp_path: Path) -> None:
    for name in ("libicuuc.so.72", "libicui18n.so.72"):
        icu_stub.write_code_stub(name, Path(os.path.realpath(ICU[name])), tmp_path / name)
    uc = ctypes.CDLL(str(tmp_path / "libicuuc.so.72"))
    i18n = ctypes.CDLL(str(tmp_path / "libicui18n.so.72"))

    version = (ctypes.c_ubyte * 4)()
    uc.u_getVersion_72(version)
    text = ctypes.create_string_buffer(20)
    uc.u_versionToString_72(version, text)
    assert (list(version), text.value) == ([72, 1, 0, 0], b"72.1")

    status = ctypes.c_int(0)
    uc.uloc_setDefault_72(b"en_US", ctypes.byref(status))
    assert status.value == 0
    i18n.ucol_open_72.restype = ctypes.c_void_p
    assert i18n.ucol_open_72(b"en_US", ctypes.byref(status)) is None
    assert status.value == 4  # U_FILE_ACCESS_ERROR, as R reports: "failed to open ICU collator (4)"
    kept = ctypes.c_int(7)  # ICU leaves an earlier failure as it is
    i18n.ucol_open_72(None, ctypes.byref(kept))
    assert kept.value == 7


STRINGI = Path("/usr/lib/R/site-library/stringi/libs/stringi.so")


@pytest.mark.skipif(not STRINGI.is_file(), reason="needs r-cran-stringi")
def test_a_package_linking_icu_gets_the_real_icu_and_r_alone_the_stand_ins() -> None:
    assert icu_stub.icu_users([LIBR, Path(os.path.realpath(ICU["libicui18n.so.72"])), STRINGI]) == [STRINGI]
    assert icu_stub.choose(ICU, [LIBR, STRINGI]) == icu_stub.REAL
    assert icu_stub.choose(ICU, [LIBR]) == icu_stub.STAND_INS
