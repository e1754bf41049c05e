#!/usr/bin/env python3
"""docs/keys.md: every key of every command, written from the commands' @Parameter declarations.

    mvn -q compile && /usr/bin/python3 tools/keys.py

Runs the command line's `keys` verb on the plugin's own classes (target/classes and its
dependencies; not the test class path, which carries a test-only noise model).
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from micro_report import ROOT, classpath  # noqa: E402

out = subprocess.run(["java", "-Djava.awt.headless=true", "-cp", classpath(), "sc.fiji.diffusion.cli.Main", "keys"],
                     cwd=ROOT, check=True, capture_output=True, text=True).stdout
open(os.path.join(ROOT, "docs", "keys.md"), "w").write(out)
print("wrote docs/keys.md")
