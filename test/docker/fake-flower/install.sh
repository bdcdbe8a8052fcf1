#!/bin/sh
# Installs the FAKE Flower runtime into the image's Python: the fake_flower package, the console
# scripts Flower's images have, and pip metadata (dist-info) for `flwr`, so that a generated image's
# `pip install --no-index -r requirements.txt` finds it "already satisfied" and needs no network. The
# real `datasets` is installed from the wheels in SOURCE_DIR/wheels (no index).
# Usage: install.sh SOURCE_DIR FLWR_VERSION
set -eu
src=$1 flwr_version=$2
PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --no-index --no-cache-dir --disable-pip-version-check --find-links "$src/wheels" "datasets<6" "pandas<3"
site=$(python3 -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
mkdir -p "$site"
cp -r "$src/fake_flower" "$site/"

# dist-info: METADATA (name and version, no dependencies), INSTALLER, an empty RECORD.
dist_info() {
  dir="$site/$1-$2.dist-info"
  mkdir -p "$dir"
  printf 'Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: FAKE %s for tests (fake_flower); not the real package\n' "$1" "$2" "$1" >"$dir/METADATA"
  printf 'fake-flower\n' >"$dir/INSTALLER"
  : >"$dir/RECORD"
}
dist_info flwr "$flwr_version"

# Console scripts; exec, so that python is PID 1 in the container and gets the stop signal.
launcher() {
  printf '#!/bin/sh\n# FAKE %s (fake_flower, tests only): not Flower.\nexec python3 -m fake_flower.%s "$@"\n' "$1" "$2" >"/usr/local/bin/$1"
  chmod 755 "/usr/local/bin/$1"
}
launcher flower-superlink superlink
launcher flower-supernode supernode
launcher flwr flwr_cli

python3 -m py_compile "$site"/fake_flower/*.py
python3 -c 'import fake_flower, datasets, numpy, sklearn; print("fake_flower", fake_flower.FLOWER_VERSION, "installed with datasets", datasets.__version__, "numpy", numpy.__version__)'
