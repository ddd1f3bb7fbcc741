#!/bin/sh
docker run -v /etc:/host/etc myapp:1.4 # want RC021 "mounts host path /etc read-write"
# ok RC021 -- the host's root holds the Docker socket: RC020 reports it, once
docker run -v /:/host myapp:1.4
docker run -v /var/lib/docker:/var/lib/docker myapp:1.4 # want RC021 "/var/lib/docker"
docker run -v /boot/grub:/grub myapp:1.4 # want RC021 "/boot/grub"
docker run --mount type=bind,src=/usr,dst=/host/usr myapp:1.4 # want RC021 "/usr"
docker run -v /etc/passwd:/etc/passwd myapp:1.4 # want RC021 "/etc/passwd"
docker run -v /proc/sys/:/host/sys myapp:1.4 # want RC021 "/proc/sys read-write"
# ok RC021 -- read-only is RC022's concern
docker run -v /etc:/host/etc:ro myapp:1.4
# ok RC021 -- the host's time zone, read-only, is harmless
docker run -v /etc/localtime:/etc/localtime:ro myapp:1.4
# ok RC021 -- an application folder
docker run -v /srv/myapp/data:/data myapp:1.4
# ok RC021 -- the options come from a variable: read-only or not is unknown
docker run -v "/etc:/host/etc:$MODE" myapp:1.4
# ok RC021 -- a subfolder of /etc that is not sensitive in itself
docker run -v /etc/myapp:/etc/myapp myapp:1.4
# ok RC021 -- a named volume
docker run -v etc:/etc myapp:1.4
# ok RC021 -- the engine socket is RC020's concern
docker run -v /var/run/docker.sock:/var/run/docker.sock ci-agent:2.1
