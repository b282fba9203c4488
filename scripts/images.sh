#!/usr/bin/env bash
# Build, tag and push the extract and dbt images (docs/images.md describes the scheme).
#
# Usage:
#   scripts/images.sh tags     print the tags the current checkout gets
#   scripts/images.sh build    build elt/extract:TAG and elt/dbt:TAG locally
#   scripts/images.sh push     build, then push to ${ELT_IMAGE_REGISTRY}/{extract,dbt}:TAG
#
# Tags (Artifact Registry makes them immutable):
#   <git sha, 12 hex>   every build; the value of the Airflow Variable elt_image_tag
#   <version>           only when HEAD carries the git tag v<version> (version from pyproject.toml)
# A working tree with uncommitted changes under the build context gets <sha>-dirty and cannot be pushed.
#
# Env:
#   BASE_IMAGE          default python:3.11-slim-bookworm; pin by digest for releases. On machines without
#                       Docker Hub: scripts/build-base-image.sh, then BASE_IMAGE=local/python:3.11-bookworm.
#   ELT_IMAGE_REGISTRY  push target, REGION-docker.pkg.dev/PROJECT/REPOSITORY (same value as the Airflow
#                       Variable elt_image_registry); or REGION, PROJECT and REPOSITORY separately.
#   IMAGE_TAG           override the primary tag (tests use a content hash).
#   IMAGE_REVISION      override the org.opencontainers.image.revision label (default: git HEAD).
#   IMAGE_SOURCE        org.opencontainers.image.source (default: the origin remote, credentials removed).
#   SSL_CERT_FILE       CA bundle passed to the build as the BuildKit secret `ca` (TLS-intercepting proxies).
#   DOCKER              docker client with BuildKit secrets (default /usr/bin/docker, Debian's docker.io).
set -euo pipefail

cd "$(dirname "$0")/.."
DOCKER=${DOCKER:-/usr/bin/docker}
BASE_IMAGE=${BASE_IMAGE:-python:3.11-slim-bookworm}
IMAGES=(extract dbt)
# The paths the .dockerignore allow-list sends to the build: a change there makes a tree "dirty".
CONTEXT_PATHS=(pyproject.toml uv.lock README.md extract dbt_project Dockerfile.extract Dockerfile.dbt .dockerignore)

die() {
    echo "error: $*" >&2
    exit 2
}

version() {
    python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])'
}

revision() {
    echo "${IMAGE_REVISION:-$(git rev-parse HEAD)}"
}

is_dirty() {
    [[ -n "$(git status --porcelain -- "${CONTEXT_PATHS[@]}")" ]]
}

primary_tag() {
    if [[ -n "${IMAGE_TAG:-}" ]]; then
        echo "$IMAGE_TAG"
    elif is_dirty; then
        echo "$(git rev-parse --short=12 HEAD)-dirty"
    else
        git rev-parse --short=12 HEAD
    fi
}

all_tags() {
    primary_tag
    if [[ -z "${IMAGE_TAG:-}" ]] && ! is_dirty && git tag --points-at HEAD | grep -qx "v$(version)"; then
        version
    fi
}

source_url() {
    if [[ -n "${IMAGE_SOURCE:-}" ]]; then
        echo "$IMAGE_SOURCE"
        return
    fi
    # A remote URL may carry a token (https://user:token@host/...): never bake that into a label.
    git remote get-url origin 2>/dev/null | sed -E 's#^([a-z+]+://)[^@/]+@#\1#' || echo unknown
}

registry() {
    if [[ -n "${ELT_IMAGE_REGISTRY:-}" ]]; then
        echo "${ELT_IMAGE_REGISTRY%/}"
    elif [[ -n "${REGION:-}" && -n "${PROJECT:-}" && -n "${REPOSITORY:-}" ]]; then
        echo "$REGION-docker.pkg.dev/$PROJECT/$REPOSITORY"
    else
        die "set ELT_IMAGE_REGISTRY=REGION-docker.pkg.dev/PROJECT/REPOSITORY (or REGION, PROJECT, REPOSITORY)"
    fi
}

build() {
    local tag secret=() name
    tag=$(primary_tag)
    if [[ -n "${SSL_CERT_FILE:-}" && -s "$SSL_CERT_FILE" ]]; then
        secret=(--secret "id=ca,src=$SSL_CERT_FILE")
    fi
    for name in "${IMAGES[@]}"; do
        echo "building elt/$name:$tag on $BASE_IMAGE" >&2
        DOCKER_BUILDKIT=1 "$DOCKER" build \
            --file "Dockerfile.$name" \
            "${secret[@]}" \
            --build-arg "BASE_IMAGE=$BASE_IMAGE" \
            --build-arg "VERSION=$(version)" \
            --build-arg "REVISION=$(revision)" \
            --build-arg "SOURCE=$(source_url)" \
            --build-arg "CREATED=$(git log -1 --format=%cI)" \
            --tag "elt/$name:$tag" \
            .
        while read -r extra; do
            [[ "$extra" == "$tag" ]] || "$DOCKER" tag "elt/$name:$tag" "elt/$name:$extra"
        done < <(all_tags)
    done
    "$DOCKER" image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "^elt/(extract|dbt):$tag " >&2
}

push() {
    local target name extra
    is_dirty && die "uncommitted changes under the build context; commit them first so the tag names the code"
    [[ -z "${IMAGE_TAG:-}${IMAGE_REVISION:-}" ]] || die "IMAGE_TAG/IMAGE_REVISION are for local builds; pushed tags come from git"
    target=$(registry)
    build
    for name in "${IMAGES[@]}"; do
        while read -r extra; do
            "$DOCKER" tag "elt/$name:$(primary_tag)" "$target/$name:$extra"
            "$DOCKER" push "$target/$name:$extra"
        done < <(all_tags)
    done
    echo "pushed; set the Airflow Variable elt_image_tag=$(primary_tag) (elt_image_registry=$target)" >&2
}

case "${1:-}" in
    tags) all_tags ;;
    build) build ;;
    push) push ;;
    *)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
