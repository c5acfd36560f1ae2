# tests/container/base-image.sh: the base image docker/Dockerfile starts from,
# made here because no registry is reachable. Sourced by tests/container/run.
#
#   ctr_base_image CACHE_DIR   # exit status 0, or 3 when the mirror is unreachable
#
# Builds a minimal Debian 12 root file system once (debootstrap
# --variant=minbase bookworm), trims it the way the official
# debian:bookworm-slim is trimmed (no docs, man pages, locales or apt lists;
# dpkg told to skip them on later installs; the same apt sources), caches it
# as CACHE_DIR/<key>.tar, and imports it as
# docker.io/library/debian:bookworm-slim, so the Dockerfile stays exactly as it
# is elsewhere. The key names the suite, variant, architecture and the recipe's
# version: a cached tar with the same key is reused, and an image already
# imported from it (label sti.base-key) is not imported again. A genuine
# debian:bookworm-slim already in the store (no such label) is used as is.

CTR_BASE_IMAGE=docker.io/library/debian:bookworm-slim
CTR_BASE_RECIPE=2   # bump when the trimming below changes
CTR_MIRROR=${STI_DEBIAN_MIRROR:-http://deb.debian.org/debian}

s_slim_rootfs() {   # s_slim_rootfs DIR: what debuerreotype does for -slim
    local root=$1
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        >"$root/etc/apt/apt.conf.d/docker-no-recommends"
    rm -f "$root/etc/apt/sources.list"
    cat >"$root/etc/apt/sources.list.d/debian.sources" <<CFG
Types: deb
URIs: $CTR_MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${CTR_MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
CFG
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$root/usr/share/man/"* "$root/usr/share/groff/"* "$root/usr/share/info/"* \
        "$root/usr/share/lintian/"* "$root/usr/share/linda/"* \
        "$root/var/cache/apt/"*.bin "$root/var/cache/apt/archives/"*.deb \
        "$root/var/lib/apt/lists/"* "$root/var/log/"*.log "$root/var/log/apt/"*
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias \
        -exec rm -rf {} +
}

ctr_base_image() {
    local cache=$1 arch key tar have
    arch=$(dpkg --print-architecture)
    key="debian-bookworm-minbase-$arch-r$CTR_BASE_RECIPE"
    tar="$cache/$key.tar"
    if podman image exists "$CTR_BASE_IMAGE"; then
        have=$(podman image inspect --format '{{index .Labels "sti.base-key"}}' "$CTR_BASE_IMAGE")
        if [ -z "$have" ] || [ "$have" = "$key" ]; then
            echo "base image: $CTR_BASE_IMAGE present (${have:-not made here}), reused"
            return 0
        fi
    fi
    mkdir -p "$cache"
    if [ ! -s "$tar" ]; then
        local root="$cache/rootfs.tmp"
        rm -rf "$root"
        echo "base image: debootstrap --variant=minbase bookworm (cached as $tar)"
        if ! debootstrap --variant=minbase bookworm "$root" "$CTR_MIRROR" \
            >"$cache/debootstrap.log" 2>&1; then
            rm -rf "$root"
            echo "base image: debootstrap failed (log: $cache/debootstrap.log):" >&2
            tail -n 5 "$cache/debootstrap.log" >&2
            return 3
        fi
        s_slim_rootfs "$root"
        tar --numeric-owner --xattrs -C "$root" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
        rm -rf "$root"
    fi
    echo "base image: podman import $tar as $CTR_BASE_IMAGE"
    podman import -q --change "LABEL sti.base-key=$key" --change 'CMD ["bash"]' \
        "$tar" "$CTR_BASE_IMAGE" >/dev/null
}
