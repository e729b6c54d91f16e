package main

import "syscall"

// childAttr makes the kernel kill a child server when this program dies, so that no server
// outlives an interrupted run.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
