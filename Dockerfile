# tupu in a container: a static binary on an empty base image, run as a
# user without privileges, its database on a volume. See docs/deploy.md.
#
#   docker build -t tupu .
#   docker run -p 8080:8080 -v tupu-data:/data tupu

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN packaging/build /out/tupu \
 && mkdir -p /out/data /out/tmp \
 && chmod 1777 /out/tmp \
 && echo 'tupu:x:65532:65532:tupu:/data:/sbin/nologin' >/out/passwd \
 && echo 'tupu:x:65532:' >/out/group

FROM scratch
# Certificates for an HTTPS trace collector (OTEL_EXPORTER_OTLP_ENDPOINT).
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/passwd /etc/passwd
COPY --from=build /out/group /etc/group
COPY --from=build /out/tmp /tmp
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/tupu /usr/local/bin/tupu
USER 65532:65532
# Listen on every interface of the container (the default, 127.0.0.1,
# would be unreachable from outside it); the database and its search index
# on the volume.
ENV TUPU_ADDR=:8080 \
    TUPU_DB=/data/tupu.db
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tupu"]
CMD ["serve"]
