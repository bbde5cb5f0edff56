package container
