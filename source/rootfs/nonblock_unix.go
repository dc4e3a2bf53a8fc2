//go:build unix

package rootfs

import "syscall"

// oNonblock makes opening a FIFO return at once instead of waiting for a
// writer; on regular files and directories it has no effect.
const oNonblock = syscall.O_NONBLOCK
