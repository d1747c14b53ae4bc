// Package deploy holds no code: it is where the tests of the container
// image (../Dockerfile) and of the Kubernetes manifests (kubernetes/) live,
// checked without Docker or a cluster. See kubernetes/README.md.
package deploy
