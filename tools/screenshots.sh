#!/usr/bin/env bash
# Pictures of what a user sees, for the README: the plugin installed into Debian's ImageJ (the jar in
# plugins/, its libraries in plugins/jars), run in a real window under Xvfb, screenshots taken
# while the macros of tools/screens/ run.   usage: tools/screenshots.sh [OUT_DIR=results]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-results}
need=(); command -v imagej >/dev/null || need+=(imagej); command -v xvfb-run >/dev/null || need+=(xvfb xauth)
command -v import >/dev/null || need+=(imagemagick)
((${#need[@]})) && { apt-get update -qq >/dev/null; apt-get install -y -qq "${need[@]}" >/dev/null; }
work=$(mktemp -d); mkdir -p "$work/home/.imagej/plugins/jars" "$work/shots"
mvn -B -q -o package -DskipTests >"$work/build.log" 2>&1 || mvn -B -q package -DskipTests >"$work/build.log" 2>&1
cp "$(ls target/Diffusion_Fiji-*.jar | grep -vE 'sources|javadoc|tests' | head -1)" "$work/home/.imagej/plugins/"
mvn -B -q -o dependency:copy-dependencies -DincludeScope=runtime -DexcludeArtifactIds=ij \
  -DoutputDirectory="$work/home/.imagej/plugins/jars" >>"$work/build.log" 2>&1
shoot() { # macro, seconds to run, seconds between shots
  local macro=$(realpath "$1") secs=$2 every=$3 name=$(basename "$1" .ijm)
  cat >"$work/run.sh" <<EOS
#!/usr/bin/env bash
# ImageJ in its own process group (the imagej wrapper starts java as a child), screenshots alongside
setsid imagej -x 4000 -m "$macro" >>"${work}/imagej.log" 2>&1 &
group=\$!; i=0
while kill -0 \$group 2>/dev/null && [ \$i -lt $((secs / every)) ]; do
  sleep $every; i=\$((i+1)); import -window root "$work/shots/$name-\$(printf %03d \$i).png" 2>/dev/null || true
done
kill -- -\$group 2>/dev/null || true
EOS
  chmod +x "$work/run.sh"
  (cd "$work" && HOME=$work/home DJL_OFFLINE=true OPT_OUT_TRACKING=true timeout $((secs + 60)) \
    xvfb-run -a -s "-screen 0 1280x900x24" ./run.sh) || true
}
[ "${ONLY:-}" = progress ] || shoot tools/screens/dialog.ijm 40 10
shoot tools/screens/progress.ijm 150 ${EVERY:-15}
mkdir -p "$out"
ls "$work/shots"
echo "screenshots in $work/shots (copy the ones to keep into $out)"
tail -20 "$work/imagej.log"; cat /tmp/diffusion-log.txt 2>/dev/null | tail -20
