#!/bin/sh
# Start the service by hand.
set -e
docker build -t example/weak-web .
docker run -d --privileged -p 8080:8080 -e DB_PASSWORD=s3cret-password example/weak-web
