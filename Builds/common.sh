# Shared set-up for Builds/run and Builds/test: install what is missing, then
# configure and build one Ninja tree. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_TYPE="${COMFYBRIDGE_BUILD_TYPE:-RelWithDebInfo}"
BUILD_DIR="${COMFYBRIDGE_BUILD_DIR:-$ROOT/Builds/default}"

# Everything the project needs, from Debian 12's own packages only.
PACKAGES=(
    build-essential cmake ninja-build ccache pkg-config git
    juce-modules-source catch2 nlohmann-json3-dev libcurl4-openssl-dev
    libssl-dev                  # TLS (wss://) in our WebSocket client
    libpng-dev                  # fast PNG encoding of placeholders (image/PngEncoder)
    libflac-dev                 # FLAC audio (SaveAudio's output, audio uploads) through JUCE's FlacAudioFormat
    libjack-jackd2-dev          # JACK in the Standalone (headers only: JUCE loads libjack at run time)
    xvfb xauth imagemagick
    openssl                     # a self-signed https server for the certificate test
    ardour jalv jackd2          # real hosts for Tests/Host/run_{ardour,jalv}_test.sh
)

install_missing_packages() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0

    echo "==> installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
    $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
}

# Test only: node and the npm packages of Tests/Frontend (ComfyUI's graph library, zod),
# which load the deployed workflow graphs as ComfyUI's frontend does. Debian's nodejs
# and npm only when no node is installed yet (a newer one may be).
install_frontend_test_packages() {
    if ! command -v npm >/dev/null 2>&1; then
        echo "==> installing: nodejs npm"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
        $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends nodejs npm
    fi
    echo "==> installing the frontend check's npm packages (Tests/Frontend)"
    (cd "$ROOT/Tests/Frontend" && npm ci --no-audit --no-fund --loglevel=error)
}

configure_and_build() {
    echo "==> configuring $BUILD_DIR ($BUILD_TYPE)"
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "$@" >/dev/null
    echo "==> building"
    cmake --build "$BUILD_DIR" --parallel "$(nproc)"
}
