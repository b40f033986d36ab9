package kubernetes.admission

import rego.v1

# Deny privileged containers and images from outside the company registry.
deny contains msg if {
	some c in input.request.object.spec.containers
	c.securityContext.privileged
	msg := sprintf("container %s is privileged", [c.name])
}

deny contains msg if {
	some c in input.request.object.spec.containers
	not startswith(c.image, "registry.example.com/")
	msg := sprintf("image %s is not from registry.example.com", [c.image])
}

allowed if count(deny) == 0
