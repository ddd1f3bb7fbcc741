#!/bin/sh
docker run -v /var/run/docker.sock:/var/run/docker.sock ci-agent:2.1 # want RC020 "mounts the Docker API socket /var/run/docker.sock: the container can control the engine, and so the host"
docker run -v /var/run/docker.sock:/var/run/docker.sock:ro portainer/agent:2.21 # want RC020 "Docker API socket"
docker run --mount type=bind,source=/run/docker.sock,target=/docker.sock ci-agent:2.1 # want RC020 "Docker API socket"
docker run -v /run/podman/podman.sock:/run/podman/podman.sock ci-agent:2.1 # want RC020 "Podman API socket"
docker run -v /run/containerd/containerd.sock:/run/containerd/containerd.sock ci-agent:2.1 # want RC020 "containerd API socket"
podman run -v /run/user/1000/podman/podman.sock:/run/podman.sock ci-agent:2.1 # want RC020 "rootless engine API socket"
docker run -v /var/run:/var/run:ro gcr.io/cadvisor/cadvisor:v0.49.1 # want RC020 "mounts /var/run, which holds the Docker API socket"
docker run -v /:/rootfs:ro gcr.io/cadvisor/cadvisor:v0.49.1 # want RC020 "mounts the host's root, which holds the Docker API socket"
docker run -v "/var/run/docker.sock:/var/run/docker.sock:$OPTS" ci-agent:2.1 # want RC020 "Docker API socket"
# ok RC020 -- a socket path from a variable
docker run -v "$DOCKER_SOCK:/var/run/docker.sock" ci-agent:2.1
# ok RC020 -- a named volume called like the socket is not the socket
docker run -v docker.sock:/data ci-agent:2.1
# ok RC020 -- an application folder
docker run -v /srv/app/run:/run/app myapp:1.4
# ok RC020 -- the socket path inside the container only, with a tmpfs
docker run --tmpfs /var/run myapp:1.4
docker run --use-api-socket ci-agent:2.1 # want RC020 "use-api-socket mounts the Docker API socket"
# ok RC020 -- the flag turned off
docker run --use-api-socket=false ci-agent:2.1
