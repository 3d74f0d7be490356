# tests/lib/mountns.sh: sourced first by a test that mounts a tmpfs, before
# tests/lib/services.sh (which it then sources itself, in the namespace).
#
# ry_mount_ns ARGS...: re-runs the calling script, once, in a mount
# namespace of its own, so that what it mounts goes with it; needs root;
# exits 77 (SKIPPED, with the reason) where that cannot be.
ry_mount_ns() {
    [ -z "${RY_MOUNT_NS:-}" ] || return 0
    local why
    if [ "$(id -u)" != 0 ]; then
        why="mounting a tmpfs needs root (running as uid $(id -u))"
    elif ! command -v unshare >/dev/null; then
        why="no 'unshare' command (util-linux)"
    elif ! why=$(unshare -m --propagation private true 2>&1); then
        why="cannot make a mount namespace: $why"
    else
        RY_MOUNT_NS=1 exec unshare -m --propagation private bash "$0" "$@"
    fi
    echo "SKIPPED: $why"
    echo "SKIPPED: $why" >&2
    exit 77
}
