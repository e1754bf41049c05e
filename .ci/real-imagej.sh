#!/usr/bin/env bash
# Installs the built plugin into a real ImageJ the way a user would -- Debian's `imagej`
# package, the plugin jar in ~/.imagej/plugins and its dependencies in ~/.imagej/plugins/jars --
# and runs every example macro under Xvfb, checking that each saved its result.
# (Train writes its model to $DIFFUSION_MODELS, a folder of the temporary home.)
# Usage: .ci/real-imagej.sh   (after `mvn package`; installs imagej and xvfb when missing)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v imagej > /dev/null || ! command -v xvfb-run > /dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq imagej xvfb > /dev/null
fi

# installed from the Linux Fiji.app that `mvn package` lays out (target/fiji/linux64/Fiji.app), as the
# README says for plain ImageJ: the plugin jar into plugins/, jars/*.jar and jars/linux64/*.jar into
# plugins/jars/ (ImageJ 1.x's plugin class loader reads plugins/ and one folder below it)
app=target/fiji/linux64/Fiji.app
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
mkdir -p "$home/.imagej/plugins/jars" "$home/work"
cp "$app"/plugins/Diffusion_Fiji-*.jar "$home/.imagej/plugins/"
cp "$app"/jars/*.jar "$app"/jars/linux64/*.jar "$home/.imagej/plugins/jars/"
# what Fiji ships and the Fiji.app leaves out (scijava-common, imglib2, snakeyaml, ...)
mvn -B -q dependency:copy-dependencies -DincludeScope=runtime -DexcludeArtifactIds=ij \
  -DexcludeGroupIds=ai.djl,ai.djl.pytorch -DoutputDirectory="$home/.imagej/plugins/jars"

# models trained by the macros go to the temporary home, not the user's (Java takes user.home
# from the password database, not from $HOME)
export DIFFUSION_MODELS="$home/models"

run_ij() { # macro, argument
  HOME="$home" timeout 600 xvfb-run -a imagej -b "$PWD/macros/$1" "$2" 2>&1 | grep -v -e '^$' -e SLF4J -e 'imagej -p' -e 'Open other images' || true
}

# inputs made by ImageJ itself: a bright ellipse on black, 64x64
cat > "$home/work/inputs.ijm" <<'IJM'
dir = getArgument();
newImage("picture", "8-bit black", 64, 64, 1);
setColor(200); fillOval(16, 8, 32, 48);
saveAs("Tiff", dir + "/picture.tif");
saveAs("Tiff", dir + "/guide.tif");
run("32-bit"); run("Add Specified Noise...", "standard=25");
saveAs("Tiff", dir + "/noisy.tif");
IJM
HOME="$home" timeout 300 xvfb-run -a imagej -b "$home/work/inputs.ijm" "$home/work" > /dev/null 2>&1 || true

w="$home/work"
run_ij sample.ijm "$w/sample-result.tif"
run_ij denoise.ijm "$w/noisy.tif|$w/denoise-result.tif|$w/denoise-source.tif"
run_ij edit.ijm "$w/guide.tif|$w/edit-result.tif|$w/edit-source.tif"
run_ij inpaint.ijm "$w/picture.tif|$w/inpaint-result.tif|$w/inpaint-source.tif"
run_ij train.ijm "$w/picture.tif|$w/train-result.tif|$w/train-source.tif"
run_ij check-setup.ijm "" | tee "$w/check-setup.txt"

# bad options: the macro must stop with the message in the log, not hang on a modal dialog
printf 'run("Sample", "count=1 steps=2 sampler=warp");\nprint("still running");\n' > "$w/bad.ijm"
bad=$(HOME="$home" timeout 300 xvfb-run -a imagej -b "$w/bad.ijm" 2>&1 || true)

fail=0
if echo "$bad" | grep -q "Unknown sampler 'warp'" && ! echo "$bad" | grep -q "still running"; then
  echo "real ImageJ: bad options stop the macro with: $(echo "$bad" | grep -m1 "Unknown sampler")"
else echo "real ImageJ: bad options did not stop the macro cleanly:"; echo "$bad"; fail=1; fi
for f in sample-result denoise-result edit-result inpaint-result train-result; do
  if [ -s "$w/$f.tif" ]; then echo "real ImageJ: $f.tif written ($(stat -c %s "$w/$f.tif") bytes)";
  else echo "real ImageJ: $f.tif MISSING"; fail=1; fi
done
if grep -q "Diffusion: setup OK" "$w/check-setup.txt" 2>/dev/null && grep -q "jars/pytorch-native-cpu-.*-linux-x86_64.jar" "$w/check-setup.txt"; then
  echo "real ImageJ: Check Setup OK, natives from $(grep -o '[^ ]*pytorch-native-cpu[^ ]*' "$w/check-setup.txt" | head -1)"
else echo "real ImageJ: Check Setup did not report a working setup:"; cat "$w/check-setup.txt" 2>/dev/null; fail=1; fi
for f in denoise edit; do # the source, saved after the run, must have the pixels it was opened with
  src=$([ $f = denoise ] && echo noisy || echo guide)
  if cmp -s <(tail -c 16384 "$w/$src.tif") <(tail -c 16384 "$w/$f-source.tif"); then echo "real ImageJ: $f left its source unchanged";
  else echo "real ImageJ: $f CHANGED its source"; fail=1; fi
done
exit $fail
