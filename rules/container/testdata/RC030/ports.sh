#!/bin/sh
docker run -p 80:8080 myapp:1.4 # want RC030 "publishes privileged host port 80"
docker run -p 127.0.0.1:443:8443/tcp myapp:1.4 # want RC030 "port 443"
docker run -p 53:53/udp -p 8053:53 dns:1.0 # want RC030 "port 53/udp"
docker run -p 1000-1100:1000-1100 myapp:1.4 # want RC030 "port 1000"
# ok RC030 -- ports of 1024 and above
docker run -p 8080:80 -p 1024:1024 myapp:1.4
# ok RC030 -- an ephemeral host port
docker run -p 80 myapp:1.4
# ok RC030 -- the port from a variable
docker run -p "$PORT:80" myapp:1.4
# ok RC030 -- on the host network Docker ignores published ports
docker run --network host -p 80:80 web:1.0
