# shellcheck shell=bash
# env.sh: puts this checkout's tools (occlum, occlum-gcc, occlum-g++,
# occlum-ld) first on PATH. Use it with: source env.sh   (after 'make')
_occlum_root=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
case ":$PATH:" in
*":$_occlum_root/out/bin:"*) ;;
*) export PATH="$_occlum_root/out/bin:$PATH" ;;
esac
unset _occlum_root
