#!/usr/bin/env python3
"""Checks that ELF executables carry the hardening the build promises, with binutils' readelf.

usage: check_hardening.py EXPECTED_FILE BINARY...

EXPECTED_FILE (written by cmake/Hardening.cmake) lists one property a line:
  pie              ET_DYN with DF_1_PIE
  relro            a PT_GNU_RELRO segment
  bind-now         BIND_NOW (DT_FLAGS) or NOW (DT_FLAGS_1): with relro, full RELRO
  stack-protector  __stack_chk_fail referenced
  fortify          at least one glibc __*_chk function referenced
  cet              -fcf-protection: the IBT/SHSTK property note, or, where the C library's
                   start files carry no note (Debian 12: ld drops it from the executable), main
                   starting with endbr64
Prints every binary's missing properties and exits 1 if any is missing.
"""
import re
import subprocess
import sys

FORTIFIED = re.compile(r"\b__\w+_chk(@|\b)")


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def starts_with_endbr64(binary):
    # objdump --disassemble=SYMBOL needs the static symbol table (unstripped binaries).
    out = run("objdump", "-d", "--no-show-raw-insn", "--disassemble=main", binary)
    body = out.split("<main>:", 1)
    if len(body) < 2:
        return False
    first = [line for line in body[1].splitlines() if line.strip()][:1]
    return bool(first) and "endbr64" in first[0]


def missing(binary, expected):
    header = run("readelf", "-hW", binary)
    dynamic = run("readelf", "-dW", binary)
    segments = run("readelf", "-lW", binary)
    notes = run("readelf", "-nW", binary)
    symbols = run("readelf", "--dyn-syms", "-sW", binary)
    have = set()
    if re.search(r"Type:\s+DYN", header) and re.search(r"FLAGS_1\).*\bPIE\b", dynamic):
        have.add("pie")
    if re.search(r"^\s*GNU_RELRO\b", segments, re.M):
        have.add("relro")
    if re.search(r"\(FLAGS\).*\bBIND_NOW\b", dynamic) or re.search(r"FLAGS_1\).*\bNOW\b", dynamic):
        have.add("bind-now")
    if "__stack_chk_fail" in symbols:
        have.add("stack-protector")
    if FORTIFIED.search(symbols):
        have.add("fortify")
    if re.search(r"x86 feature:.*\bIBT\b.*\bSHSTK\b", notes) or (
        "cet" in expected and starts_with_endbr64(binary)
    ):
        have.add("cet")
    return [p for p in expected if p not in have]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        expected = [line.strip() for line in f if line.strip()]
    failed = False
    for binary in sys.argv[2:]:
        lacking = missing(binary, expected)
        if lacking:
            failed = True
            print(f"{binary}: not hardened: missing {', '.join(lacking)}")
        else:
            print(f"{binary}: {', '.join(expected)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
