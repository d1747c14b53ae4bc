# syntax=docker/dockerfile:1
#
# The bcetl image: one static binary (pure Go, no cgo: the SQLite driver is
# modernc.org/sqlite) on a distroless base, running as a non-root user.
#
#   docker build -t registry.example.com/bcetl:$(git describe --always --dirty) .
#   docker run --rm registry.example.com/bcetl:… --version
#
# Built from a git clone, go build records the commit and `bcetl --version`
# prints it (.git is part of the build context for that; it stays in the
# build stage). deploy/deploy_test.go parses this file and runs its go build
# command, so the binary the image ships is the one the tests check.

# Keep in step with the go directive of go.mod (the test checks).
ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static: no libc, no dynamic loader, so it runs on distroless/static (or
# scratch) and nothing in the image but the binary can be exploited.
ENV CGO_ENABLED=0
RUN go build -trimpath -ldflags="-s -w" -o /out/bcetl ./cmd/bcetl

# distroless/static: CA certificates (TLS to the APIs), /etc/passwd with
# the nonroot user, tzdata; no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bcetl /usr/local/bin/bcetl
# 65532 is distroless's nonroot; numeric, so Kubernetes' runAsNonRoot can
# verify it without reading /etc/passwd.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/bcetl"]
CMD ["--help"]
