package lxcapi

// InitPID is the host pid of the running container's init, from its
// monitor (no config is loaded: a container whose config does not load
// still answers).
func (r Runtime) InitPID(name string) (int, error) {
	c, err := r.open(name)
	if err != nil {
		return 0, err
	}
	defer c.Release()
	if !c.Running() {
		return 0, ErrNotRunning
	}
	pid := c.InitPid()
	if pid <= 0 {
		return 0, ErrNotRunning
	}
	return pid, nil
}
