#!/bin/sh
docker run --no-healthcheck myapp:1.4 # want RC034 "disables the container's health check"
# ok RC034 -- no health check given: the image may define one
docker run myapp:1.4
# ok RC034 -- a health check defined on the command line
docker run --health-cmd 'curl -f http://localhost/ || exit 1' myapp:1.4
# ok RC034 -- explicitly not disabled
docker run --no-healthcheck=false myapp:1.4
