#!/usr/bin/env bash
# Checks the per-platform Fiji.app folders and zips that `mvn package` lays out (target/fiji/<platform>/Fiji.app,
# target/Diffusion_Fiji-<version>-fiji-<platform>.zip): the plugin in plugins/, the same DJL jars in jars/, and in
# jars/<platform>/ exactly one PyTorch natives jar, the one whose native/lib/pytorch.properties names that
# platform; no natives jar of any platform anywhere else in the folder (Fiji's launcher puts every jars/*/*.jar
# on the class path). Only the Linux one can be run here (.ci/real-imagej.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
declare -A classifier=([linux64]=linux-x86_64 [win64]=win-x86_64 [macos-arm64]=osx-aarch64)
common=""
for p in linux64 win64 macos-arm64; do
  app=target/fiji/$p/Fiji.app
  if [ ! -d "$app" ]; then echo "layout: $app MISSING"; fail=1; continue; fi
  natives=$(find "$app" -name 'pytorch-native-*.jar' | sort)
  want="$app/jars/$p/pytorch-native-cpu-2.5.1-${classifier[$p]}.jar"
  if [ "$natives" != "$want" ]; then echo "layout: $p has natives [$natives], wanted exactly [$want]"; fail=1;
  elif ! unzip -p "$want" native/lib/pytorch.properties | grep -qx "classifier=${classifier[$p]}"; then
    echo "layout: $want does not say classifier=${classifier[$p]}"; fail=1;
  else echo "layout: $p: jars/$p/$(basename "$want") ($(( $(stat -c %s "$want") / 1000000 )) MB), nothing for another platform"; fi
  if ! ls "$app"/plugins/Diffusion_Fiji-*.jar > /dev/null 2>&1; then echo "layout: $p has no plugin jar"; fail=1; fi
  these=$(cd "$app/jars" && ls *.jar | sort | tr '\n' ' ')
  if [ -z "$common" ]; then common=$these; elif [ "$these" != "$common" ]; then echo "layout: $p jars/ differs: $these vs $common"; fail=1; fi
  if [ "$(find "$app" -type d | wc -l)" -ne 4 ]; then echo "layout: $p has other folders: $(find "$app" -type d)"; fail=1; fi
  zip=$(ls target/Diffusion_Fiji-*-fiji-$p.zip 2>/dev/null | head -1)
  if [ -z "$zip" ]; then echo "layout: no zip for $p"; fail=1;
  elif [ "$(unzip -Z1 "$zip" | grep '\.jar$' | sort)" != "$(cd target/fiji/$p && find Fiji.app -name '*.jar' | sort)" ]; then
    echo "layout: $zip differs from $app"; fail=1;
  else echo "layout: $p: $(basename "$zip") $(( $(stat -c %s "$zip") / 1000000 )) MB"; fi
done
echo "common jars/: $common"
exit $fail
