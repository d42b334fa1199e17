# Upward in a container: a static binary on a small Debian base.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/upward ./cmd/upward

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /data upward && mkdir -p /data && chown upward /data
COPY --from=build /out/upward /usr/local/bin/upward
USER upward
EXPOSE 8080
ENTRYPOINT []
CMD ["upward", "serve"]
