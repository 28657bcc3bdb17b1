"""Checks that the committed seeds are exactly what the reference encoders write.

usage: check_seeds.py VW_MKSEEDS CORPUS_DIR   (compares CORPUS_DIR/fuzz and CORPUS_DIR/samples)"""
import pathlib
import subprocess
import sys
import tempfile

mkseeds, corpus = sys.argv[1], pathlib.Path(sys.argv[2])
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([mkseeds, f"{tmp}/fuzz", f"{tmp}/samples"], check=True)
    made = {p.relative_to(tmp): p.read_bytes() for p in pathlib.Path(tmp).rglob("*") if p.is_file()}
bad = 0
for rel, data in sorted(made.items()):
    have = corpus / rel
    if not have.exists():
        print(f"missing: corpus/{rel}")
        bad += 1
    elif have.read_bytes() != data:
        print(f"differs: corpus/{rel}")
        bad += 1
print(f"{len(made) - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
