#!/bin/sh
# The seed article's resource-limited command (Practice 2.2) runs myapp:latest.
docker run \
  --cpus "1.0" \
  --memory "512m" \
  --memory-swap "512m" \
  --pids-limit 100 \
  myapp:latest # want RC035 "image myapp:latest uses the latest tag"
docker run --privileged nginx # want RC035 "image nginx has no tag: it runs whatever nginx:latest is"
docker run registry.example.com:5000/team/app # want RC035 "registry.example.com:5000/team/app has no tag"
docker run -d ghcr.io/org/app:latest serve # want RC035 "latest"
# ok RC035 -- a version tag
docker run nginx:1.27.3
# ok RC035 -- a registry port is not a tag, and the tag is fixed
docker run registry.example.com:5000/team/app:2.0.1
# ok RC035 -- pinned by digest
docker run nginx@sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a
# ok RC035 -- an image ID
docker run 3f57d9401f8d
# ok RC035 -- a tag from a variable is not judged
docker run "myapp:${VERSION}"
# ok RC035 -- the image from a variable
docker run "$IMAGE"
# ok RC035 -- the image is an unquoted variable: "echo" is the command, not the image
docker run --rm -t $DOCKER_IMAGE_NAME echo Success.
# ok RC035 -- the same, with the command given by its path
docker run -i -u root $image_name /bin/echo Success.
# ok RC035 -- not an image reference (image names are lower case): docker itself refuses it
docker run "My Image"
