#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Gradescope's setup.sh: runs once, as root, when the autograder image is
# built. The Debian packages (bubblewrap among them) and the runner.
set -euo pipefail
cd "$(dirname "$0")"
harness/setup
make -s build/tools/runner
